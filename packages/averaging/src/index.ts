export { ema, type EmaOptions } from './ema';
export { swa, type SwaOptions } from './swa';
export { lookahead, type LookaheadOptions } from './lookahead';
export {
  assignAveraged,
  swapAveraged,
  withAveragedWeights,
  type AveragedOptions,
  type ModelWithStatistics,
} from './averaged';
export { updateBatchNorm, type BatchInputs, type BatchNormBatch, type DatasetLike } from './batch-norm';
