export { withPlugins } from './with-plugins';
export { PluggedOptimizer, type PluggedOptions } from './plugged-optimizer';
export type { FiniteCheck } from './finite-guard';
export type {
  ConfigValue,
  Diagnostic,
  Evaluation,
  Grads,
  InitContext,
  NamedTensor,
  LossFn,
  NonFinitePolicy,
  Parametrization,
  Plugin,
  PluginConfig,
  Reparameterization,
  SlotOptions,
  StepContext,
  StepReport,
  VariableRole,
} from './types';
export { registerPlugin, registeredPluginTypes, type PluginFactory } from './registry';
export { definePlugin, type PluginDefinition, type PluginFactoryOf, type PluginHooks } from './define-plugin';
export { option, type OptionSpec, type OptionsOf, type Resolved, type Schema } from './options';
export {
  bounds,
  checkHyperparameter,
  constant,
  cosine,
  follow,
  join,
  linear,
  scheduleFromConfig,
  step,
  valueAt,
  warmupCosine,
  type Hyperparameter,
  type RampOptions,
  type Schedule,
  type WarmupCosineOptions,
} from './schedule';
export { FlatoptError, describe as describeValue } from './errors';
export { checkBoolean, checkKnownKeys, checkNumber, checkOneOf, describeRange, type Range } from './validate';
/**
 * tfjs internals, gathered in ./tfjs: `tidyGrads` is `tf.tidy` for results holding null
 * (no-gradient) entries and plain numbers, which tfjs walks past; second-order gradients made
 * correct (`enableSecondOrderGradients`) and the custom-gradient ops tfjs differentiates wrongly
 * twice (`customGradientOpsOnTape`) moved here from @flatopt/grad-reg, which still re-exports them.
 */
export {
  alias,
  customGradientOpsOnTape,
  disableSecondOrderGradients,
  enableSecondOrderGradients,
  readAsync,
  secondOrderGradientsEnabled,
  sideEffectFree,
  tidy as tidyGrads,
  variableGradsWithAux,
  type ValueWithAux,
} from './tfjs';
export * as tl from './tensor-list';
/** mulberry32, a tiny seeded PRNG: for probes and examples that must draw the same numbers on every backend. */
export { mulberry32 } from './testing/prng';
