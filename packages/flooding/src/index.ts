export { flooding, type FloodingGranularity, type FloodingOptions } from './flooding';
