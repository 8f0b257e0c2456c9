import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  checkKnownKeys,
  checkNumber,
  FlatoptError,
  registerPlugin,
  type Grads,
  type NamedTensor,
  type Plugin,
  type PluginConfig,
  type Reparameterization,
  type StepContext,
} from '@flatopt/core';
import {
  checkAxes,
  composeKeepingNorm,
  DEFAULT_EPSILON,
  polarOf,
  pullback,
  resolveAxes,
  type NormAxes,
} from './polar';
import {
  checkInclude,
  includeFromConfig,
  includeToConfig,
  select,
  type Include,
  type Positions,
} from './selection';

export interface WeightNormOptions {
  /**
   * Which trained variables to reparameterize: a RegExp over names (e.g. `/kernel/`), a list of
   * exact names, or a predicate. Default: every variable of rank ≥ 2 (kernels, not biases).
   */
  include?: Include;
  /**
   * The axes ‖v‖ runs over: `'output'` (default: all but the last, the output axis of Dense and
   * Conv kernels, so each output unit has its own radius g), `'all'` (one radius for the whole
   * tensor, as in Chou et al.'s polar diagonal network), or explicit axes (negative count from the end).
   */
  axes?: NormAxes;
  /**
   * The angular learning rate over the radial one, Chou, Rauhut & Ward's magnification (> 0,
   * default 1). The wrapped optimizer's update of v is scaled by it (`v ← v + ratio·Δv`), so it
   * acts as a learning-rate ratio for every optimizer, Adam included (whose update ignores a
   * gradient scale).
   */
  ratio?: number;
  /** Floor on ‖v‖ (> 0, default 1e-6): v = 0 gives w = 0 and finite gradients, not NaN. */
  epsilon?: number;
  /** Instance name (default 'weightNorm'). */
  name?: string;
}

const OWNER = 'weightNorm';
const KEYS = ['include', 'axes', 'ratio', 'epsilon', 'name'];

/** One reparameterized variable: w = g·v/‖v‖. */
interface Entry {
  readonly w: tf.Variable;
  readonly g: tf.Variable;
  readonly v: tf.Variable;
  readonly axes: number[];
  /**
   * ‖v‖ from the last write-back and the buffer of v it was computed from: the next pullback
   * reuses it while v still holds that buffer (a tfjs variable gets a new one on every assign:
   * the wrapped optimizer's update, setWeights, or the device-side undo of a non-finite step).
   */
  norm?: { tensor: tf.Tensor; of: object };
}

/**
 * Weight normalization as an optimizer plugin (Salimans & Kingma, NeurIPS 2016): each selected
 * weight w of an unchanged model is trained in polar coordinates
 *
 *     w = g · v/‖v‖,   ∂L/∂g = Σ ∂L/∂w ⊙ v/‖v‖,   ∂L/∂v = (g/‖v‖)(I − w·wᵀ/‖w‖²) ∂L/∂w,
 *
 * per output unit. The plugin keeps g and v (created once, at the first step, from w so the
 * function is unchanged: g = ‖w‖, v = w), maps the gradient of w to theirs in the apply stage,
 * lets the wrapped optimizer update g and v (its state — momentum, Adam moments — is theirs, not
 * w's), and writes w = g·v/‖v‖ back after every step. Chou, Rauhut & Ward ("Robust Implicit
 * Regularization via Weight Normalization", arXiv 2305.05448) show that gradient flow in these
 * coordinates keeps the sparse implicit bias of diagonal linear networks at large initialization
 * scales; their learning-rate ratio between the direction and the radius is `ratio`.
 *
 * Because ∂L/∂v ⊥ v, plain gradient descent grows ‖v‖² by exactly η²‖∂L/∂v‖² per step, which
 * shrinks the effective angular step over training. No extra gradient evaluation; per step, per
 * variable, a few elementwise ops and two reductions. Works in `model.fit` (w stays the model's
 * weight; g and v are optimizer state, saved by `model.save(..., { includeOptimizer: true })`).
 * If you change w outside the optimizer (e.g. `model.setWeights`), the next step overwrites it
 * from g and v: restore the optimizer's weights with it.
 */
export function weightNorm(options: WeightNormOptions = {}): Plugin {
  checkKnownKeys(OWNER, options, KEYS);
  return build(checkInclude(OWNER, options.include), options);
}

