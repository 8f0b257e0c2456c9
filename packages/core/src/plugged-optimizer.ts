import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';
import { PluginState } from './plugin-state';
import { PrecisionWatch } from './precision-watch';
import { FiniteGuard, type FiniteCheck } from './finite-guard';
import { finiteFlag } from './non-finite';
import { deserializePlugin, serializePlugin, type SerializedPlugin } from './registry';
import { Step, type ApplyTarget } from './step';
import { dispose, tidy } from './tidy';
import type { Grads, LossFn, NamedTensor, NonFinitePolicy, Plugin, StepReport, VariableRole } from './types';
import { checkOneOf } from './validate';

export interface PluggedOptions {
  /** What a non-finite loss or gradient does: 'throw' (default), 'skip' the step, or 'ignore' (no check, no sync). */
  nonFinite?: NonFinitePolicy;
  /**
   * How a step finds out that it was not finite: 'auto' (default) checks on the device without
   * any blocking read on webgl and webgpu and reads one number elsewhere; see {@link FiniteCheck}.
   */
  finiteCheck?: FiniteCheck;
}

/** A step's report before it is read: everything numeric packed in one tensor, read once. */
interface PendingReport {
  readonly packed: tf.Tensor1D;
  finish(values: ArrayLike<number>): StepReport;
}

/** Prefix of plugin state in `getWeights()`, after the wrapped optimizer's own weights. */
const STATE_PREFIX = 'flatopt/';
/** Hidden state of the wrapped optimizer that its own getWeights leaves out (see `hiddenState`). */
const HIDDEN_PREFIX = `${STATE_PREFIX}@inner/`;

/**
 * Variables a tfjs optimizer keeps outside its getWeights, such as Adam's running powers
 * `accBeta1`/`accBeta2`. Adam's setWeights recomputes them as β^(t+1), which differs in the last
 * bits from the product the uninterrupted run accumulated, so a resumed run drifts; saving them
 * makes resume bit-exact.
 */
function hiddenState(optimizer: tf.Optimizer): Array<[string, tf.Variable]> {
  return Object.entries(optimizer).filter((e): e is [string, tf.Variable] => e[1] instanceof tf.Variable);
}

type SerializedOptimizer = { className: string; config: tf.serialization.ConfigDict };

/**
 * A `tf.Optimizer` that runs a stack of plugins around any wrapped `tf.train` optimizer. It is
 * what `withPlugins` returns; it works with `model.compile` / `fit` / `fitDataset` /
 * `trainOnBatch`, with `model.save(..., { includeOptimizer: true })` + `tf.loadLayersModel`, and
 * with custom loops through `minimize` or `step`.
 */
