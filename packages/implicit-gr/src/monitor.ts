import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  definePlugin,
  FlatoptError,
  option,
  readAsync,
  tl,
  type Diagnostic,
  type Evaluation,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';
import { checkLearningRate, igrFigures, type IgrFigures } from './igr-figures';

/** The figures of one recorded step. */
export interface IgrRecord extends IgrFigures {
  /** The wrapped optimizer's iteration count before the step (0 on the first step). */
  readonly step: number;
}

type IgrSink = (record: IgrRecord) => void;

const schema = {
  /** Record every `every`-th step (an integer ≥ 1, default 1); the others cost nothing. */
  every: option.number({ default: 1, min: 1, integer: true }),
  /**
   * h. Default: the wrapped optimizer's learning rate, read every step (so a changed rate is
   * followed). Required for optimizers without a numeric `learningRate`.
   */
  learningRate: option.number({ min: 0, exclusiveMin: true, optional: true }),
  /**
   * Called with each record, e.g. `igrWriter({ format: 'jsonl', write })` or your own function.
   * Not saved: a loaded monitor records into `records` until given new sinks.
   */
  onRecord: option.custom(checkSinks, { optional: true, saved: false }),
  /** Records kept in `monitor.records` (default 10000, the most recent); 0 keeps none. */
  keep: option.number({ default: 10000, min: 0, integer: true }),
};

export type IgrMonitorOptions = OptionsOf<typeof schema>;

/** The monitor plugin, with what it recorded. */
export interface IgrMonitor extends Plugin {
  /** The most recent records, oldest first (at most `keep`). */
  readonly records: readonly IgrRecord[];
  /** The last record, if any. */
  readonly latest: IgrRecord | undefined;
  /** How many records were made so far (`records` keeps the last `keep` of them). */
  readonly total: number;
  /**
   * Resolves once every recorded step's figures have arrived. They are read without blocking, so
   * on WebGL/WebGPU a record lands a little after its step; await this before reading `records`
   * when you need the last step's (tfjs-node, cpu and wasm deliver them at once).
   */
  flush(): Promise<void>;
}

/**
 * Measures the implicit gradient regularization of a training run (Barrett & Dherin, ICLR 2021)
 * live: every `every` steps it records, from the step's own primary evaluation, the loss E, ‖∇E‖²,
 * R_IG = ‖∇E‖²/m, λ = h·m/4, the implicit penalty λ·R_IG = (h/4)‖∇E‖², the modified loss
 * Ẽ = E + λ·R_IG that gradient descent with step h follows, and R_IG/E (the paper's Prediction
 * 2.1); see `igrFigures`. It makes no extra gradient evaluation (the cost ledger shows 1 per step
 * for plain training) and reads its two numbers per recorded step without blocking (`readAsync`),
 * so it adds no GPU stall on WebGL/WebGPU; unrecorded steps cost nothing.
 *
 * The figures go to `ctx.record` (so `optimizer.step()` reports them as `igrMonitor/rIg`, …), to
 * `onRecord`, to `monitor.records`, and — with `igrCallback(monitor)` — into `model.fit`'s logs and
 * history. Put the monitor **last** in the stack (innermost), so it sees the plain gradient ∇E at
 * the current weights: outside SAM or GR it would see their modified gradient instead. The theory
 * is for (stochastic) gradient descent with step h; with other optimizers the figures are those of
 * GD with the same h.
 */
export const igrMonitor: (options?: IgrMonitorOptions) => IgrMonitor = definePlugin({
  type: 'igrMonitor',
  options: schema,
  create({ every, learningRate: fixedRate, onRecord, keep }, name) {
    const sinks: readonly IgrSink[] =
      onRecord === undefined ? [] : typeof onRecord === 'function' ? [onRecord] : onRecord;
    const records: IgrRecord[] = [];
    let latest: IgrRecord | undefined;
    let total = 0;
    const reads = new Set<Promise<void>>();

    const learningRateOf = (ctx: StepContext): number => {
      const h = fixedRate ?? ctx.learningRate;
      if (h === undefined) {
        throw new FlatoptError(
          `${name}: the wrapped optimizer has no numeric learning rate to take h from; pass it explicitly, e.g. igrMonitor({ learningRate: 0.01 }).`,
        );
      }
      return checkLearningRate(name, h);
    };

    const deliver = (record: IgrRecord) => {
      latest = record;
      total++;
      if (keep > 0) {
        records.push(record);
        if (records.length > keep) records.splice(0, records.length - keep);
      }
      for (const sink of sinks) sink(record);
    };

    const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
      // Only the step's primary evaluation: an outer plugin's further ones (SAM, GR) are not ∇E.
      const recorded = ctx.primary && ctx.iteration % every === 0;
      const ev = next();
      if (!recorded) return ev;
      const h = learningRateOf(ctx);
      const m = ctx.variables.reduce((n, v) => n + v.size, 0);
      const gradNormSq = tl.squaredNorm(ev.grads);
      // The figures on the device are diagnostics: computed only when the step's report is read.
      let figures: Record<string, Diagnostic> | undefined;
      const figuresOnce = () => (figures ??= figureTensors(ev.loss, gradNormSq, h, m));
      for (const key of FIGURES) ctx.record(key, () => figuresOnce()[key]);
      const step = ctx.iteration;
      const read = readAsync(tf.stack([ev.loss, gradNormSq]))
        .then(([loss, gnsq]) => deliver({ step, ...igrFigures(loss, gnsq, h, m) }))
        .finally(() => reads.delete(read));
      reads.add(read);
      return ev;
    };

    return {
      evaluate,
      get records(): readonly IgrRecord[] {
        return records;
      },
      get latest() {
        return latest;
      },
      get total() {
        return total;
      },
      async flush() {
        while (reads.size > 0) await Promise.all([...reads]);
      },
    };
  },
});

/** The names of the figures a recorded step reports, in order. */
const FIGURES = ['loss', 'gradNormSq', 'rIg', 'lambda', 'penalty', 'modifiedLoss', 'ratio'] as const;

/**
 * The figures of `igrFigures` as device scalars, for the step's diagnostics (read, if at all, with
 * the step's report): E, ‖∇E‖², R_IG, λ, λ·R_IG, Ẽ and R_IG/E (0 when R_IG = 0).
 */
function figureTensors(
  loss: tf.Scalar,
  gradNormSq: tf.Scalar,
  h: number,
  m: number,
): Record<(typeof FIGURES)[number], Diagnostic> {
  const rIg = tf.div(gradNormSq, m) as tf.Scalar;
  const penalty = tf.mul(gradNormSq, h / 4) as tf.Scalar;
  const ratio = tf.where(tf.equal(rIg, 0), tf.scalar(0), tf.div(rIg, loss)) as tf.Scalar;
  return {
    loss: alias(loss), // the step frees its diagnostics, and the evaluation's loss lives on
    gradNormSq,
    rIg,
    lambda: (h * m) / 4,
    penalty,
    modifiedLoss: tf.add(loss, penalty) as tf.Scalar,
    ratio,
  };
}

function checkSinks(owner: string, key: string, onRecord: unknown): IgrSink | readonly IgrSink[] {
  const list = Array.isArray(onRecord) ? onRecord : [onRecord];
  list.forEach((f, i) => {
    if (typeof f !== 'function') {
      throw new FlatoptError(
        `${owner}: option '${key}' must be a function or an array of functions; got ${typeof f}${list.length > 1 ? ` at index ${i}` : ''}.`,
      );
    }
  });
  return onRecord as IgrSink | readonly IgrSink[];
}