function build(include: Include | Positions | undefined, options: WeightNormOptions): Plugin {
  const name = options.name ?? OWNER;
  const axes = checkAxes(name, options.axes ?? 'output');
  const ratio = checkNumber(name, 'ratio', options.ratio ?? 1, { min: 0, exclusiveMin: true });
  const epsilon = checkNumber(name, 'epsilon', options.epsilon ?? DEFAULT_EPSILON, {
    min: 0,
    exclusiveMin: true,
  });
  let entries: Entry[] | null = null;
  let positions: number[] | null = null;
  let pending: NamedTensor[] | null = null;
  // Index of each entry's w, g and v in the apply stage's list (fixed once the list is).
  const indices = new WeakMap<readonly tf.Variable[], Array<[number, number, number]>>();

  const reparameterize = (trained: readonly tf.Variable[]): Reparameterization => {
    if (!entries) {
      const picked = select(name, include, trained);
      const made = picked.map((w) => ({ w, axes: resolveAxes(name, w.name, w.shape, axes) }));
      const state = pending ? checkPending(name, pending, made) : null;
      entries = made.map(({ w, axes: ax }, k) => createEntry(w, ax, state?.[k]));
      positions = picked.map((w) => trained.indexOf(w));
      tf.dispose(pending?.map((p) => p.tensor));
      pending = null;
    }
    return { derived: entries.map((e) => e.w), parameters: entries.flatMap((e) => [e.g, e.v]) };
  };

  const indexOf = (ctx: StepContext) => {
    let found = indices.get(ctx.variables);
    if (!found) {
      found = entries!.map(
        (e) => [e.w, e.g, e.v].map((x) => ctx.variables.indexOf(x)) as [number, number, number],
      );
      indices.set(ctx.variables, found);
    }
    return found;
  };

  const apply = (ctx: StepContext, grads: Grads, next: (grads: Grads) => void) => {
    const out = [...grads];
    const moved = entries!.filter((e, k) => {
      const [iw, ig, iv] = indexOf(ctx)[k];
      const G = grads[iw];
      if (!G) return false;
      const d = pullback(G, e.g, e.v, e.axes, epsilon, e.norm?.of === e.v.dataId ? e.norm.tensor : undefined);
      [out[iw], out[ig], out[iv]] = [null, d.g, d.v];
      return true;
    });
    // v before the update, held without a copy (alias: no kernel; a clone copies v on wasm).
    const before = ratio === 1 ? [] : moved.map((e) => alias(e.v));
    next(out);
    moved.forEach((e, k) => {
      if (ratio !== 1) e.v.assign(tf.add(before[k], tf.mul(tf.sub(e.v, before[k]), ratio)));
      const { w, norm } = composeKeepingNorm(e.g, e.v, e.axes, epsilon);
      e.w.assign(w);
      forgetNorm(e);
      e.norm = { tensor: tf.keep(norm), of: e.v.dataId };
    });
  };

  const getWeights = async (): Promise<NamedTensor[]> =>
    entries
      ? entries.flatMap((e, k) => [
          { name: `${k}/g`, tensor: e.g },
          { name: `${k}/v`, tensor: e.v },
        ])
      : (pending ?? []);

  // Before the first step the variables do not exist yet (model.save → tf.loadLayersModel
  // restores optimizer weights before training): keep copies and use them when they are made.
  const setWeights = async (weights: NamedTensor[]): Promise<void> => {
    if (weights.length === 0) return; // state saved before the first step: g and v will come from w
    if (!entries) {
      tf.dispose(pending?.map((p) => p.tensor));
      pending = weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      return;
    }
    const state = checkPending(name, weights, entries);
    tf.tidy(() =>
      entries!.forEach((e, k) => {
        e.g.assign(tf.reshape(state[k].g, e.g.shape));
        e.v.assign(tf.reshape(state[k].v, e.v.shape));
      }),
    );
  };

  const dispose = () => {
    entries?.forEach((e) => {
      forgetNorm(e);
      tf.dispose([e.g, e.v]);
    });
    tf.dispose(pending?.map((p) => p.tensor));
    entries = null;
    pending = null;
  };

  return {
    name,
    type: OWNER,
    reparameterize,
    apply,
    getWeights,
    setWeights,
    dispose,
    getConfig: (): PluginConfig => ({
      include: includeToConfig(name, include, positions),
      axes: typeof axes === 'string' ? axes : [...axes],
      ratio,
      epsilon,
    }),
  };
}

function forgetNorm(e: Entry): void {
  e.norm?.tensor.dispose();
  e.norm = undefined;
}

/** g and v of w, non-trainable so default variable lists stay unchanged (the optimizer still updates them). */
function createEntry(w: tf.Variable, axes: number[], saved?: { g: tf.Tensor; v: tf.Tensor }): Entry {
  const { g, v } = saved
    ? { g: tf.reshape(saved.g, keptShape(w.shape, axes)), v: tf.reshape(saved.v, w.shape) }
    : polarOf(w, axes);
  const entry = { w, g: tf.variable(g, false), v: tf.variable(v, false), axes };
  tf.dispose([g, v]);
  return entry;
}

/** The shape of g: w's shape with the norm axes kept as 1. */
function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Saved `k/g`, `k/v` pairs, checked against the variables they belong to. */
function checkPending(
  owner: string,
  weights: NamedTensor[],
  made: ReadonlyArray<{ w: tf.Variable; axes: number[] }>,
): Array<{ g: tf.Tensor; v: tf.Tensor }> {
  const byName = new Map(weights.map((w) => [w.name, w.tensor]));
  if (byName.size !== 2 * made.length) {
    throw new FlatoptError(
      `${owner}.setWeights: expected g and v for ${made.length} variables (${2 * made.length} weights); got ${byName.size}.`,
    );
  }
  return made.map(({ w, axes }, k) => {
    const g = byName.get(`${k}/g`);
    const v = byName.get(`${k}/v`);
    const gSize = keptShape(w.shape, axes).reduce((a, b) => a * b, 1);
    if (!g || !v || g.size !== gSize || v.size !== w.size) {
      throw new FlatoptError(
        `${owner}.setWeights: saved weights '${k}/g' and '${k}/v' do not fit variable '${w.name}' of shape [${w.shape.join(', ')}] ` +
          `(expected ${gSize} and ${w.size} values; got ${g?.size ?? 'none'} and ${v?.size ?? 'none'}).`,
      );
    }
    return { g, v };
  });
}

registerPlugin(OWNER, (config, name) => {
  const c = config as unknown as WeightNormOptions & { include?: unknown };
  return build(includeFromConfig(name, c.include), { ...c, include: undefined, name });
});
