export { learningRate, type LearningRateOptions } from './learning-rate';
export { clipByGlobalNorm, clipByValue, type ClipByGlobalNormOptions, type ClipByValueOptions } from './clip';
export { decoupledWeightDecay, type DecoupledWeightDecayOptions } from './weight-decay';
export { accumulate, type AccumulateOptions } from './accumulate';
