import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { follow, linear, step, valueAt, warmupCosine, withPlugins, type Schedule } from '@flatopt/core';
import { flatoptErrorMessage as message, mlpProblem, normals } from '@flatopt/core/testing';
import { sam } from '@flatopt/sam';
import { igrMonitor } from '@flatopt/implicit-gr';
import { learningRate } from './learning-rate';
import { smallModel } from './test-support';

/** Each tensor's bits, so that toEqual compares bit for bit (−0 ≠ 0, NaN payloads count). */
const bits = (xs: readonly Float32Array[]): number[][] =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

const read = (ts: readonly tf.Tensor[]): Float32Array[] =>
  ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));

const [INITIAL, PEAK, WARMUP, TOTAL, FINAL] = [0.01, 0.1, 4, 12, 0.001];
const SCHEDULE = warmupCosine({ initial: INITIAL, peak: PEAK, warmup: WARMUP, total: TOTAL, final: FINAL });

/** optax's warmup_cosine_decay_schedule written out: linear warm-up, then cosine decay. */
function warmupCosineAt(t: number): number {
  if (t < WARMUP) return INITIAL + ((PEAK - INITIAL) * t) / WARMUP;
  const progress = Math.min(1, (t - WARMUP) / (TOTAL - WARMUP));
  return FINAL + ((PEAK - FINAL) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** Sets a tfjs optimizer's rate as a hand-written loop would (SGD caches −lr in a tensor). */
function setRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?(v: number): void };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}

const optimizers: Record<string, (lr: number) => tf.Optimizer> = {
  sgd: (lr) => tf.train.sgd(lr),
  adam: (lr) => tf.train.adam(lr),
};

describe('learningRate: the wrapped optimizer steps with the schedule', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it.each(Object.keys(optimizers))(
    '%s, warmupCosine over 12 steps: bit-identical to setting the rate by hand',
    (name) => {
      const [a, b] = [mlpProblem({ seed: 2 }), mlpProblem({ seed: 2 })];
      const reference = optimizers[name](1);
      const plugged = withPlugins(optimizers[name](1), learningRate({ schedule: SCHEDULE }));
      for (let t = 0; t < TOTAL + 2; t++) {
        const lr = warmupCosineAt(t);
        setRate(reference, lr);
        reference.minimize(a.loss, false, a.variables);
        plugged.minimize(b.loss, false, b.variables);
        expect(plugged.learningRate).toBe(valueAt(SCHEDULE, t));
        expect(Math.abs(plugged.learningRate! - lr)).toBeLessThan(1e-15);
        expect(bits(b.read())).toEqual(bits(a.read()));
      }
      expect(plugged.learningRate).toBe(FINAL);
      [a, b].forEach((p) => p.dispose());
      reference.dispose();
      plugged.dispose();
    },
  );
});

describe('learningRate: a run resumed from model.save continues the schedule bit for bit', () => {
  beforeAll(() => tf.setBackend('cpu'));

  const build = (optimizer: tf.Optimizer) => smallModel(optimizer, 5);

  it.each(Object.keys(optimizers))(
    '%s: 5 steps, save, load, 5 steps equals 10 uninterrupted steps',
    async (name) => {
      const x = tf.tensor2d(normals(16 * 4, 21), [16, 4]);
      const y = tf.tidy(() => tf.sum(tf.sin(x), 1, true));
      const plugged = () => withPlugins(optimizers[name](1), learningRate({ schedule: SCHEDULE }));
      const straight = build(plugged());
      const first = build(plugged());
      expect(bits(read(first.getWeights()))).toEqual(bits(read(straight.getWeights())));
      for (let i = 0; i < 10; i++) await straight.trainOnBatch(x, y);
      for (let i = 0; i < 5; i++) await first.trainOnBatch(x, y);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await first.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        { includeOptimizer: true },
      );
      const resumed = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      expect(resumed.optimizer.iterations).toBe(5);
      const rates: number[] = [];
      for (let i = 0; i < 5; i++) {
        await resumed.trainOnBatch(x, y);
        rates.push((resumed.optimizer as unknown as { learningRate: number }).learningRate);
      }
      expect(rates).toEqual([5, 6, 7, 8, 9].map((t) => valueAt(SCHEDULE, t)));
      expect(bits(read(resumed.getWeights()))).toEqual(bits(read(straight.getWeights())));
      for (const m of [straight, first, resumed]) {
        m.optimizer.dispose();
        m.dispose();
      }
      tf.dispose([x, y]);
    },
  );
});

