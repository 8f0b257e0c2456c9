export { gradReg, type GradRegMethod, type GradRegOptions } from './grad-reg';
export {
  finiteDifference,
  penaltyValue,
  type FiniteDifferenceMethod,
  type Penalty,
} from './finite-difference';
export { doubleBackprop, SecondOrderUnsupported } from './double-backprop';
export { alphaFromLambda, gammaFromLearningRate, lambdaFromAlpha } from './conventions';
/** Moved to @flatopt/core (its tfjs internals); re-exported here for existing imports. */
export {
  customGradientOpsOnTape,
  disableSecondOrderGradients,
  enableSecondOrderGradients,
  secondOrderGradientsEnabled,
} from '@flatopt/core';
export { softmaxCrossEntropy } from './safe-losses';
