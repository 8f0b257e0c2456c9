export { weightNorm, type WeightNormOptions } from './weight-norm';
export type { Include } from './selection';
export { compose, composeKeepingNorm, norm, polarOf, pullback, resolveAxes, type NormAxes } from './polar';