export class PluggedOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'FlatoptPluggedOptimizer';
  }

  /**
   * Whether `x` is a PluggedOptimizer. Use this, not `instanceof`: tf.Optimizer duck-types
   * `instanceof` (any object with minimize/computeGradients/applyGradients passes), and so do its subclasses.
   */
  static is(x: unknown): x is PluggedOptimizer {
    return (
      typeof x === 'object' &&
      x !== null &&
      Object.prototype.isPrototypeOf.call(PluggedOptimizer.prototype, x)
    );
  }

  readonly nonFinite: NonFinitePolicy;
  readonly finiteCheck: FiniteCheck;
  private readonly guard: FiniteGuard;
  private readonly precision = new PrecisionWatch();
  /** Fixed by the first applied step: tfjs optimizer state is positional (TFJS_INTERNALS §1). */
  private variables: readonly tf.Variable[] | null = null;
  /** The apply stage's list and the wrapped optimizer's view of it, fixed with `variables`. */
  private target: ApplyTarget | null = null;
  /** Each plugin's state kept by core (created by its `init`), in stack order. */
  private readonly states: PluginState[];

  constructor(
    readonly inner: tf.Optimizer,
    readonly plugins: readonly Plugin[],
    options: PluggedOptions = {},
  ) {
    super();
    this.nonFinite = checkOneOf('withPlugins', 'nonFinite', options.nonFinite ?? 'throw', [
      'throw',
      'skip',
      'ignore',
    ]);
    this.finiteCheck = checkOneOf('withPlugins', 'finiteCheck', options.finiteCheck ?? 'auto', [
      'auto',
      'read',
      'device',
    ]);
    this.guard = new FiniteGuard(this.nonFinite, this.finiteCheck);
    this.states = plugins.map((p) => new PluginState(p));
  }

  override get iterations(): number {
    return this.inner.iterations;
  }

  /** The wrapped optimizer's learning rate, when it has one. */
  get learningRate(): number | undefined {
    const lr = (this.inner as unknown as { learningRate?: unknown }).learningRate;
    return typeof lr === 'number' ? lr : undefined;
  }

  override minimize(f: LossFn, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    const loss = this.run(f, varList, this.guard.mode());
    if (returnCost) return loss;
    loss.dispose();
    return null;
  }

  /**
   * One training step for custom loops; returns plain numbers, read with one blocking read (of
   * the loss, the diagnostics and the finiteness verdict together). A non-finite step is undone
   * on the device and throws (or reports `skipped` under 'skip'). On webgl/webgpu prefer
   * {@link stepAsync}, which reads without blocking.
   */
  step(lossFn: LossFn, varList?: tf.Variable[]): StepReport {
    const pending = this.stepWithReport(lossFn, varList);
    const values = pending.packed.dataSync();
    pending.packed.dispose();
    return pending.finish(values);
  }

  /** {@link step} without any blocking read: the report arrives once the backend has computed it. */
  async stepAsync(lossFn: LossFn, varList?: tf.Variable[]): Promise<StepReport> {
    const pending = this.stepWithReport(lossFn, varList);
    try {
      return pending.finish(await pending.packed.data());
    } finally {
      pending.packed.dispose();
    }
  }

  /**
   * Resolves once the finiteness of every step made so far is known, and rejects (under the
   * default 'throw' policy) when one of them was not finite. Needed only where steps are checked
   * on the device (`finiteCheck` 'device', or 'auto' on webgl/webgpu): such a step is undone at
   * once but reported by a later call, or here, e.g. after `model.fit`.
   */
  async settled(): Promise<void> {
    await this.guard.settled(this.inner);
    await this.precision.settled();
  }

  /** Raises what the asynchronous checks found since the last call: non-finite steps, lost probes. */
  private raiseLate(): void {
    this.guard.raiseFound(this.inner);
    this.precision.raise();
  }

  /**
   * The evaluate stage alone (tfjs' two-call protocol). Under the 'skip' policy a non-finite
   * step returns no gradients, and `applyGradients` of an empty set applies nothing.
   */
  override computeGradients(
    f: LossFn,
    varList?: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    this.raiseLate();
    const variables = this.resolveVariables(varList);
    const step = this.newStep(variables, f);
    const mode = this.guard.mode();
    const out = this.evaluate(step, mode === 'read');
    disposeDiagnostics(out.diagnostics, out.loss);
    let grads = out.grads;
    try {
      if (out.flag && this.guard.readNow(out.flag, out.loss, out.grads, variables, step.iteration)) {
        dispose(out.grads);
        return { value: out.loss, grads: {} };
      }
      if (mode === 'device') grads = carryLossFlag(out.loss, out.grads);
    } catch (e) {
      dispose([out.loss, ...out.grads]);
      throw e;
    } finally {
      out.flag?.dispose();
    }
    const named: tf.NamedTensorMap = {};
    variables.forEach((v, i) => {
      const g = grads[i];
      if (g) named[v.name] = g;
    });
    return { value: out.loss, grads: named };
  }

  /** The apply stage alone: plugins' `apply` hooks, then the wrapped optimizer with the full list. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const byName = new Map(named.map((n) => [n.name, n.tensor]));
    const variables = this.variables ?? this.variablesByName(named.map((n) => n.name));
    for (const name of byName.keys()) {
      if (!variables.some((v) => v.name === name)) {
        throw new FlatoptError(
          `applyGradients: variable '${name}' is not among the ${variables.length} variables this optimizer trains; the wrapped optimizer's state is positional, so the set must not change between steps.`,
        );
      }
    }
    const grads: Grads = variables.map((v) => byName.get(v.name) ?? null);
    if (grads.every((g) => g === null)) return;
    this.raiseLate();
    const target = this.fix(variables);
    const step = this.newStep(variables, undefined);
    if (this.guard.mode() !== 'device') {
      tf.tidy(() => step.apply(grads, target));
      return;
    }
    // The device path checks the gradients it is given; computeGradients folded the loss's
    // finiteness into one of them (carryLossFlag).
    tf.tidy(() => {
      const flag = finiteFlag(tf.scalar(0), grads); // finite exactly when every gradient is
      this.guard.applyGuarded(flag, grads, (g) => step.apply(g, target));
      this.guard.track(flag, null, step.iteration);
    });
  }

  /**
   * One step, both stages: evaluate, check finiteness as `mode` says, apply. Returns the loss at
   * the unperturbed weights; `onApplied` sees the step's tensors before they are freed.
   */
  private run(
    f: LossFn,
    varList: tf.Variable[] | undefined,
    mode: 'none' | 'read' | 'device',
    onApplied?: (
      step: Step,
      loss: tf.Scalar,
      flag: tf.Scalar | null,
      diagnostics: Record<string, tf.Tensor>,
    ) => void,
  ): tf.Scalar {
    this.raiseLate();
    const variables = this.resolveVariables(varList);
    const step = this.newStep(variables, f, onApplied !== undefined);
    const out = this.evaluate(step, mode !== 'none');
    try {
      const skip =
        mode === 'read' && this.guard.readNow(out.flag!, out.loss, out.grads, variables, step.iteration);
      if (!skip) {
        const target = this.fix(variables);
        const applied = tf.tidy(() => {
          const update = (g: Grads) => step.apply(g, target);
          if (mode === 'device') this.guard.applyGuarded(out.flag!, out.grads, update);
          else update(out.grads);
          return step.tensorDiagnostics();
        });
        Object.assign(out.diagnostics, applied);
      }
      if (onApplied) onApplied(step, out.loss, out.flag, out.diagnostics);
      else if (mode === 'device') this.guard.track(out.flag!, out.loss, step.iteration);
      return out.loss;
    } catch (e) {
      out.loss.dispose();
      throw e;
    } finally {
      dispose([...out.grads, out.flag]);
      disposeDiagnostics(out.diagnostics, out.loss);
    }
  }

  /**
   * A step checked on the device whatever the backend (so its verdict comes with the report, in
   * the one read), with its loss, finiteness flag and diagnostics packed for reading.
   */
  private stepWithReport(f: LossFn, varList: tf.Variable[] | undefined): PendingReport {
    const iteration = this.iterations;
    const mode = this.nonFinite === 'ignore' ? 'none' : 'device';
    let pending: PendingReport | undefined;
    const loss = this.run(f, varList, mode, (step, loss, flag, diagnostics) => {
      pending = packReport(step, loss, flag, diagnostics, (flagValue, lossValue) =>
        this.guard.verdict(this.inner, flagValue, lossValue, iteration),
      );
    });
    loss.dispose();
    return pending!;
  }

  /** The evaluate stage, with the finiteness flag of its loss and gradients when `withFlag`. */
  private evaluate(step: Step, withFlag: boolean) {
    return tidy(() => {
      const ev = step.evaluate();
      const flag = withFlag ? finiteFlag(ev.loss, ev.grads) : null;
      return {
        loss: ev.loss,
        grads: ev.grads,
        flag,
        diagnostics: step.tensorDiagnostics() as Record<string, tf.Tensor>,
      };
    });
  }

  /** `report`: whether the step's diagnostics will be read (only `step` and `stepAsync` read them). */
  private newStep(variables: readonly tf.Variable[], lossFn: LossFn | undefined, report = false): Step {
    return new Step({
      variables,
      iteration: this.iterations,
      learningRate: this.learningRate,
      plugins: this.plugins,
      lossFn,
      report,
      precision: this.precision,
    });
  }

  /**
   * Fixes the trained variables on the first applied step and lays out the apply stage: the
   * trained variables followed by the plugins' reparameterization parameters, of which the
   * wrapped optimizer receives all but the derived variables, always in the same order.
   */
  private fix(variables: readonly tf.Variable[]): ApplyTarget {
    if (this.target) return this.target;
    const derived = new Set<tf.Variable>();
    const all = [...variables];
    for (const plugin of this.plugins) {
      const r = plugin.reparameterize?.(variables);
      if (!r) continue;
      for (const v of r.derived) {
        if (!variables.includes(v) || derived.has(v)) {
          throw new FlatoptError(
            `${plugin.name}.reparameterize: derived variable ${describe(v?.name)} must be one of the trained variables and derived by one plugin only.`,
          );
        }
        derived.add(v);
      }
      for (const p of r.parameters) {
        if (!(p instanceof tf.Variable) || all.includes(p)) {
          throw new FlatoptError(
            `${plugin.name}.reparameterize: parameters must be new tf.Variables, not trained ones; got ${describe(p?.name ?? p)}.`,
          );
        }
        all.push(p);
      }
    }
    const innerIndices = all.flatMap((v, i) => (derived.has(v) ? [] : [i]));
    const applyInner = (grads: Grads) =>
      this.inner.applyGradients(
        innerIndices.map((i) => ({ name: all[i].name, tensor: grads[i] as tf.Tensor })),
      );
    const roles = all.map((v, i): VariableRole =>
      i >= variables.length ? 'parameter' : derived.has(v) ? 'derived' : 'trained',
    );
    this.variables = variables;
    this.target = { variables: all.length === variables.length ? variables : all, roles, applyInner };
    return this.target;
  }

  private resolveVariables(varList: tf.Variable[] | undefined): readonly tf.Variable[] {
    const variables = varList ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    if (!Array.isArray(variables) || variables.length === 0) {
      throw new FlatoptError(
        `withPlugins: there are no variables to train (varList ${varList ? 'is empty' : 'not given and no trainable variable exists'}).`,
      );
    }
    variables.forEach((v, i) => {
      if (!(v instanceof tf.Variable)) {
        throw new FlatoptError(`withPlugins: varList[${i}] must be a tf.Variable; got ${describe(v)}.`);
      }
    });
    const fixed = this.variables ?? this.initialized;
    if (fixed && (fixed.length !== variables.length || fixed.some((v, i) => v !== variables[i]))) {
      throw new FlatoptError(
        `withPlugins: the variables changed between steps: earlier steps trained [${names(fixed)}], this one [${names(variables)}]. ` +
          `The wrapped optimizer's state is positional, so the same variables must come in the same order every step ` +
          `(pass an explicit varList, or use a new optimizer for a new set). Nothing was applied.`,
      );
    }
    this.initPlugins(variables);
    return variables;
  }

  /** The variable list the plugins' `init` ran for (fixed from then on). */
  private initialized: readonly tf.Variable[] | null = null;

  /** Runs every plugin's `init` once, at the first step, before any of that step's hooks. */
  private initPlugins(variables: readonly tf.Variable[]): void {
    if (this.initialized) return;
    for (const state of this.states) state.init(variables);
    this.initialized = variables;
  }

  private variablesByName(names: string[]): tf.Variable[] {
    const registered = tf.engine().registeredVariables;
    return names.map((name) => {
      const v = registered[name];
      if (!v) throw new FlatoptError(`applyGradients: no variable named '${name}' is registered.`);
      return v;
    });
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out = [...(await this.inner.getWeights())];
    for (const [key, variable] of hiddenState(this.inner))
      out.push({ name: `${HIDDEN_PREFIX}${key}`, tensor: variable });
    for (const [i, plugin] of this.plugins.entries()) {
      const own = [...this.states[i].weights(), ...((await plugin.getWeights?.()) ?? [])];
      for (const w of own) out.push({ name: `${STATE_PREFIX}${plugin.name}/${w.name}`, tensor: w.tensor });
    }
    const seen = new Set<string>();
    for (const { name } of out) {
      if (seen.has(name)) {
        throw new FlatoptError(
          `getWeights: two weights are both named '${name}'; model.save keys weights by name, so plugin state names must be unique.`,
        );
      }
      seen.add(name);
    }
    return out;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const own = weights.filter((w) => !w.name.startsWith(STATE_PREFIX));
    const hidden = weights.filter((w) => w.name.startsWith(HIDDEN_PREFIX));
    const byPlugin = new Map<string, NamedTensor[]>();
    for (const w of weights) {
      if (!w.name.startsWith(STATE_PREFIX) || w.name.startsWith(HIDDEN_PREFIX)) continue;
      const rest = w.name.slice(STATE_PREFIX.length);
      const cut = rest.indexOf('/');
      const pluginName = rest.slice(0, cut);
      if (cut < 0 || !this.plugins.some((p) => p.name === pluginName && (p.setWeights || p.init))) {
        throw new FlatoptError(
          `setWeights: weight '${w.name}' belongs to no stateful plugin of this optimizer (plugins: ${names(this.plugins)}).`,
        );
      }
      const list = byPlugin.get(pluginName) ?? [];
      list.push({ name: rest.slice(cut + 1), tensor: w.tensor });
      byPlugin.set(pluginName, list);
    }
    await this.inner.setWeights(own);
    const slots = new Map(hiddenState(this.inner));
    for (const w of hidden) {
      const slot = slots.get(w.name.slice(HIDDEN_PREFIX.length));
      if (slot && slot.dtype === w.tensor.dtype && slot.size === w.tensor.size)
        tf.tidy(() => slot.assign(tf.reshape(w.tensor, slot.shape)));
    }
    for (const [i, plugin] of this.plugins.entries()) {
      const given = byPlugin.get(plugin.name) ?? [];
      if (plugin.init) this.states[i].setWeights(given);
      else if (plugin.setWeights) await plugin.setWeights(given);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    const optimizer: SerializedOptimizer = {
      className: this.inner.getClassName(),
      config: this.inner.getConfig(),
    };
    return {
      optimizer,
      plugins: this.plugins.map(serializePlugin),
      nonFinite: this.nonFinite,
      finiteCheck: this.finiteCheck,
    } as unknown as tf.serialization.ConfigDict;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const c = config as unknown as {
      optimizer: SerializedOptimizer;
      plugins: SerializedPlugin[];
      nonFinite?: NonFinitePolicy;
      finiteCheck?: FiniteCheck;
    };
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[c.optimizer?.className];
    if (!entry) {
      throw new FlatoptError(
        `fromConfig: the wrapped optimizer class ${describe(c.optimizer?.className)} is not registered with tf.serialization.`,
      );
    }
    const [innerCls, innerFromConfig] = entry;
    const inner = innerFromConfig(innerCls, c.optimizer.config) as tf.Optimizer;
    const plugins = (c.plugins ?? []).map(deserializePlugin);
    return new (cls as unknown as typeof PluggedOptimizer)(inner, plugins, {
      nonFinite: c.nonFinite,
      finiteCheck: c.finiteCheck,
    }) as unknown as T;
  }

  override dispose(): void {
    this.inner.dispose();
    for (const state of this.states) state.dispose();
    for (const plugin of this.plugins) plugin.dispose?.();
  }
}

