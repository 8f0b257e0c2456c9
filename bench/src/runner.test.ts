import { describe, expect, it } from 'vitest';
import {
  ratio,
  roundRatioOf,
  runInterleaved,
  variantResult,
  type StepProfile,
  type StepWork,
  type Variant,
} from './runner';

/** A fake clock plus variants whose steps advance it by scripted costs and log what happened. */
function harness(costs: Record<string, number[]>) {
  let clock = 0;
  const log: string[] = [];
  const calls: Record<string, number> = {};
  const variants: Variant<{ name: string }>[] = Object.keys(costs).map((name) => ({
    name,
    setup: () => {
      log.push(`setup ${name}`);
      return { name };
    },
    step: (ctx) => {
      const n = calls[ctx.name] ?? 0;
      calls[ctx.name] = n + 1;
      clock += costs[ctx.name][n];
      log.push(ctx.name);
    },
    teardown: (ctx) => {
      log.push(`teardown ${ctx.name}`);
    },
  }));
  return { variants, log, now: () => clock };
}

describe('runInterleaved', () => {
  it('sets up all, rotates the starting variant every round, then tears down', async () => {
    const { variants, log, now } = harness({ A: [1, 1, 1], B: [1, 1, 1], C: [1, 1, 1] });
    await runInterleaved(variants, { warmup: 1, samples: 2, baseline: 'A', now });
    expect(log).toEqual([
      'setup A',
      'setup B',
      'setup C',
      ...['A', 'B', 'C'], // warm-up round 0
      ...['B', 'C', 'A'], // timed round 1
      ...['C', 'A', 'B'], // timed round 2
      'teardown C',
      'teardown B',
      'teardown A',
    ]);
  });

  it('calls sync after every step, inside the timed region, and awaits it', async () => {
    let clock = 0;
    const log: string[] = [];
    const variant = (name: string): Variant<null> => ({
      name,
      setup: () => null,
      step: () => {
        log.push(name);
        clock += 10;
      },
      sync: async () => {
        await Promise.resolve();
        log.push(`sync ${name}`);
        clock += 5; // finishing queued work counts towards the step
      },
    });
    const result = await runInterleaved([variant('A'), variant('B')], {
      warmup: 1,
      samples: 1,
      baseline: 'A',
      now: () => clock,
    });
    expect(log).toEqual(['A', 'sync A', 'B', 'sync B', 'B', 'sync B', 'A', 'sync A']);
    expect(result.variants.map((v) => v.samplesMs)).toEqual([[15], [15]]);
  });

  it('times only the sampled rounds and reports medians, spread and both ratios', async () => {
    // First entry of each list is the warm-up step. Rounds 1..3: A = 10, 20, 30; B = 35, 10, 30.
    const { variants, now } = harness({ A: [1000, 10, 20, 30], B: [1000, 35, 10, 30] });
    const result = await runInterleaved(variants, { warmup: 1, samples: 3, baseline: 'A', now });
    const [a, b] = result.variants;
    expect(result).toMatchObject({ baseline: 'A', warmup: 1, samples: 3 });
    expect(a.samplesMs).toEqual([10, 20, 30]);
    expect(b.samplesMs).toEqual([35, 10, 30]);
    expect(a.ms).toEqual({ n: 3, mean: 20, median: 20, q1: 15, q3: 25, iqr: 10, min: 10, max: 30 });
    expect(b.ms).toMatchObject({ median: 30, min: 10, max: 35 });
    // The two ratios answer different questions and differ here: 30/20 vs median(3.5, 0.5, 1).
    expect(b.ratioOfMedians).toBe(1.5);
    expect(b.roundRatio.median).toBe(1);
    expect(b.roundRatio.min).toBe(0.5);
    expect(b.roundRatio.max).toBe(3.5);
    expect(a.ratioOfMedians).toBe(1);
    expect(a.roundRatio).toMatchObject({ median: 1, iqr: 0 });
    expect(a.memory).toBeUndefined();
  });

  it('pairs per-round ratios with the same round even though the order rotates', async () => {
    // B is always exactly 1.1x A within a round, while A's own time drifts 10 -> 40.
    const { variants, now } = harness({ A: [10, 20, 30, 40], B: [11, 22, 33, 44] });
    const result = await runInterleaved(variants, { warmup: 0, samples: 4, baseline: 'A', now });
    const b = result.variants[1];
    expect(b.roundRatio.min).toBeCloseTo(1.1, 12);
    expect(b.roundRatio.max).toBeCloseTo(1.1, 12);
    expect(b.ratioOfMedians).toBeCloseTo(27.5 / 25, 12);
  });

  it('attributes tensor growth to the variant whose step caused it and tracks the peak', async () => {
    let numTensors = 100;
    let clock = 0;
    const variant = (name: string, leak: number): Variant<null> => ({
      name,
      setup: () => null,
      step: () => {
        numTensors += leak;
        clock += 1;
      },
    });
    const result = await runInterleaved([variant('clean', 0), variant('leaky', 2)], {
      warmup: 2,
      samples: 3,
      baseline: 'clean',
      now: () => clock,
      memory: () => ({ numTensors, numBytes: numTensors * 4 }),
    });
    const [clean, leaky] = result.variants;
    // Two warm-up rounds leak 4, then three timed rounds leak 2 each: 104 -> 110.
    expect(clean.memory).toEqual({ peakTensors: 108, peakBytes: 432, tensorDelta: 0 });
    expect(leaky.memory).toEqual({ peakTensors: 110, peakBytes: 440, tensorDelta: 6 });
  });

  it('tears down what was set up when a step throws', async () => {
    const log: string[] = [];
    const variant = (name: string, fail: boolean): Variant<null> => ({
      name,
      setup: () => null,
      step: () => {
        if (fail) throw new Error(`boom ${name}`);
      },
      teardown: () => {
        log.push(`teardown ${name}`);
      },
    });
    await expect(
      runInterleaved([variant('A', false), variant('B', true)], { warmup: 0, samples: 1, baseline: 'A' }),
    ).rejects.toThrow('boom B');
    expect(log).toEqual(['teardown B', 'teardown A']);
  });

  it('tears down earlier variants when a later setup throws', async () => {
    const log: string[] = [];
    const ok: Variant<null> = {
      name: 'A',
      setup: () => null,
      step: () => {},
      teardown: () => void log.push('A'),
    };
    const bad: Variant<null> = {
      name: 'B',
      setup: () => {
        throw new Error('no setup');
      },
      step: () => {},
      teardown: () => void log.push('B'),
    };
    await expect(runInterleaved([ok, bad], { warmup: 0, samples: 1, baseline: 'A' })).rejects.toThrow(
      'no setup',
    );
    expect(log).toEqual(['A']);
  });

  it('rejects bad options with a message naming the problem', async () => {
    const { variants } = harness({ A: [1], B: [1] });
    const run = (o: Partial<{ warmup: number; samples: number; baseline: string }>) =>
      runInterleaved(variants, { warmup: 0, samples: 1, baseline: 'A', ...o });
    await expect(run({ baseline: 'Z' })).rejects.toThrow("baseline 'Z' is not one of A, B");
    await expect(run({ samples: 0 })).rejects.toThrow('samples must be an integer >= 1, got 0');
    await expect(run({ warmup: 1.5 })).rejects.toThrow('warmup must be an integer >= 0, got 1.5');
    await expect(
      runInterleaved([...variants, variants[0]], { warmup: 0, samples: 1, baseline: 'A' }),
    ).rejects.toThrow("duplicate variant name 'A'");
    await expect(runInterleaved([], { warmup: 0, samples: 1, baseline: 'A' })).rejects.toThrow(
      'at least one',
    );
  });

  it('refuses to divide by a baseline step the clock could not resolve', async () => {
    const { variants } = harness({ A: [0, 0], B: [1, 1] });
    let clock = 0;
    const now = () => clock;
    const ticking = variants.map((v) => ({
      ...v,
      step: (ctx: { name: string }) => void (clock += ctx.name === 'A' ? 0 : 1),
    }));
    await expect(runInterleaved(ticking, { warmup: 0, samples: 2, baseline: 'A', now })).rejects.toThrow(
      "a 'A' step took 0 ms",
    );
  });
});

