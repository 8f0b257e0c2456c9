import type * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients aligned with `StepContext.variables`: same length, same order every step. `null`
 * marks a variable that received no gradient (the wrapped optimizer skips it, as tfjs does).
 */
export type Grads = Array<tf.Tensor | null>;

/** A tensor with a name, as tfjs optimizers' getWeights/setWeights exchange them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** A diagnostic value: a device scalar (read with the step's report) or a plain number. */
export type Diagnostic = tf.Scalar | number;

/** What the evaluate stage produces: the objective at the current weights and the gradient to apply. */
export interface Evaluation {
  /** The mean loss at the weights the evaluation ran at (before any loss transform). */
  readonly loss: tf.Scalar;
  readonly grads: Grads;
  /** The per-example losses, when the loss function returned a vector. */
  readonly perExample?: tf.Tensor1D;
}

/** The loss function a step differentiates: a scalar, or a vector of per-example losses (objective = mean). */
export type LossFn = () => tf.Scalar | tf.Tensor1D;

/** What one step reports: plain numbers, read with a single sync at the end of the step. */
export interface StepReport {
  /** Mean loss at the unperturbed weights (the primary evaluation). */
  readonly loss: number;
  /** First-order gradient evaluations the step made (SAM 2, forward GR 2, central GR 3, …). */
  readonly gradientEvaluations: number;
  /** Double-backprop evaluations (a gradient of a gradient), counted apart. */
  readonly doubleBackpropEvaluations: number;
  /** True when the non-finite policy 'skip' dropped this step (nothing was applied). */
  readonly skipped: boolean;
  /** Values plugins recorded, keyed `pluginName/name`. */
  readonly diagnostics: Record<string, number>;
}

/** What a non-finite loss or gradient does: throw (default), skip the step, or go unchecked. */
export type NonFinitePolicy = 'throw' | 'skip' | 'ignore';

/**
 * What a variable of the apply stage is: a `trained` variable (the evaluate stage sees only
 * these), a `derived` trained variable that a reparameterization recomputes (the wrapped
 * optimizer does not update it), or a reparameterization's `parameter`, trained in its place.
 */
export type VariableRole = 'trained' | 'derived' | 'parameter';

/** The view of one step a plugin receives. */
export interface StepContext {
  /** The variables being trained, in the fixed order the wrapped optimizer's state relies on. */
  readonly variables: readonly tf.Variable[];
  /**
   * The role of each of `variables`, aligned with them: all `trained` in the evaluate stage; in
   * the apply stage, derived variables and reparameterization parameters are marked.
   */
  readonly roles: readonly VariableRole[];
  /**
   * True in the step's primary evaluation: the first one, at the current weights, whose loss the
   * step reports and whose loss call keeps its side effects. An outer plugin's further
   * evaluations (SAM's at θ + ε̂, GR's finite differences) are not primary, so a plugin that
   * records per-step figures does so once, here. False in the apply stage.
   */
  readonly primary: boolean;
  /** The wrapped optimizer's iteration count before this step (0 on the first step). */
  readonly iteration: number;
  /** The wrapped optimizer's learning rate, when it has one. */
  readonly learningRate?: number;
  /**
   * Runs `fn` with every variable displaced by `scale·shift` and restores the weights bit for
   * bit afterwards (from saved copies, never by subtracting), also when `fn` throws. Loss
   * evaluations after the step's first run without side effects (BatchNorm statistics,
   * tfjs-layers metrics), so a probe never disturbs what the primary evaluation reported.
   */
  probe<T>(shift: Grads, scale: number | tf.Scalar, fn: () => T): T;
  /**
   * Records a diagnostic (kept as a tensor until the step is read; no sync). Pass a function to
   * compute it only when the step's report will be read (`step`, `stepAsync`): `minimize`, `fit`
   * and the two-call protocol read none, so they skip that work. The function runs at the end of
   * the stage that recorded it, so the tensors it reads must still exist then (not made in a
   * `tf.tidy` the plugin has since closed).
   */
  record(name: string, value: Diagnostic | (() => Diagnostic)): void;
  /**
   * The objective at the current weights as a differentiable scalar (`value`: the mean of the
   * loss after every plugin's transformLoss), with the untransformed mean `loss` beside it, for
   * methods that need a gradient of a gradient (double backprop): call it inside
   * `tf.variableGrads` and report `loss`.
   */
  objective(): { value: tf.Scalar; loss: tf.Scalar };
  /**
   * Runs `fn` with the loss restricted to micro-batch `index` (0-based) of `count` equal,
   * contiguous parts of the per-example loss vector: every loss evaluation inside it (`next()`,
   * `probe`, `objective()`) differentiates and reports the mean over that part only, with every
   * plugin's loss transform applied to the part. For m-sharpness (one SAM ascent per micro-batch).
   * The loss function still runs on the whole batch. Throws, before anything is applied, when the
   * loss is a scalar or `count` does not divide its length.
   */
  microBatch<T>(index: number, count: number, fn: () => T): T;
  /** Adds to the step's cost ledger work done outside `next()` (e.g. a double-backprop evaluation). */
  charge(kind: 'gradient' | 'doubleBackprop', count?: number): void;
}

/**
 * A flatopt plugin. Any subset of the hooks may be present; `withPlugins(opt, a, b)` runs `a`
 * outermost: `a.evaluate` wraps `b.evaluate` wraps the raw gradient, and `a.apply` wraps
 * `b.apply` wraps the wrapped optimizer's `applyGradients`.
 */
