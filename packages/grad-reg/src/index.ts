export { gradReg, type GradRegMethod, type GradRegOptions } from './grad-reg';
export {
  finiteDifference,
  penaltyValue,
  type FiniteDifferenceMethod,
  type Penalty,
} from './finite-difference';
export { doubleBackprop, SecondOrderUnsupported } from './double-backprop';
export { alphaFromLambda, gammaFromLearningRate, lambdaFromAlpha } from './conventions';
export {
  disableSecondOrderGradients,
  enableSecondOrderGradients,
  secondOrderGradientsEnabled,
} from './second-order/register';
export { customGradientOpsOnTape } from './second-order/detect';
export { softmaxCrossEntropy } from './safe-losses';
