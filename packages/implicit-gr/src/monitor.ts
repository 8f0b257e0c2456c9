import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  checkKnownKeys,
  checkNumber,
  FlatoptError,
  readAsync,
  registerPlugin,
  tl,
  type Diagnostic,
  type Evaluation,
  type Plugin,
  type PluginConfig,
  type StepContext,
} from '@flatopt/core';
import { checkLearningRate, igrFigures, type IgrFigures } from './igr-figures';

/** The figures of one recorded step. */
export interface IgrRecord extends IgrFigures {
  /** The wrapped optimizer's iteration count before the step (0 on the first step). */
  readonly step: number;
}

export interface IgrMonitorOptions {
  /** Record every `every`-th step (an integer ≥ 1, default 1); the others cost nothing. */
  every?: number;
  /**
   * h. Default: the wrapped optimizer's learning rate, read every step (so a changed rate is
   * followed). Required for optimizers without a numeric `learningRate`.
   */
  learningRate?: number;
  /** Called with each record, e.g. `igrWriter({ format: 'jsonl', write })` or your own function. */
  onRecord?: ((record: IgrRecord) => void) | ReadonlyArray<(record: IgrRecord) => void>;
  /** Records kept in `monitor.records` (default 10000, the most recent); 0 keeps none. */
  keep?: number;
  /** Instance name (default 'igrMonitor'). */
  name?: string;
}

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

const OWNER = 'igrMonitor';
const KEYS = ['every', 'learningRate', 'onRecord', 'keep', 'name'];

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
export function igrMonitor(options: IgrMonitorOptions = {}): IgrMonitor {
  checkKnownKeys(OWNER, options, KEYS);
  const name = options.name ?? OWNER;
  const every = checkNumber(name, 'every', options.every ?? 1, { min: 1, integer: true });
  const fixedRate =
    options.learningRate === undefined ? undefined : checkLearningRate(name, options.learningRate);
  const keep = checkNumber(name, 'keep', options.keep ?? 10000, { min: 0, integer: true });
  const sinks = checkSinks(name, options.onRecord);
  const records: IgrRecord[] = [];
  let latest: IgrRecord | undefined;
  // Contexts are made per step: this marks steps whose primary evaluation was seen.
  const seen = new WeakSet<StepContext>();

  const learningRateOf = (ctx: StepContext): number => {
    const h = fixedRate ?? ctx.learningRate;
    if (h === undefined) {
      throw new FlatoptError(
        `${name}: the wrapped optimizer has no numeric learning rate to take h from; pass it explicitly, e.g. igrMonitor({ learningRate: 0.01 }).`,
      );
    }
    return checkLearningRate(name, h);
  };

  let total = 0;
  const reads = new Set<Promise<void>>();
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
    const ev = next();
    if (seen.has(ctx) || ctx.iteration % every !== 0) return ev;
    seen.add(ctx);
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

  const config: PluginConfig = {
    every,
    keep,
    ...(fixedRate === undefined ? {} : { learningRate: fixedRate }),
  };
  return {
    name,
    type: OWNER,
    evaluate,
    getConfig: () => config,
    get records() {
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
}

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

function checkSinks(owner: string, onRecord: unknown): Array<(r: IgrRecord) => void> {
  const list = onRecord === undefined ? [] : Array.isArray(onRecord) ? onRecord : [onRecord];
  list.forEach((f, i) => {
    if (typeof f !== 'function') {
      throw new FlatoptError(
        `${owner}: option 'onRecord' must be a function or an array of functions; got ${typeof f}${list.length > 1 ? ` at index ${i}` : ''}.`,
      );
    }
  });
  return list as Array<(r: IgrRecord) => void>;
}

// Callbacks are code, not config: a loaded monitor records into `records` until given new sinks.
registerPlugin(OWNER, (config, name) => igrMonitor({ ...(config as IgrMonitorOptions), name }));
