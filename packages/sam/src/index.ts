export { sam, type SamOptions } from './sam';
export { ascent, type Ascent, type AscentRule } from './ascent';
