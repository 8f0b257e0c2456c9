import * as tf from '@tensorflow/tfjs-core';
import {
  definePlugin,
  FlatoptError,
  option,
  tidyGrads,
  type Grads,
  type InitContext,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';

const accumulateSchema = {
  /** Calls per applied update (integer ≥ 1): the micro-batches whose gradients are averaged. Required. */
  steps: option.number({
    min: 1,
    integer: true,
    hint: 'the number of micro-batches per update, an integer ≥ 1, e.g. accumulate({ steps: 4 }) to train with batches 4× the size that fits.',
  }),
};

/** accumulate's options: `steps` (required) and `name` (default 'accumulate'). */
export type AccumulateOptions = OptionsOf<typeof accumulateSchema>;

/** The state of one accumulate instance, made by `init`. */
interface Window {
  /** Σ of the gradients of the calls so far, per trained variable (saved as `sum<i>`). */
  readonly sums: readonly tf.Variable[];
  /** How many calls added to the sums, on the device (saved as `count`). */
  readonly count: tf.Variable;
  /** Calls since the last applied update, on the host: decides when to apply without a read. */
  calls: number;
  /** Which variables had a gradient in this window: the others reach the update as null. */
  seen: boolean[];
}

/**
 * Gradient accumulation (optax's `MultiSteps`; asked for SAM in davda54/sam#3 and #62): the
 * update is applied once every `steps` calls, with the MEAN of the gradients of those calls; in
 * between the wrapped optimizer does not step, so its iteration count — and any learning-rate
 * schedule — advances once per applied update. k micro-batches of size B/k then give the update
 * of one batch of size B, for batches that do not fit in memory (common in the browser).
 *
 * The sums and a device-side count of the calls that added to them are state from `init`, saved
 * with the optimizer, so training resumed mid-window continues bit for bit; a host-side count of
 * calls decides when to apply, without any blocking read in a step (it is read back from `count`
 * once, on restore). The applied gradient is sum/count. Under the default 'read' finite check
 * (cpu, wasm, tfjs-node) a non-finite micro-step never reaches this plugin. Under the 'device'
 * check (webgl, webgpu) it does, and core undoes its change to the sums and count on the device
 * while the host count still advances: the window then closes on schedule with the mean of the
 * micro-steps that counted, and if the applying call itself was undone, the next window starts
 * from the sums it left, so no finite micro-step is lost. A variable that had no gradient in the
 * whole window reaches the update as null (the wrapped optimizer skips it); after a restore,
 * those whose sum is all zeros count as such. `steps: 1` passes the gradients straight through:
 * the wrapped optimizer bit for bit.
 *
 * Stack order: apply-stage plugins listed after accumulate (inner to it) run once per applied
 * update — decoupledWeightDecay, ema/swa/lookahead from @flatopt/averaging — and those listed
 * before it on every call. Evaluate-stage plugins (SAM, gradient regularization, flooding) run
 * on every call wherever they stand: `withPlugins(opt, accumulate({ steps: m }), sam())` fed m
 * micro-batches is Foret et al.'s m-sharpness — one ascent per micro-batch, the descent
 * gradients averaged — at 2 gradient evaluations per micro-batch.
 *
 * The mean is over calls, not examples: with a per-batch mean loss, equal micro-batches give the
 * big batch's gradient exactly (a shorter last batch of a `model.fit` epoch weighs as much as the
 * others), while BatchNormalization still normalizes and updates its statistics per micro-batch.
 * `step()` and `stepAsync()` check finiteness on the device on every backend, so the 'device'
 * behaviour above is theirs everywhere.
 *
 * Cost (measured in kernels against a bare SGD step): a call that does not apply launches one Add
 * per variable with a gradient and one for the count, and no update; the applying call one Add,
 * one RealDiv and one ZerosLike (clearing the sum) per variable and two scalar kernels for the
 * count, besides the wrapped optimizer's update. Memory: one copy of the trained variables.
 */
export const accumulate: (options: AccumulateOptions) => Plugin = definePlugin({
  type: 'accumulate',
  options: accumulateSchema,
  create: ({ steps }, name) => {
    if (steps === 1) return {};
    let window: Window | null = null;
    return {
      init(ctx: InitContext) {
        window = {
          sums: ctx.perVariable('sum', (v) => tf.zerosLike(v)) as tf.Variable[],
          count: ctx.single('count', () => tf.scalar(0)),
          calls: 0,
          seen: ctx.variables.map(() => false),
        };
      },
      restored() {
        if (window) resume(window);
      },
      apply(ctx: StepContext, grads: Grads, next: (grads: Grads) => void) {
        const w = window!;
        checkParameters(name, ctx, grads, w.sums.length);
        if (w.calls + 1 < steps) add(w, grads);
        else applyMean(w, grads, next);
      },
    };
  },
});

/** A call that does not apply: adds its gradients to the sums and 1 to the count. */
function add(w: Window, grads: Grads): void {
  tf.tidy(() => {
    w.sums.forEach((s, i) => {
      const g = grads[i];
      if (g) s.assign(tf.add(s, g));
    });
    w.count.assign(tf.add(w.count, 1));
  });
  grads.forEach((g, i) => g && i < w.seen.length && (w.seen[i] = true));
  w.calls++;
}

/**
 * The call that closes the window: applies (sum + g)/(count + 1) through `next` — null where no
 * call of the window had a gradient — then clears the sums and the count. If `next` throws, the
 * state is as before the call.
 */
function applyMean(w: Window, grads: Grads, next: (grads: Grads) => void): void {
  const mean = tidyGrads(() => {
    const n = tf.add(w.count, 1);
    return w.sums.map((s, i) => {
      const g = grads[i];
      if (!g && !w.seen[i]) return null;
      return tf.div(g ? tf.add(s, g) : s, n);
    });
  });
  try {
    next([...mean, ...grads.slice(w.sums.length)]);
  } finally {
    tf.dispose(mean.filter((m): m is tf.Tensor => m !== null));
  }
  tf.tidy(() => {
    w.sums.forEach((s) => s.assign(tf.zerosLike(s)));
    w.count.assign(tf.zerosLike(w.count));
  });
  w.calls = 0;
  w.seen.fill(false);
}

/**
 * After a restore: the host count from the device one, and which variables had a gradient in the
 * window from which sums are nonzero, in one read (once, not per step).
 */
function resume(w: Window): void {
  const flags = tf.tidy(() =>
    tf.stack([w.count, ...w.sums.map((s) => tf.cast(tf.any(tf.notEqual(s, 0)), 'float32'))]),
  );
  const values = flags.dataSync();
  flags.dispose();
  w.calls = values[0];
  w.seen = w.sums.map((_, i) => values[i + 1] === 1);
}

/**
 * The sums cover the trained variables (what `init` sees). A reparameterization's parameters get
 * their gradients inside `next`, from those of the variables they replace, so here they have none.
 */
function checkParameters(name: string, ctx: StepContext, grads: Grads, trained: number): void {
  const i = grads.findIndex((g, k) => k >= trained && g !== null);
  if (i >= 0) {
    throw new FlatoptError(
      `${name}: the reparameterization parameter '${ctx.variables[i].name}' has a gradient before the update; ` +
        `accumulate sums the gradients of the trained variables only. List accumulate before the plugin that sets it. Nothing was applied.`,
    );
  }
}
