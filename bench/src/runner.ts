import { mean, summarize, type Summary } from './stats';

/**
 * One contender in an interleaved benchmark. `Ctx` is whatever `setup` builds (a model, an
 * optimizer, ...); the runner passes it back to `step`, `sync` and `teardown`.
 */
export interface Variant<Ctx = unknown> extends Judgement {
  readonly name: string;
  setup(): Promise<Ctx> | Ctx;
  /**
   * One unit of work, e.g. one optimizer step. Synchronous; it is what gets timed. It may return
   * what the step reports about its own work (flatopt's `optimizer.step()` report fits).
   */
  step(ctx: Ctx): void | StepWork;
  /**
   * Called after every step, inside the timed region, so that backends which queue work
   * asynchronously (webgl, webgpu) finish it before the clock stops. Give every variant of a run
   * the same kind of sync so the comparison stays fair.
   */
  sync?(ctx: Ctx): void | Promise<void>;
  teardown?(ctx: Ctx): void | Promise<void>;
}

/**
 * Which ratio against the baseline a variant is read by: `'median'` (default) the ratio of medians
 * and the median per-round ratio, robust to outliers; `'mean'` the ratio of means and the mean
 * per-round ratio, for a step whose cost cycles (e.g. `sam({ every: 4 })`: one 2-evaluation step,
 * then three 1-evaluation steps), where the median is just the cost of the commoner step.
 */
export type RatioStatistic = 'median' | 'mean';

/** How a variant is judged against the baseline; declared by the variant, copied to its result. */
export interface Judgement {
  /**
   * The ratio against the baseline (the one `statistic` names) this variant must not exceed, e.g.
   * 2.05 for a step that needs two gradient evaluations. Reported with a verdict; never enforced.
   */
  readonly limit?: number;
  /** Default `'median'`. */
  readonly statistic?: RatioStatistic;
  /**
   * Steps in one cycle of a cost that repeats (4 for `sam({ every: 4 })`); default 1. The runner
   * then requires `samples` to be a multiple of it, so that the means cover whole cycles.
   */
  readonly cycle?: number;
}

/** What a step says about its own work, e.g. the report of `PluggedOptimizer.step`. */
export interface StepWork {
  /** First-order gradient evaluations the step made. */
  readonly gradientEvaluations: number;
  /** Gradients of gradients (double backprop), counted apart. */
  readonly doubleBackpropEvaluations?: number;
}

/** A count over the timed steps: min = max unless the steps did different work. */
export interface CountStats {
  readonly min: number;
  readonly max: number;
  /** Per step, over all timed steps (whole cycles, for a variant that declares one). */
  readonly mean: number;
}

/** The work counts of a variant's timed steps. */
export interface WorkStats {
  readonly gradientEvaluations: CountStats;
  readonly doubleBackpropEvaluations: CountStats;
}

/** Memory of one step run under a profiler (e.g. `tf.profile`), outside the timed rounds. */
export interface StepProfile {
  /** Highest total tensor bytes while the step ran (process-wide, like `tf.profile`'s `peakBytes`). */
  readonly peakBytes: number;
  /** Total tensor bytes just before the step: `peakBytes - startBytes` is what the step added at its peak. */
  readonly startBytes: number;
  /** Bytes still allocated after the step that were not before it. */
  readonly newBytes: number;
  /** Tensors still alive after the step that were not before it (0 for a step that does not leak). */
  readonly newTensors: number;
}

export interface MemorySnapshot {
  readonly numTensors: number;
  readonly numBytes: number;
}

export interface RunOptions {
  /** Untimed rounds before sampling starts (each round steps every variant once). */
  readonly warmup: number;
  /** Timed rounds; every variant gets exactly this many samples. */
  readonly samples: number;
  /** Name of the variant the ratios are taken against. */
  readonly baseline: string;
  /** Clock in milliseconds; defaults to `performance.now`. */
  readonly now?: () => number;
  /** Memory probe, read (outside the timed region) before and after each timed step, e.g. `tf.memory`. */
  readonly memory?: () => MemorySnapshot;
  /**
   * Step profiler: after the timed rounds (before teardown) the runner runs one more step + sync
   * of each variant inside `profile`, e.g. around `tf.profile`. That step is never timed.
   */
  readonly profile?: (run: () => Promise<void>) => Promise<StepProfile>;
}

