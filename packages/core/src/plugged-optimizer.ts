import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError } from './errors';
import { FiniteGuard, type FiniteCheck } from './finite-guard';
import { finiteFlag } from './non-finite';
import { fromPluggedConfig, pluggedConfig } from './optimizer-config';
import { collectWeights, restoreWeights } from './optimizer-weights';
import { PluginState } from './plugin-state';
import { PrecisionWatch } from './precision-watch';
import { Step } from './step';
import { carryLossFlag, disposeDiagnostics, packReport, type PendingReport } from './step-report';
import { learningRateOf, setLearningRate } from './tfjs/learning-rate';
import { dispose, tidy } from './tfjs/tidy';
import type { Grads, LossFn, NamedTensor, NonFinitePolicy, Plugin, StepReport } from './types';
import { checkOneOf, checkNumber } from './validate';
import { VariableLayout } from './variable-layout';

export interface PluggedOptions {
  /** What a non-finite loss or gradient does: 'throw' (default), 'skip' the step, or 'ignore' (no check, no sync). */
  nonFinite?: NonFinitePolicy;
  /**
   * How a step finds out that it was not finite: 'auto' (default) checks on the device without
   * any blocking read on webgl and webgpu and reads one number elsewhere; see {@link FiniteCheck}.
   */
  finiteCheck?: FiniteCheck;
}

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
  /** Each plugin's state kept by core (created by its `init`), in stack order. */
  private readonly states: PluginState[];
  /** Which variables are trained, fixed by the first step (tfjs optimizer state is positional). */
  private readonly layout: VariableLayout;
  /** The plugin that schedules the wrapped optimizer's learning rate, if any. */
  private readonly scheduler: Plugin | undefined;

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
    this.scheduler = scheduler(plugins);
    this.states = plugins.map((p) => new PluginState(p));
    this.layout = new VariableLayout(plugins, this.states);
  }

  override get iterations(): number {
    return this.inner.iterations;
  }

  /** The wrapped optimizer's learning rate, when it has one. */
  get learningRate(): number | undefined {
    return learningRateOf(this.inner);
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
    const variables = this.layout.resolve(varList);
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
    const variables = this.layout.fixed ?? this.layout.resolve(this.layout.byName(named.map((n) => n.name)));
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
    const target = this.layout.applyTarget(variables, this.inner);
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
      this.guard.track(flag, null, step.iteration, this.iterations > step.iteration);
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
    const variables = this.layout.resolve(varList);
    const step = this.newStep(variables, f, onApplied !== undefined);
    const out = this.evaluate(step, mode !== 'none');
    try {
      const skip =
        mode === 'read' && this.guard.readNow(out.flag!, out.loss, out.grads, variables, step.iteration);
      if (!skip) {
        const target = this.layout.applyTarget(variables, this.inner);
        const applied = tf.tidy(() => {
          const update = (g: Grads) => step.apply(g, target);
          if (mode === 'device') this.guard.applyGuarded(out.flag!, out.grads, update);
          else update(out.grads);
          return step.tensorDiagnostics();
        });
        Object.assign(out.diagnostics, applied);
      }
      if (onApplied) onApplied(step, out.loss, out.flag, out.diagnostics);
      else if (mode === 'device')
        this.guard.track(out.flag!, out.loss, step.iteration, this.iterations > step.iteration);
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
      const advanced = this.iterations > iteration;
      pending = packReport(step, loss, flag, diagnostics, (flagValue, lossValue) =>
        this.guard.verdict(this.inner, flagValue, lossValue, iteration, advanced),
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
    this.scheduleLearningRate();
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

  /** Writes the scheduled learning rate of this iteration into the wrapped optimizer. */
  private scheduleLearningRate(): void {
    const plugin = this.scheduler;
    if (!plugin) return;
    const owner = `${plugin.name}.learningRate`;
    const value = plugin.learningRate!(this.iterations);
    setLearningRate(
      this.inner,
      checkNumber(owner, `value at iteration ${this.iterations}`, value, { min: 0 }),
      owner,
    );
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return collectWeights(this.inner, this.plugins, this.states);
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    await restoreWeights(this.inner, this.plugins, this.states, weights);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return pluggedConfig(this.inner, this.plugins, this.nonFinite, this.finiteCheck);
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { inner, plugins, nonFinite, finiteCheck } = fromPluggedConfig(config);
    return new (cls as unknown as typeof PluggedOptimizer)(inner, plugins, {
      nonFinite,
      finiteCheck,
    }) as unknown as T;
  }

  override dispose(): void {
    this.inner.dispose();
    for (const state of this.states) state.dispose();
    for (const plugin of this.plugins) plugin.dispose?.();
  }
}

/** The one plugin of a stack with a `learningRate` hook (two would fight over the wrapped optimizer's rate). */
function scheduler(plugins: readonly Plugin[]): Plugin | undefined {
  const found = plugins.filter((p) => typeof p.learningRate === 'function');
  if (found.length > 1) {
    throw new FlatoptError(
      `withPlugins: ${found.map((p) => `'${p.name}'`).join(' and ')} both schedule the learning rate; a stack takes one learning-rate schedule.`,
    );
  }
  return found[0];
}

tf.serialization.registerClass(PluggedOptimizer);