describe('learningRate: what other plugins see', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it("the IGR monitor's h is the scheduled rate, in its records and its λ = h·m/4", async () => {
    const p = mlpProblem({ seed: 4 });
    const m = p.variables.reduce((n, v) => n + v.size, 0);
    const monitor = igrMonitor();
    const opt = withPlugins(tf.train.sgd(1), learningRate({ schedule: SCHEDULE }), monitor);
    const lambdas: number[] = [];
    for (let t = 0; t < TOTAL; t++)
      lambdas.push(opt.step(p.loss, p.variables).diagnostics['igrMonitor/lambda']);
    await monitor.flush();
    const expected = Array.from({ length: TOTAL }, (_, t) => valueAt(SCHEDULE, t));
    expect(monitor.records.map((r) => r.learningRate)).toEqual(expected);
    expect(monitor.records.map((r) => r.step)).toEqual(expected.map((_, t) => t));
    // λ = h·m/4 is recorded as a plain number, so the report carries it in float64.
    lambdas.forEach((l, t) => expect(l).toBe((expected[t] * m) / 4));
    opt.dispose();
    p.dispose();
  });

  it('SAM with ρ following the rate (GSAM): ‖ε̂‖ = ρ_t = ρ_min + (ρ_max − ρ_min)·(η_t − η_min)/(η_max − η_min)', () => {
    const [rhoMin, rhoMax] = [0.01, 0.1];
    const p = mlpProblem({ seed: 5 });
    const opt = withPlugins(
      tf.train.sgd(1),
      learningRate({ schedule: SCHEDULE }),
      sam({ rho: follow(SCHEDULE, { min: rhoMin, max: rhoMax }) }),
    );
    // η ranges over [FINAL, PEAK] (INITIAL lies inside it).
    const rhoAt = (t: number) => rhoMin + ((rhoMax - rhoMin) * (warmupCosineAt(t) - FINAL)) / (PEAK - FINAL);
    for (let t = 0; t < TOTAL + 1; t++) {
      const norm = opt.step(p.loss, p.variables).diagnostics['sam/ascentNorm'];
      expect(Math.abs(norm / rhoAt(t) - 1)).toBeLessThan(1e-6);
    }
    opt.dispose();
    p.dispose();
  });
});

describe('learningRate: bad input', () => {
  const cosine = (steps: number): Schedule => ({ schedule: 'cosine', from: 0.1, to: 0, steps, start: 0 });

  it('negative rates, in a number or anywhere in a schedule', () => {
    expect(message(() => learningRate({ schedule: -0.1 }))).toBe(
      "learningRate: option 'schedule' must be a finite number ≥ 0; got -0.1.",
    );
    expect(message(() => learningRate({ schedule: linear({ from: 0.1, to: -0.1, steps: 10 }) }))).toBe(
      "learningRate: option 'schedule' is a 'linear' schedule that reaches -0.1; every value must be a finite number ≥ 0.",
    );
    expect(message(() => learningRate({ schedule: step({ values: [0.1, -0.01], boundaries: [5] }) }))).toBe(
      "learningRate: option 'schedule' is a 'step' schedule that reaches -0.01; every value must be a finite number ≥ 0.",
    );
    expect(
      message(() =>
        learningRate({ schedule: warmupCosine({ peak: 0.1, warmup: 2, total: 10, final: -1e-4 }) }),
      ),
    ).toBe(
      "learningRate: option 'schedule' is a 'join' schedule that reaches -0.0001; every value must be a finite number ≥ 0.",
    );
  });

  it('a schedule that never ends', () => {
    expect(message(() => warmupCosine({ peak: 0.1, warmup: 10, total: Infinity }))).toBe(
      "warmupCosine: option 'total' must be an integer ≥ 11; got Infinity.",
    );
    // The same schedule written as a config, as fromConfig sees it: refused by learningRate too.
    expect(message(() => learningRate({ schedule: cosine(Infinity) }))).toBe(
      "cosine: option 'steps' must be an integer ≥ 1; got Infinity.",
    );
  });

  it('a missing schedule, an unknown option, something that is not a schedule', () => {
    expect(message(() => learningRate({} as never))).toBe(
      "learningRate: option 'schedule' is required: a finite number ≥ 0 or a schedule, e.g. learningRate({ schedule: warmupCosine({ peak: 1e-3, warmup: 500, total: 10000 }) }) with warmupCosine from '@flatopt/core'.",
    );
    expect(message(() => learningRate({ schedule: 0.1, rate: 0.1 } as never))).toBe(
      "learningRate: unknown option 'rate'; allowed options are 'schedule', 'name'.",
    );
    expect(message(() => learningRate({ schedule: 'cosine' as never }))).toBe(
      'learningRate: option \'schedule\' must be a finite number ≥ 0 or a schedule (constant, linear, cosine, step, join, follow); got "cosine".',
    );
  });
});
