import { summarize, type Summary } from './stats';

/**
 * One contender in an interleaved benchmark. `Ctx` is whatever `setup` builds (a model, an
 * optimizer, ...); the runner passes it back to `step`, `sync` and `teardown`.
 */
export interface Variant<Ctx = unknown> {
  readonly name: string;
  setup(): Promise<Ctx> | Ctx;
  /** One unit of work, e.g. one optimizer step. Synchronous; it is what gets timed. */
  step(ctx: Ctx): void;
  /**
   * Called after every step, inside the timed region, so that backends which queue work
   * asynchronously (webgl, webgpu) finish it before the clock stops. Give every variant of a run
   * the same kind of sync so the comparison stays fair.
   */
  sync?(ctx: Ctx): void | Promise<void>;
  teardown?(ctx: Ctx): void | Promise<void>;
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
  /** Distribution of per-round ratios (this round's time / the baseline's time in the same round). */
  readonly roundRatio: Summary;
  readonly memory?: MemoryStats;
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
  return baseline;
}

/**
 * Runs `variants` interleaved: set up all, then `warmup + samples` rounds in which every variant
 * steps once. Round r starts at variant r mod k (A B C, B C A, C A B, ...) so that no variant is
 * always first or always follows the same neighbour. Only the last `samples` rounds are timed.
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
        v.step(ctx);
        const pending = v.sync?.(ctx);
        if (pending) await pending;
        const t1 = now();
        if (!timed) continue;
        times[i].push(t1 - t0);
        if (before && memory) {
          const after = memory();
          const m = mem[i];
          m.peakTensors = Math.max(m.peakTensors, after.numTensors);
          m.peakBytes = Math.max(m.peakBytes, after.numBytes);
          m.tensorDelta += after.numTensors - before.numTensors;
        }
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
  const baseMedian = summarize(base).median;
  return {
    baseline: options.baseline,
    warmup: options.warmup,
    samples: options.samples,
    variants: variants.map((v, i) => {
      const ms = summarize(times[i]);
      return {
        name: v.name,
        ms,
        samplesMs: times[i],
        ratioOfMedians: ms.median / baseMedian,
        roundRatio: summarize(times[i].map((t, r) => t / base[r])),
        ...(memory ? { memory: mem[i] } : {}),
      };
    }),
  };
}
