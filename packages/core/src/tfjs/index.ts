/**
 * What flatopt knows of TensorFlow.js's internals, in one place (docs/TFJS_INTERNALS.md measures
 * each trap): loss calls without side effects, buffers held without a copy, gradients with the
 * tape released, second-order gradients made correct, custom-gradient ops detected, reads
 * without blocking, WebGL's packed textures.
 */
export { alias } from './alias';
export { variableGradsWithAux, type ValueWithAux } from './aux-gradients';
export { customGradientOpsOnTape } from './custom-gradients';
export { readAsync } from './read-async';
export {
  disableSecondOrderGradients,
  enableSecondOrderGradients,
  secondOrderGradientsEnabled,
} from './second-order';
export { sideEffectFree } from './side-effects';
export { tidy } from './tidy';
