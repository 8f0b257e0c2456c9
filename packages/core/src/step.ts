import * as tf from '@tensorflow/tfjs-core';
import { alias } from './tfjs/alias';
import { FlatoptError } from './errors';
import { variableGradsWithAux } from './tfjs/aux-gradients';
import { checkLossValue } from './loss';
import { halfPrecision, lostFraction } from './precision';
import type { Parametrized } from './plugin-state';
import type { PrecisionWatch } from './precision-watch';
import { sideEffectFree } from './tfjs/side-effects';
import type { Diagnostic, Evaluation, Grads, LossFn, Plugin, StepContext, VariableRole } from './types';

export interface StepSetup {
  readonly variables: readonly tf.Variable[];
  readonly iteration: number;
  readonly learningRate?: number;
  readonly plugins: readonly Plugin[];
  /** Absent when only the apply stage runs (a direct `applyGradients` call). */
  readonly lossFn?: LossFn;
  /** Whether the step's report will be read; diagnostics recorded as functions are computed only then. */
  readonly report?: boolean;
  /** Where probes report, in half precision, how much of their perturbation rounding lost. */
  readonly precision?: PrecisionWatch;
}

/** Where the apply stage ends: its variable list and the wrapped optimizer's update. */
export interface ApplyTarget {
  /** The trained variables followed by the plugins' reparameterization parameters. */
  readonly variables: readonly tf.Variable[];
  /** The role of each of `variables`. */
  readonly roles: readonly VariableRole[];
  /** Variables core recomputes from parameters (`InitContext.parametrize`), with their positions in `variables`. */
  readonly parametrized: ReadonlyArray<
    Parametrized & { readonly at: number; readonly paramsAt: readonly number[] }
  >;
  /** The wrapped optimizer's update, given gradients aligned with `variables`. */
  readonly applyInner: (grads: Grads) => void;
}

/**
 * One step of the pipeline: the evaluate chain, the apply chain, the probes, the cost ledger and
 * the diagnostics. Created per step and dropped afterwards, so no state leaks between steps.
 */
export class Step {
  gradientEvaluations = 0;
  doubleBackpropEvaluations = 0;
  readonly diagnostics: Record<string, Diagnostic> = {};
  /** Diagnostics recorded as functions and not computed yet (see `StepContext.record`). */
  private readonly deferred = new Map<string, () => Diagnostic>();
  private lossCalls = 0;
  /** The micro-batch the loss is restricted to (`StepContext.microBatch`), if any. */
  private slice: { index: number; count: number; owner: string } | null = null;
  private readonly contexts: StepContext[];
  /** Per plugin: whether its current evaluate call is the step's primary evaluation. */
  private readonly primary: boolean[];

  constructor(private readonly setup: StepSetup) {
    const trained = setup.variables.map((): VariableRole => 'trained');
    this.primary = setup.plugins.map(() => false);
    this.contexts = setup.plugins.map((p, i) => this.contextFor(p.name, setup.variables, trained, i));
  }

  get variables(): readonly tf.Variable[] {
    return this.setup.variables;
  }

  /** The wrapped optimizer's iteration count when the step began. */
  get iteration(): number {
    return this.setup.iteration;
  }

  /** Runs the evaluate chain, outermost plugin first. */
  evaluate(): Evaluation {
    const { plugins } = this.setup;
    let next = () => this.baseEvaluation();
    for (let i = plugins.length - 1; i >= 0; i--) {
      const plugin = plugins[i];
      if (!plugin.evaluate) continue;
      const inner = next;
      const ctx = this.contexts[i];
      next = () => {
        // The first evaluation of the step (no loss call yet) is the primary one.
        this.primary[i] = this.lossCalls === 0;
        try {
          return checkEvaluation(plugin.evaluate!(ctx, inner), this.setup.variables.length, plugin.name);
        } finally {
          this.primary[i] = false;
        }
      };
    }
    return next();
  }

  /**
   * Runs the apply chain, outermost plugin first, ending in the wrapped optimizer. `grads` are
   * aligned with the trained variables; reparameterization parameters join with null gradients.
   */
  apply(grads: Grads, target: ApplyTarget): void {
    const { plugins } = this.setup;
    const length = target.variables.length;
    let next = (g: Grads) => {
      checkAlignment(g, length, 'the wrapped optimizer');
      target.applyInner(target.parametrized.length ? toParameters(g, target) : g);
    };
    for (let i = plugins.length - 1; i >= 0; i--) {
      const plugin = plugins[i];
      if (!plugin.apply) continue;
      const inner = next;
      const ctx = this.contextFor(plugin.name, target.variables, target.roles, -1);
      next = (g: Grads) => {
        checkAlignment(g, length, `${plugin.name}.apply`);
        plugin.apply!(ctx, g, inner);
      };
    }
    checkAlignment(grads, this.setup.variables.length, 'applyGradients');
    next([...grads, ...new Array<null>(length - grads.length).fill(null)]);
    // After every plugin's apply, so one that adjusts the parameters (weight norm's ratio) is seen.
    for (const p of target.parametrized) p.w.assign(p.forward(p.params));
  }