export interface Plugin {
  /** Unique within a stack; keys the plugin's state and diagnostics. */
  readonly name: string;
  /** Registered factory that rebuilds the plugin from `getConfig()` (defaults to `name`). */
  readonly type?: string;
  /**
   * Called once, when the optimizer's variable list is fixed (at its first step), before any
   * hook of that step and before restored state is applied: create the plugin's state here with
   * `ctx.perVariable` / `ctx.single` (optax's `init(params)`). Core names that state, keeps it
   * non-trainable, saves it with the optimizer (getWeights, model.save), restores it, also when
   * `setWeights` came before the first step, and disposes it. A throw leaves nothing behind.
   */
  init?(ctx: InitContext): void;
  /**
   * Called after core restored state that `init` created (by `setWeights`, or right after `init`
   * when the weights came before the first step), with the names of the restored entries
   * (`<slot><i>` / `<slot>`), for plugins whose behaviour depends on whether their state holds
   * something real yet.
   */
  restored?(names: readonly string[]): void;
  /**
   * A learning-rate schedule: the wrapped optimizer's learning rate for the step at `iteration`
   * (its iteration count before the step). Core writes the value into the wrapped optimizer
   * before any hook of the step runs, so its update and every `ctx.learningRate` of the step use
   * it. At most one plugin of a stack has this hook.
   */
  learningRate?(iteration: number): number;
  /** Rewrites the loss inside the differentiated function (e.g. flooding `|L − b| + b`); receives a scalar or per-example vector. */
  transformLoss?(ctx: StepContext, loss: tf.Tensor): tf.Tensor;
  /** Produces the evaluation the update will use; `next()` evaluates the rest of the stack at the current weights. */
  evaluate?(ctx: StepContext, next: () => Evaluation): Evaluation;
  /**
   * Turns gradients into an update; `next(grads)` applies through the rest of the stack and the
   * wrapped optimizer. In this stage `ctx.variables` (and `grads`) cover the trained variables
   * followed by every plugin's `reparameterize` parameters, whose gradients start out null.
   */
  apply?(ctx: StepContext, grads: Grads, next: (grads: Grads) => void): void;
  /**
   * Declares a reparameterization (e.g. weight normalization `w = g·v/‖v‖`): `parameters` are
   * variables the wrapped optimizer trains in place of the `derived` trained variables, which the
   * plugin itself recomputes from them in `apply`. Called once, when the first applied step fixes
   * the variable list, before anything is applied (a throw leaves weights and state untouched).
   * The plugin creates and owns the parameters (create them non-trainable, so default variable
   * lists stay unchanged; dispose them in `dispose`).
   */
  reparameterize?(trained: readonly tf.Variable[]): Reparameterization;
  /** Settings with camelCase keys whose values are numbers, booleans, strings without '_', arrays or such objects. */
  getConfig(): PluginConfig;
  getWeights?(): Promise<NamedTensor[]>;
  setWeights?(weights: NamedTensor[]): Promise<void>;
  dispose?(): void;
}

/** What a plugin's `init` receives. */
export interface InitContext {
  /** The trained variables, in the fixed order of every later step. */
  readonly variables: readonly tf.Variable[];
  /**
   * One state variable per trained variable, initialized from `initial(variable, index)` (null:
   * none for that variable). Saved as `<name><index>`. The list is aligned with `variables`.
   */
  perVariable(
    name: string,
    initial: (variable: tf.Variable, index: number) => tf.Tensor | null,
    options?: SlotOptions,
  ): ReadonlyArray<tf.Variable | null>;
  /** One state variable (a step count, say), initialized from `initial()`. Saved as `<name>`. */
  single(name: string, initial: () => tf.Tensor, options?: SlotOptions): tf.Variable;
  /**
   * Trains `variable` (w, one of `variables`) as w = forward(params), as torch's
   * `register_parametrization` does: core creates the parameters from `rightInverse(w)` as
   * saved state (`<names[k]><index of w>`), hands the wrapped optimizer their gradients —
   * ∂L/∂params = (∂forward/∂params)ᵀ·∂L/∂w, by autodiff through `forward` — in place of w's, and
   * writes w = forward(params) back after every applied step and after a restore. Returns the
   * parameters, in the order of `names`.
   */
  parametrize(variable: tf.Variable, parametrization: Parametrization): tf.Variable[];
}

/** A reparameterization by autodiff (see `InitContext.parametrize`). */
export interface Parametrization {
  /** A name per parameter, e.g. ['g', 'v'] (letters, as state slot names). */
  readonly names: readonly string[];
  /** w = forward(params), in differentiable tfjs ops. */
  forward(params: readonly tf.Tensor[]): tf.Tensor;
  /** Parameters that give w back: forward(rightInverse(w)) = w, up to rounding. */
  rightInverse(w: tf.Tensor): tf.Tensor[];
  /**
   * Optional: the vector–Jacobian product written by hand, (∂forward/∂params)ᵀ·gradient, used in
   * place of autodiff. Autodiff through tfjs' tape costs kernels (copies saved for the backward
   * pass, casts); a closed form can cost fewer. It must equal autodiff's: test it against a
   * parametrization without it.
   */
  pullback?(params: readonly tf.Tensor[], gradient: tf.Tensor): tf.Tensor[];
}

export interface SlotOptions {
  /** Saved and restored with the optimizer (default true); false for scratch state within a step. */
  readonly saved?: boolean;
}

/** What `Plugin.reparameterize` declares. */
export interface Reparameterization {
  /** Trained variables the plugin recomputes itself; the wrapped optimizer no longer updates them. */
  readonly derived: readonly tf.Variable[];
  /** Variables the wrapped optimizer trains instead, appended to the apply stage's list. */
  readonly parameters: readonly tf.Variable[];
}

export type ConfigValue =
  number | string | boolean | null | readonly ConfigValue[] | { readonly [key: string]: ConfigValue };
export type PluginConfig = { readonly [key: string]: ConfigValue };