describe('runInterleaved: limits, reported work and the step profile', () => {
  it('copies a declared limit and judges the ratio of medians against it', async () => {
    const { variants, now } = harness({ A: [10, 10, 10], B: [20, 21, 22], C: [30, 31, 29] });
    const limited = variants.map((v) => ({
      ...v,
      limit: v.name === 'B' ? 2.05 : v.name === 'C' ? 2.5 : undefined,
    }));
    const result = await runInterleaved(limited, { warmup: 0, samples: 3, baseline: 'A', now });
    const [a, b, c] = result.variants;
    expect(a.limit).toBeUndefined();
    expect(a.withinLimit).toBeUndefined();
    expect(b).toMatchObject({ ratioOfMedians: 2.1, limit: 2.05, withinLimit: false });
    expect(c).toMatchObject({ ratioOfMedians: 3, limit: 2.5, withinLimit: false });
    // the verdict is on the ratio of medians: B's per-round ratios (2, 2.1, 2.2) have the same median here
    expect(b.roundRatio.median).toBeCloseTo(2.1, 12);
  });

  it('counts a ratio exactly at the limit as within it', async () => {
    const { variants, now } = harness({ A: [10, 10], B: [20, 20] });
    const limited = variants.map((v) => ({ ...v, limit: v.name === 'B' ? 2 : undefined }));
    const result = await runInterleaved(limited, { warmup: 0, samples: 2, baseline: 'A', now });
    expect(result.variants[1]).toMatchObject({ ratioOfMedians: 2, withinLimit: true });
  });

  it('rejects a limit that is not a positive ratio', async () => {
    const { variants } = harness({ A: [1], B: [1] });
    for (const limit of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const bad = variants.map((v) => ({ ...v, limit: v.name === 'B' ? limit : undefined }));
      await expect(runInterleaved(bad, { warmup: 0, samples: 1, baseline: 'A' })).rejects.toThrow(
        `variant 'B' has limit ${limit}; a limit must be a ratio > 0`,
      );
    }
  });

  it('keeps the range of the work the timed steps reported, and nothing for steps that report none', async () => {
    let clock = 0;
    const reports: Record<string, StepWork[]> = {
      // warm-up step first: its odd count must not show up
      fd: [{ gradientEvaluations: 9 }, { gradientEvaluations: 2 }, { gradientEvaluations: 2 }],
      db: [
        { gradientEvaluations: 0, doubleBackpropEvaluations: 1 },
        { gradientEvaluations: 0, doubleBackpropEvaluations: 1 },
        { gradientEvaluations: 1, doubleBackpropEvaluations: 1 },
      ],
    };
    const calls: Record<string, number> = {};
    const variant = (name: string): Variant<null> => ({
      name,
      setup: () => null,
      step: () => {
        clock += 1;
        const n = (calls[name] = (calls[name] ?? -1) + 1);
        return reports[name]?.[n];
      },
    });
    const result = await runInterleaved([variant('plain'), variant('fd'), variant('db')], {
      warmup: 1,
      samples: 2,
      baseline: 'plain',
      now: () => clock,
    });
    const [plain, fd, db] = result.variants;
    expect(plain.work).toBeUndefined();
    expect(fd.work).toEqual({
      gradientEvaluations: { min: 2, max: 2, mean: 2 },
      doubleBackpropEvaluations: { min: 0, max: 0, mean: 0 },
    });
    expect(db.work).toEqual({
      gradientEvaluations: { min: 0, max: 1, mean: 0.5 },
      doubleBackpropEvaluations: { min: 1, max: 1, mean: 1 },
    });
  });

  it('profiles one extra step + sync per variant after the timed rounds, untimed, before teardown', async () => {
    let clock = 0;
    const log: string[] = [];
    const variant = (name: string): Variant<null> => ({
      name,
      setup: () => null,
      step: () => {
        clock += 1;
        log.push(name);
      },
      sync: async () => {
        log.push(`sync ${name}`);
      },
      teardown: () => void log.push(`teardown ${name}`),
    });
    let profiled = 0;
    const profile = async (run: () => Promise<void>): Promise<StepProfile> => {
      log.push('profile start');
      const before = clock;
      await run();
      clock += 1000; // profiling overhead must not reach the samples
      profiled++;
      return { peakBytes: 100 * profiled, startBytes: 10, newBytes: 0, newTensors: before };
    };
    const result = await runInterleaved([variant('A'), variant('B')], {
      warmup: 0,
      samples: 1,
      baseline: 'A',
      now: () => clock,
      profile,
    });
    expect(log).toEqual([
      ...['A', 'sync A', 'B', 'sync B'], // the timed round
      ...['profile start', 'A', 'sync A', 'profile start', 'B', 'sync B'],
      'teardown B',
      'teardown A',
    ]);
    expect(result.variants.map((v) => v.samplesMs)).toEqual([[1], [1]]);
    expect(result.variants.map((v) => v.profile)).toEqual([
      { peakBytes: 100, startBytes: 10, newBytes: 0, newTensors: 2 },
      { peakBytes: 200, startBytes: 10, newBytes: 0, newTensors: 1003 },
    ]);
  });

  it('tears down when the profiled step throws', async () => {
    const log: string[] = [];
    let clock = 0;
    let profiling = false;
    const variant: Variant<null> = {
      name: 'A',
      setup: () => null,
      step: () => {
        clock += 1;
        if (profiling) throw new Error('boom in profile');
      },
      teardown: () => void log.push('teardown A'),
    };
    const profile = async (run: () => Promise<void>): Promise<StepProfile> => {
      profiling = true;
      await run();
      return { peakBytes: 0, startBytes: 0, newBytes: 0, newTensors: 0 };
    };
    await expect(
      runInterleaved([variant], { warmup: 0, samples: 1, baseline: 'A', now: () => clock, profile }),
    ).rejects.toThrow('boom in profile');
    expect(log).toEqual(['teardown A']);
  });
});