  /**
   * Diagnostics that are tensors, for returning out of a tidy; first computes those recorded as
   * functions since the last call (call it at the end of each stage, inside the stage's tidy).
   */
  tensorDiagnostics(): Record<string, tf.Scalar> {
    for (const [k, f] of this.deferred) this.diagnostics[k] = f();
    this.deferred.clear();
    const out: Record<string, tf.Scalar> = {};
    for (const [k, v] of Object.entries(this.diagnostics)) if (typeof v !== 'number') out[k] = v;
    return out;
  }

  /** `index`: the plugin's place in the stack, for `primary`; -1 in the apply stage (never primary). */
  private contextFor(
    owner: string,
    variables: readonly tf.Variable[],
    roles: readonly VariableRole[],
    index: number,
  ): StepContext {
    const { iteration, learningRate } = this.setup;
    const primary = this.primary;
    return {
      variables,
      roles,
      get primary() {
        return index >= 0 && primary[index];
      },
      iteration,
      learningRate,
      probe: (shift, scale, fn) => this.probe(owner, variables, shift, scale, fn),
      record: (name, value) => {
        const key = `${owner}/${name}`;
        this.deferred.delete(key);
        if (typeof value !== 'function') this.diagnostics[key] = value;
        else if (this.setup.report) this.deferred.set(key, value);
      },
      objective: () => {
        const { value, aux } = this.objectiveWithAux();
        return { value, loss: aux.loss ?? value };
      },
      microBatch: (index, count, fn) => this.microBatch(owner, index, count, fn),
      charge: (kind, count = 1) => {
        if (kind === 'gradient') this.gradientEvaluations += count;
        else this.doubleBackpropEvaluations += count;
      },
    };
  }

  /** The innermost `next()`: one first-order gradient evaluation at the current weights. */
  private baseEvaluation(): Evaluation {
    this.gradientEvaluations++;
    let transformed = false;
    const { value, grads, aux } = variableGradsWithAux(() => {
      const out = this.objectiveWithAux(false);
      transformed = out.transformed;
      return out;
    }, this.setup.variables);
    const aligned = this.setup.variables.map((v) => grads[v.name] ?? null);
    if (!transformed) return { loss: value, grads: aligned, perExample: aux.perExample };
    // A transform changed the loss: report the raw mean, of a per-example vector taken here, off
    // the tape (on it, the tape would copy the vector for a backward pass that never comes).
    value.dispose();
    const loss = aux.loss ?? (tf.mean(aux.perExample!) as tf.Scalar);
    return { loss, grads: aligned, perExample: aux.perExample };
  }

  /**
   * mean(transforms(lossFn())), the function every gradient differentiates, plus the
   * untransformed mean loss (when a transform changed it) and the per-example vector. The first
   * loss call of a step is the primary one and keeps its side effects; later calls run
   * side-effect free. `meanOfRaw` false leaves the mean of a transformed per-example vector to
   * the caller (`transformed` says whether a transform changed the loss).
   */
  private objectiveWithAux(meanOfRaw = true): {
    value: tf.Scalar;
    aux: { loss?: tf.Scalar; perExample?: tf.Tensor1D };
    transformed: boolean;
  } {
    const { lossFn, plugins, iteration } = this.setup;
    if (!lossFn) throw new FlatoptError('objective(): not available in the apply stage (no loss function).');
    this.lossCalls++;
    const whole = checkLossValue(this.lossCalls === 1 ? lossFn() : sideEffectFree(lossFn), iteration);
    const raw = this.slice ? this.sliced(whole) : whole;
    let out: tf.Tensor = raw;
    for (let i = plugins.length - 1; i >= 0; i--) {
      const t = plugins[i].transformLoss;
      if (t) out = t.call(plugins[i], this.contexts[i], out);
    }
    const value = (out.rank === 0 ? out : tf.mean(out)) as tf.Scalar;
    const aux: { loss?: tf.Scalar; perExample?: tf.Tensor1D } = {};
    if (raw.rank === 1) aux.perExample = raw as tf.Tensor1D;
    const transformed = out !== raw;
    if (transformed && (raw.rank === 0 || meanOfRaw))
      aux.loss = (raw.rank === 0 ? raw : tf.mean(raw)) as tf.Scalar;
    return { value, aux, transformed };
  }

