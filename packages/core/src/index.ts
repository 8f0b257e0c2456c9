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
  linear,
  scheduleFromConfig,
  step,
  valueAt,
  type Hyperparameter,
  type RampOptions,
  type Schedule,
} from './schedule';
export { FlatoptError, describe as describeValue } from './errors';
export { checkBoolean, checkKnownKeys, checkNumber, checkOneOf, describeRange, type Range } from './validate';
/** `tf.tidy` for results holding null (no-gradient) entries and plain numbers, which tfjs walks past. */
export { tidy as tidyGrads } from './tidy';
export { sideEffectFree } from './side-effects';
export { alias } from './alias';
export { readAsync } from './read-async';
export { variableGradsWithAux, type ValueWithAux } from './aux-gradients';
export * as tl from './tensor-list';
/** mulberry32, a tiny seeded PRNG: for probes and examples that must draw the same numbers on every backend. */
export { mulberry32 } from './testing/prng';