describe('runInterleaved: a variant judged by its mean over whole cycles', () => {
  // A cycles 2, 1, 1, 1 (x10 ms) against a flat baseline of 10 ms: median ratio 1, mean ratio 1.25.
  const cyclic = () => {
    const { variants, now } = harness({
      base: new Array(9).fill(10),
      cyc: [20, 10, 10, 10, 20, 10, 10, 10, 20],
    });
    return { now, variants: variants.map((v) => (v.name === 'cyc' ? { ...v, cycle: 4 } : v)) };
  };

  it('computes both ratios for every variant and judges a limit by the declared statistic', async () => {
    const { variants, now } = cyclic();
    const judged = variants.map((v) =>
      v.name === 'cyc' ? { ...v, limit: 1.3, statistic: 'mean' as const } : { ...v, limit: 1.3 },
    );
    const result = await runInterleaved(judged, { warmup: 1, samples: 8, baseline: 'base', now });
    const [base, cyc] = result.variants;
    expect(base).toMatchObject({
      statistic: 'median',
      ratioOfMeans: 1,
      ratioOfMedians: 1,
      withinLimit: true,
    });
    expect(base.cycle).toBeUndefined();
    // The warm-up step was a 2: the timed steps are 1, 1, 1, 2, 1, 1, 1, 2 — still whole cycles.
    expect(cyc.samplesMs).toEqual([10, 10, 10, 20, 10, 10, 10, 20]);
    expect(cyc).toMatchObject({ statistic: 'mean', cycle: 4, ratioOfMedians: 1, ratioOfMeans: 1.25 });
    expect(cyc.ms.mean).toBe(12.5);
    expect(cyc.roundRatio).toMatchObject({ median: 1, mean: 1.25 });
    expect([ratio(cyc), roundRatioOf(cyc)]).toEqual([1.25, 1.25]);
    expect([ratio(base), roundRatioOf(base)]).toEqual([1, 1]);
    expect(cyc).toMatchObject({ limit: 1.3, withinLimit: true });
    // Judged by its median it would look free: 1 <= 1.2, although it costs 1.25 on average.
    const fresh = cyclic();
    const strict = fresh.variants.map((v) =>
      v.name === 'cyc' ? { ...v, limit: 1.2, statistic: 'mean' as const } : v,
    );
    const again = await runInterleaved(strict, { warmup: 1, samples: 8, baseline: 'base', now: fresh.now });
    expect(again.variants[1]).toMatchObject({ ratioOfMeans: 1.25, withinLimit: false });
  });

  it('requires samples in whole cycles, and a cycle and statistic it knows', async () => {
    const { variants } = cyclic();
    const run = (vs: Variant<{ name: string }>[], samples = 8) =>
      runInterleaved(vs, { warmup: 0, samples, baseline: 'base' });
    await expect(run(variants, 6)).rejects.toThrow(
      "variant 'cyc' repeats its cost every 4 steps, so samples must be a multiple of 4 (whole cycles); got 6",
    );
    const with_ = (extra: object) => variants.map((v) => (v.name === 'cyc' ? { ...v, ...extra } : v));
    await expect(run(with_({ cycle: 0 }))).rejects.toThrow(
      "variant 'cyc' has cycle 0; a cycle must be an integer >= 1",
    );
    await expect(run(with_({ cycle: 1.5 }))).rejects.toThrow('has cycle 1.5');
    await expect(run(with_({ statistic: 'mode' }))).rejects.toThrow(
      "variant 'cyc' has statistic 'mode'; use 'median' or 'mean'",
    );
  });
});

describe('variantResult', () => {
  it('is the timing part of a result: summaries, both ratios, the statistic and the verdict', () => {
    const v = variantResult('x', [30, 10, 20], [10, 10, 10], { limit: 2 });
    expect(v).toMatchObject({
      name: 'x',
      samplesMs: [30, 10, 20],
      ratioOfMedians: 2,
      ratioOfMeans: 2,
      statistic: 'median',
      limit: 2,
      withinLimit: true,
    });
    expect(v.roundRatio).toMatchObject({ min: 1, median: 2, max: 3 });
    expect(variantResult('y', [10], [10])).not.toHaveProperty('limit');
    expect(variantResult('y', [10], [10])).not.toHaveProperty('withinLimit');
    // the mean is judged: 5 / 2.5 = 2 > 1.9, where the median ratio 1 would pass
    expect(
      variantResult('z', [1, 1, 1, 17], [2.5, 2.5, 2.5, 2.5], { limit: 1.9, statistic: 'mean' }),
    ).toMatchObject({
      ratioOfMedians: 0.4,
      ratioOfMeans: 2,
      withinLimit: false,
    });
  });
});