export interface MemoryStats {
  /** Highest `numTensors` seen after any of this variant's timed steps (process-wide count). */
  readonly peakTensors: number;
  /** Highest `numBytes` seen after any of this variant's timed steps (process-wide count). */
  readonly peakBytes: number;
  /** Sum over this variant's timed steps of (numTensors after - before): 0 means no leak. */
  readonly tensorDelta: number;
}

export interface VariantResult {
  readonly name: string;
  /** Per-step wall time in ms. */
  readonly ms: Summary;
  /** Raw per-step times in ms, in round order. */
  readonly samplesMs: readonly number[];
  /** `ms.median / baseline.ms.median`. */
  readonly ratioOfMedians: number;
  /** `ms.mean / baseline.ms.mean`. */
  readonly ratioOfMeans: number;
  /** Distribution of per-round ratios (this round's time / the baseline's time in the same round). */
  readonly roundRatio: Summary;
  /** Which ratios the variant is read and judged by (`ratio(v)`, `roundRatioOf(v)`). */
  readonly statistic: RatioStatistic;
  /** The declared cycle, when longer than one step. */
  readonly cycle?: number;
  readonly memory?: MemoryStats;
  /** The variant's declared limit on `ratio(v)`, and whether the run stayed within it. */
  readonly limit?: number;
  readonly withinLimit?: boolean;
  /** What the timed steps reported about their work, when the step returns it. */
  readonly work?: WorkStats;
  /** One profiled step, when a profiler was given. */
  readonly profile?: StepProfile;
}

export interface RunResult {
  readonly baseline: string;
  readonly warmup: number;
  readonly samples: number;
  readonly variants: readonly VariantResult[];
}

function validate(variants: readonly Variant[], options: RunOptions): number {
  if (variants.length === 0) throw new Error('runInterleaved: need at least one variant');
  const names = variants.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`runInterleaved: duplicate variant name '${duplicate}'`);
  const baseline = names.indexOf(options.baseline);
  if (baseline < 0) {
    throw new Error(`runInterleaved: baseline '${options.baseline}' is not one of ${names.join(', ')}`);
  }
  if (!Number.isInteger(options.warmup) || options.warmup < 0) {
    throw new Error(`runInterleaved: warmup must be an integer >= 0, got ${options.warmup}`);
  }
  if (!Number.isInteger(options.samples) || options.samples < 1) {
    throw new Error(`runInterleaved: samples must be an integer >= 1, got ${options.samples}`);
  }
  for (const v of variants) {
    if (v.limit !== undefined && !(Number.isFinite(v.limit) && v.limit > 0)) {
      throw new Error(
        `runInterleaved: variant '${v.name}' has limit ${v.limit}; a limit must be a ratio > 0`,
      );
    }
    if (v.statistic !== undefined && v.statistic !== 'median' && v.statistic !== 'mean') {
      throw new Error(
        `runInterleaved: variant '${v.name}' has statistic '${String(v.statistic)}'; use 'median' or 'mean'`,
      );
    }
    const cycle = v.cycle ?? 1;
    if (!Number.isInteger(cycle) || cycle < 1) {
      throw new Error(
        `runInterleaved: variant '${v.name}' has cycle ${cycle}; a cycle must be an integer >= 1`,
      );
    }
    if (options.samples % cycle !== 0) {
      throw new Error(
        `runInterleaved: variant '${v.name}' repeats its cost every ${cycle} steps, so samples must be a ` +
          `multiple of ${cycle} (whole cycles); got ${options.samples}`,
      );
    }
  }
  return baseline;
}

/**
 * Runs `variants` interleaved: set up all, then `warmup + samples` rounds in which every variant
 * steps once. Round r starts at variant r mod k (A B C, B C A, C A B, ...) so that no variant is
 * always first or always follows the same neighbour. Only the last `samples` rounds are timed; a
 * variant that declares a `cycle` needs `samples` to be a multiple of it.
 * With a `profile` option, each variant then makes one more, untimed step under the profiler.
 * Every variant that was set up is torn down, also when a setup or step throws.
 */
