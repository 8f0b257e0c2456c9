export { sam, type SamOptions } from './sam';
export { ascent, type Ascent, type AscentRule } from './ascent';
export { gsam, surrogateGapDirection, type GsamOptions } from './gsam';