tf.serialization.registerClass(PluggedOptimizer);

/**
 * Frees a step's diagnostics, except a diagnostic that is the step's loss itself (a plugin may
 * record the loss it returns, as SAM's reuse steps record L(θ + ε̂)): that tensor is the caller's.
 */
function disposeDiagnostics(diagnostics: Record<string, tf.Tensor>, loss: tf.Tensor): void {
  tf.dispose(Object.values(diagnostics).filter((t) => t !== loss));
}

function names(items: ReadonlyArray<{ name: string }>): string {
  return items.map((x) => `'${x.name}'`).join(', ');
}

/**
 * Packs [flag, loss, ...diagnostics] into one tensor, to be read once, and says how to turn the
 * values into the report; `verdict(flag, loss)` decides (or throws) whether the step was skipped.
 */
function packReport(
  step: Step,
  loss: tf.Scalar,
  flag: tf.Scalar | null,
  diagnostics: Record<string, tf.Tensor>,
  verdict: (flag: number, loss: number) => boolean,
): PendingReport {
  const keys = Object.keys(diagnostics);
  // One Pack of the scalars: a reshape of each to [1] and a concat took one kernel per value more.
  const packed = tf.tidy(() =>
    tf.stack(
      [flag ?? tf.scalar(0), loss, ...keys.map((k) => diagnostics[k])].map((t) =>
        t.rank === 0 ? t : tf.reshape(t, []),
      ),
    ),
  ) as tf.Tensor1D;
  const numbers = Object.entries(step.diagnostics).filter(
    (e): e is [string, number] => typeof e[1] === 'number',
  );
  return {
    packed,
    finish(values) {
      const skipped = verdict(values[0], values[1]);
      const out: Record<string, number> = {};
      keys.forEach((k, i) => (out[k] = values[i + 2]));
      for (const [k, v] of numbers) out[k] = v;
      return {
        loss: values[1],
        gradientEvaluations: step.gradientEvaluations,
        doubleBackpropEvaluations: step.doubleBackpropEvaluations,
        skipped,
        diagnostics: out,
      };
    },
  };
}

/**
 * Folds the loss's finiteness into the smallest gradient, for the two-call protocol on the device
 * path: applyGradients sees only gradients, and |loss|·0 is +0 for a finite loss (g − 0 = g bit
 * for bit, −0 included) and NaN otherwise, so a non-finite loss makes that gradient non-finite.
 */
function carryLossFlag(loss: tf.Scalar, grads: Grads): Grads {
  let smallest = -1;
  grads.forEach((g, i) => {
    if (g && (smallest < 0 || g.size < grads[smallest]!.size)) smallest = i;
  });
  if (smallest < 0) return grads;
  const out = [...grads];
  out[smallest] = tf.tidy(() => tf.sub(grads[smallest]!, tf.mul(tf.abs(loss), 0)));
  grads[smallest]!.dispose();
  return out;
}