export async function runInterleaved(variants: readonly Variant[], options: RunOptions): Promise<RunResult> {
  const baseline = validate(variants, options);
  const now = options.now ?? (() => performance.now());
  const { memory } = options;
  const k = variants.length;
  const contexts: unknown[] = [];
  const times: number[][] = variants.map(() => []);
  const mem = variants.map(() => ({ peakTensors: 0, peakBytes: 0, tensorDelta: 0 }));
  const work: Array<StepWork[]> = variants.map(() => []);
  const profiles: Array<StepProfile | undefined> = variants.map(() => undefined);

  try {
    for (const v of variants) contexts.push(await v.setup());
    for (let round = 0; round < options.warmup + options.samples; round++) {
      const timed = round >= options.warmup;
      for (let j = 0; j < k; j++) {
        const i = (round + j) % k;
        const v = variants[i];
        const ctx = contexts[i];
        const before = timed && memory ? memory() : undefined;
        const t0 = now();
        const reported = v.step(ctx);
        const pending = v.sync?.(ctx);
        if (pending) await pending;
        const t1 = now();
        if (!timed) continue;
        times[i].push(t1 - t0);
        if (reported && typeof reported.gradientEvaluations === 'number') work[i].push(reported);
        if (before && memory) {
          const after = memory();
          const m = mem[i];
          m.peakTensors = Math.max(m.peakTensors, after.numTensors);
          m.peakBytes = Math.max(m.peakBytes, after.numBytes);
          m.tensorDelta += after.numTensors - before.numTensors;
        }
      }
    }
    if (options.profile) {
      for (let i = 0; i < k; i++) {
        const [v, ctx] = [variants[i], contexts[i]];
        profiles[i] = await options.profile(async () => {
          v.step(ctx);
          await v.sync?.(ctx);
        });
      }
    }
  } finally {
    for (let i = contexts.length - 1; i >= 0; i--) await variants[i].teardown?.(contexts[i]);
  }

  const base = times[baseline];
  if (base.some((t) => !(t > 0))) {
    throw new Error(
      `runInterleaved: a '${options.baseline}' step took ${Math.min(...base)} ms; ratios need steps the clock can resolve`,
    );
  }
  return {
    baseline: options.baseline,
    warmup: options.warmup,
    samples: options.samples,
    variants: variants.map((v, i) => {
      const profile = profiles[i];
      return {
        ...variantResult(v.name, times[i], base, v),
        ...(memory ? { memory: mem[i] } : {}),
        ...(work[i].length > 0 ? { work: workStats(work[i]) } : {}),
        ...(profile ? { profile } : {}),
      };
    }),
  };
}

/** The ratio a variant is judged by: its ratio of medians, or of means with `statistic: 'mean'`. */
export function ratio(v: VariantResult): number {
  return v.statistic === 'mean' ? v.ratioOfMeans : v.ratioOfMedians;
}

/** The per-round ratio that goes with `ratio(v)`: the median of the per-round ratios, or their mean. */
export function roundRatioOf(v: VariantResult): number {
  return v.statistic === 'mean' ? v.roundRatio.mean : v.roundRatio.median;
}

/**
 * The timing part of a variant's result: `samplesMs` against the baseline's `baselineMs` of the
 * same rounds, with what the variant declared (`limit`, `statistic`, `cycle`) and the verdict.
 */
export function variantResult(
  name: string,
  samplesMs: readonly number[],
  baselineMs: readonly number[],
  { limit, statistic = 'median', cycle = 1 }: Judgement = {},
): VariantResult {
  const [ms, base] = [summarize(samplesMs), summarize(baselineMs)];
  const result: VariantResult = {
    name,
    ms,
    samplesMs,
    ratioOfMedians: ms.median / base.median,
    ratioOfMeans: ms.mean / base.mean,
    roundRatio: summarize(samplesMs.map((t, r) => t / baselineMs[r])),
    statistic,
    ...(cycle > 1 ? { cycle } : {}),
  };
  return limit === undefined ? result : { ...result, limit, withinLimit: ratio(result) <= limit };
}

function counts(values: readonly number[]): CountStats {
  return { min: Math.min(...values), max: Math.max(...values), mean: mean(values) };
}

function workStats(reports: readonly StepWork[]): WorkStats {
  return {
    gradientEvaluations: counts(reports.map((r) => r.gradientEvaluations)),
    doubleBackpropEvaluations: counts(reports.map((r) => r.doubleBackpropEvaluations ?? 0)),
  };
}