  private microBatch<T>(owner: string, index: number, count: number, fn: () => T): T {
    if (this.slice) {
      throw new FlatoptError(
        `${owner}: ctx.microBatch inside '${this.slice.owner}'s micro-batch; micro-batches do not nest.`,
      );
    }
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
      throw new FlatoptError(
        `${owner}: ctx.microBatch needs an integer count ≥ 1 and an index in [0, count); got index ${index} of ${count}.`,
      );
    }
    this.slice = { index, count, owner };
    try {
      return fn();
    } finally {
      this.slice = null;
    }
  }

  /** The current micro-batch's part of the loss (on the tape: only that part gets a gradient). */
  private sliced(loss: tf.Tensor): tf.Tensor {
    const { index, count, owner } = this.slice!;
    const n = loss.rank === 1 ? loss.shape[0] : 0;
    if (loss.rank !== 1 || n % count !== 0) {
      const got = loss.rank === 1 ? `${n} per-example losses` : 'a scalar';
      throw new FlatoptError(
        `${owner}: ${count} micro-batches need the loss function to return a vector of per-example losses whose length ${count} divides ` +
          `(for example a tf.losses.* loss with tf.Reduction.NONE); it returned ${got}. Nothing was applied.`,
      );
    }
    if (count === 1) return loss;
    const size = n / count;
    return tf.slice(loss, [index * size], [size]);
  }

  private probe<T>(
    owner: string,
    variables: readonly tf.Variable[],
    shift: Grads,
    scale: number | tf.Scalar,
    fn: () => T,
  ): T {
    checkAlignment(shift, variables.length, `${owner}: ctx.probe shift`);
    // Restoring from saved handles is bit-exact where subtracting the shift again is not
    // (TFJS_INTERNALS §4). An alias shares the buffer and launches no kernel (a clone copies it on wasm).
    const saved = variables.map((v, i) => (shift[i] ? alias(v) : null));
    try {
      const { precision } = this.setup;
      if (precision && halfPrecision()) this.perturbWatched(precision, owner, variables, saved, shift, scale);
      else
        tf.tidy(() =>
          variables.forEach((v, i) => {
            const s = shift[i];
            if (s) v.assign(tf.add(v, tf.mul(s, scale)));
          }),
        );
      return fn();
    } finally {
      variables.forEach((v, i) => {
        const copy = saved[i];
        if (copy) {
          v.assign(copy);
          copy.dispose();
        }
      });
    }
  }

  /** The probe's perturbation in half precision, handing the share rounding lost to `precision`. */
  private perturbWatched(
    precision: PrecisionWatch,
    owner: string,
    variables: readonly tf.Variable[],
    saved: ReadonlyArray<tf.Tensor | null>,
    shift: Grads,
    scale: number | tf.Scalar,
  ): void {
    const lost = tf.tidy(() => {
      const intended = shift.map((s) => (s ? tf.mul(s, scale) : null));
      variables.forEach((v, i) => intended[i] && v.assign(tf.add(v, intended[i]!)));
      return lostFraction(saved, variables, intended);
    });
    precision.add(lost, owner, this.setup.iteration);
  }
}

/**
 * The chain rule through each parametrization: ∂L/∂params = (∂forward/∂params)ᵀ·∂L/∂w, by
 * autodiff (tf.grads with ∂L/∂w as the upstream gradient) or the parametrization's own pullback,
 * in place of ∂L/∂w, which the wrapped optimizer does not see (w is derived).
 */
function toParameters(grads: Grads, target: ApplyTarget): Grads {
  const out = [...grads];
  for (const p of target.parametrized) {
    const gw = grads[p.at];
    out[p.at] = null;
    if (!gw) continue;
    const gs = p.pullback(p.params, gw);
    p.paramsAt.forEach((j, k) => (out[j] = out[j] ? tf.add(out[j]!, gs[k]) : gs[k]));
  }
  return out;
}

function checkAlignment(grads: unknown, length: number, where: string): void {
  if (!Array.isArray(grads) || grads.length !== length) {
    const got = Array.isArray(grads) ? `length ${grads.length}` : typeof grads;
    throw new FlatoptError(
      `${where}: expected a list of ${length} gradients aligned with the variables (null for none); got ${got}.`,
    );
  }
}

function checkEvaluation(ev: Evaluation, length: number, plugin: string): Evaluation {
  if (!ev || !(ev.loss instanceof tf.Tensor)) {
    throw new FlatoptError(`${plugin}.evaluate: must return an Evaluation { loss, grads }.`);
  }
  checkAlignment(ev.grads, length, `${plugin}.evaluate`);
  return ev;
}
