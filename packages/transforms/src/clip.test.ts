import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { linear, step, withPlugins, type Plugin } from '@flatopt/core';
import {
  flatoptErrorMessage as message,
  kernelDifference,
  normals,
  problemStepKernels,
} from '@flatopt/core/testing';
import { sam } from '@flatopt/sam';
import { smallModel } from './test-support';
import { clipByGlobalNorm, clipByValue } from './clip';

/** Each tensor's bits, so that toEqual compares bit for bit (−0 ≠ 0, NaN payloads count). */
const bits = (xs: readonly Float32Array[]): number[][] =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

const read = (ts: readonly tf.Tensor[]): Float32Array[] =>
  ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));

/** ‖xs‖ over every entry, in float64. */
const norm64 = (xs: ReadonlyArray<ArrayLike<number>>): number =>
  Math.sqrt(xs.reduce((s, x) => s + Array.from(x).reduce((a, v) => a + v * v, 0), 0));

/** max_ij |a − b| / max_ij |b|, b in float64. */
function relativeMaxError(a: readonly Float32Array[], b: ReadonlyArray<ArrayLike<number>>): number {
  let err = 0;
  let scale = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => {
      err = Math.max(err, Math.abs(v - b[i][j]));
      scale = Math.max(scale, Math.abs(b[i][j]));
    }),
  );
  return err / scale;
}

const SHAPES = [[5, 7], [7], [7, 3], [3]];

/**
 * Variables and a loss Σᵢ sum(cᵢ ⊙ θᵢ) whose gradient is exactly the float32 values cᵢ (tfjs
 * computes it as cᵢ·1), plus one variable the loss does not use (no gradient).
 */
function linearProblem(seed: number, magnitude: number) {
  const c = SHAPES.map((shape, k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(normals(size, seed + k, magnitude), shape);
  });
  const variables = SHAPES.map((shape, k) =>
    tf.variable(tf.zeros(shape), true, `lin${seed}-${magnitude}/${k}`),
  );
  const unused = tf.variable(tf.ones([2]), true, `lin${seed}-${magnitude}/unused`);
  const loss = () => tf.tidy(() => tf.addN(variables.map((v, k) => tf.sum(tf.mul(c[k], v)))) as tf.Scalar);
  return {
    c: read(c),
    variables: [...variables, unused],
    loss,
    dispose: () => tf.dispose([...c, ...variables, unused]),
  };
}

/** The gradients computeGradients returns (the evaluate stage alone), read; null where none. */
function evaluated(plugins: Plugin[], p: ReturnType<typeof linearProblem>): Array<Float32Array | null> {
  const opt = withPlugins(tf.train.sgd(1), ...plugins);
  const { value, grads } = opt.computeGradients(p.loss, p.variables);
  const out = p.variables.map((v) => (grads[v.name] ? read([grads[v.name]])[0] : null));
  tf.dispose([value, ...Object.values(grads)]);
  opt.dispose();
  return out;
}

describe('clipByGlobalNorm: g·maxNorm/‖g‖ above the limit, g bit for bit below', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it.each([1, 2, 3])('random gradient lists (seed %i) agree with the float64 formula to 1e-6', (seed) => {
    const p = linearProblem(seed, 0.3);
    const norm = norm64(p.c);
    expect(norm).toBeGreaterThan(1); // √(35+7+21+3)·0.3 ≈ 2.4
    for (const maxNorm of [0.01, 0.5, 1]) {
      const got = evaluated([clipByGlobalNorm({ maxNorm })], p);
      expect(got[4]).toBeNull(); // the unused variable stays without gradient
      const expected = p.c.map((x) => Float64Array.from(x, (v) => (v * maxNorm) / norm));
      const present = got.slice(0, 4) as Float32Array[];
      expect(relativeMaxError(present, expected)).toBeLessThan(1e-6);
      expect(Math.abs(norm64(present) / maxNorm - 1)).toBeLessThan(1e-6);
    }
    p.dispose();
  });

  it('below the limit (and exactly at it) the gradient is the unclipped one, bit for bit', () => {
    const p = linearProblem(4, 0.3);
    const unclipped = evaluated([], p);
    const norm = norm64(p.c);
    for (const maxNorm of [norm * 1.001, 1e30, Math.fround(norm) * 2]) {
      const got = evaluated([clipByGlobalNorm({ maxNorm })], p);
      expect(got[4]).toBeNull();
      expect(bits(got.slice(0, 4) as Float32Array[])).toEqual(bits(unclipped.slice(0, 4) as Float32Array[]));
    }
    expect(bits(unclipped.slice(0, 4) as Float32Array[])).toEqual(bits(p.c));
    p.dispose();
  });

  it('a zero gradient stays zero (no NaN from 0/0)', () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const opt = withPlugins(tf.train.sgd(1), clipByGlobalNorm({ maxNorm: 1 }));
    const r = opt.step(() => tf.mul(tf.sum(v), 0) as tf.Scalar, [v]);
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    expect(r.diagnostics).toMatchObject({ 'clipByGlobalNorm/gradNorm': 0, 'clipByGlobalNorm/clipped': 0 });
    tf.dispose(v);
    opt.dispose();
  });

  it('records gradNorm ‖g‖ before clipping and clipped 1/0, and follows a maxNorm schedule', () => {
    const p = linearProblem(5, 0.3);
    const norm = norm64(p.c);
    // Step 0 unclipped (maxNorm 1e30), step 1 clipped to 0.5. With SGD(1) from θ = 0, θ = −Σ steps.
    const opt = withPlugins(
      tf.train.sgd(1),
      clipByGlobalNorm({ maxNorm: step({ values: [1e30, 0.5], boundaries: [1] }) }),
    );
    const first = opt.step(p.loss, p.variables);
    expect(bits(read(p.variables.slice(0, 4)))).toEqual(bits(p.c.map((x) => x.map((v) => -v))));
    const second = opt.step(p.loss, p.variables);
    expect(first.diagnostics['clipByGlobalNorm/clipped']).toBe(0);
    expect(second.diagnostics['clipByGlobalNorm/clipped']).toBe(1);
    for (const r of [first, second]) {
      expect(Math.abs(r.diagnostics['clipByGlobalNorm/gradNorm'] / norm - 1)).toBeLessThan(1e-6);
    }
    const expected = p.c.map((x) => Float64Array.from(x, (v) => -v - (v * 0.5) / norm));
    expect(relativeMaxError(read(p.variables.slice(0, 4)), expected)).toBeLessThan(1e-6);
    expect(Array.from(p.variables[4].dataSync())).toEqual([1, 1]);
    p.dispose();
    opt.dispose();
  });

  it('non-finite gradients stay non-finite; a finite gradient whose Σg² overflows becomes zero', () => {
    const v = tf.variable(tf.tensor1d([0, 0, 0]));
    const run = (c: number[]) => {
      const opt = withPlugins(tf.train.sgd(1), clipByGlobalNorm({ maxNorm: 1 }), { nonFinite: 'ignore' });
      const { value, grads } = opt.computeGradients(
        () => tf.sum(tf.mul(tf.tensor1d(c), v)) as tf.Scalar,
        [v],
      );
      const out = Array.from(grads[v.name].dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      opt.dispose();
      return out;
    };
    expect(run([1, Infinity, 2]).some((x) => !Number.isFinite(x))).toBe(true);
    expect(run([1, NaN, 2]).some((x) => Number.isNaN(x))).toBe(true);
    // ‖g‖² = 3e40 overflows float32: optax and torch give zeros here too (TF gives NaN).
    expect(run([1e20, 1e20, 1e20])).toEqual([0, 0, 0]);
    tf.dispose(v);
  });
});

describe('clipByGlobalNorm in half precision (cpu made to report 16-bit floats: the plumbing)', () => {
  beforeAll(() => tf.setBackend('cpu'));
  afterEach(() => vi.restoreAllMocks());

  it('takes the norm without overflow (s·‖g/s‖), so Σg² beyond float32 still clips to maxNorm', () => {
    vi.spyOn(tf.backend(), 'floatPrecision').mockReturnValue(16);
    const v = tf.variable(tf.tensor1d([0, 0, 0]));
    const opt = withPlugins(tf.train.sgd(1), clipByGlobalNorm({ maxNorm: 2 }));
    const gradient = (c: number[]) => {
      const { value, grads } = opt.computeGradients(
        () => tf.sum(tf.mul(tf.tensor1d(c), v)) as tf.Scalar,
        [v],
      );
      const out = Float32Array.from(grads[v.name].dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const big = gradient([1e20, -2e20, 2e20]); // ‖g‖ = 3e20, Σg² = 9e40 overflows float32
    [1, -2, 2].forEach((c, i) => expect(Math.abs(big[i] / ((2 * c) / 3) - 1)).toBeLessThan(1e-6));
    const small = Float32Array.from([0.1, -0.2, 0.3]);
    expect(bits([gradient(Array.from(small))])).toEqual(bits([small]));
    tf.dispose(v);
    opt.dispose();
  });
});

describe('clipByValue: every entry into [−limit, limit]', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it.each([1, 2])(
    'random gradient lists (seed %i): exactly min(max(g, −l), l), and no diagnostic',
    (seed) => {
      const p = linearProblem(seed, 0.3);
      for (const limit of [0.1, 0.25, 0.5]) {
        const got = evaluated([clipByValue({ limit })], p);
        expect(got[4]).toBeNull();
        // Clipping rounds nothing: each entry is g or ±limit (limit is a float32 here), bit for bit.
        const expected = p.c.map((x) => x.map((v) => Math.min(Math.max(v, -limit), limit)));
        expect(bits(got.slice(0, 4) as Float32Array[])).toEqual(bits(expected));
        const entries = p.c.flatMap((x) => Array.from(x));
        const above = entries.filter((v) => Math.abs(v) > limit).length;
        expect(above).toBeGreaterThan(0);
        expect(above).toBeLessThan(entries.length);
        const opt = withPlugins(tf.train.sgd(0), clipByValue({ limit }));
        const r = opt.step(p.loss, p.variables);
        expect(Object.keys(r.diagnostics)).toEqual([]);
        opt.dispose();
      }
      p.dispose();
    },
  );

  it('inside the range the gradient passes bit for bit', () => {
    const p = linearProblem(3, 0.3);
    const got = evaluated([clipByValue({ limit: 1e30 })], p);
    expect(bits(got.slice(0, 4) as Float32Array[])).toEqual(bits(p.c));
    p.dispose();
  });

  // wasm's ClipByValue maps NaN to the limit: there the smallest variable's gradient carries it.
  it.each([
    ['cpu', [NaN, 1, -0.5], [1]],
    ['wasm', [-1, 1, -0.5], [NaN]],
  ] as const)(
    '%s: a NaN entry leaves the gradient non-finite; ±∞ is clipped to ±limit',
    async (backend, big, small) => {
      await tf.setBackend(backend);
      const run = (bad: number) => {
        const b = tf.variable(tf.zeros([3]));
        const s = tf.variable(tf.zeros([1]));
        const opt = withPlugins(tf.train.sgd(1), clipByValue({ limit: 1 }), { nonFinite: 'ignore' });
        const loss = () =>
          tf.add(tf.sum(tf.mul(tf.tensor1d([bad, 3, -0.5]), b)), tf.sum(tf.mul(2, s))) as tf.Scalar;
        const { value, grads } = opt.computeGradients(loss, [b, s]);
        const out = [Array.from(grads[b.name].dataSync()), Array.from(grads[s.name].dataSync())];
        tf.dispose([value, ...Object.values(grads), b, s]);
        opt.dispose();
        return out;
      };
      try {
        expect(run(NaN)).toEqual([big, small]);
        expect(run(Infinity)).toEqual([[1, 1, -0.5], [1]]);
        expect(run(-Infinity)).toEqual([[-1, 1, -0.5], [1]]);
      } finally {
        await tf.setBackend('cpu');
      }
    },
  );
});

describe('bad input: a FlatoptError naming the option, the value and the range', () => {
  const range = 'must be a finite number > 0 or a schedule (constant, linear, cosine, step, join, follow)';
  it.each([
    [0, 'must be a finite number > 0; got 0.'],
    [-1, 'must be a finite number > 0; got -1.'],
    [NaN, 'must be a finite number > 0; got NaN.'],
    [Infinity, 'must be a finite number > 0; got Infinity.'],
  ])('maxNorm / limit %s', (value, tail) => {
    expect(message(() => clipByGlobalNorm({ maxNorm: value }))).toBe(
      `clipByGlobalNorm: option 'maxNorm' ${tail}`,
    );
    expect(message(() => clipByValue({ limit: value }))).toBe(`clipByValue: option 'limit' ${tail}`);
  });

  it('a string, a schedule reaching 0, a missing or unknown option', () => {
    expect(message(() => clipByGlobalNorm({ maxNorm: '1' as never }))).toBe(
      `clipByGlobalNorm: option 'maxNorm' ${range}; got "1".`,
    );
    expect(message(() => clipByValue({ limit: linear({ from: 1, to: 0, steps: 10 }) }))).toBe(
      "clipByValue: option 'limit' is a 'linear' schedule that reaches 0; every value must be a finite number > 0.",
    );
    expect(message(() => clipByGlobalNorm({} as never))).toBe(
      "clipByGlobalNorm: option 'maxNorm' is required: the largest global gradient norm, a finite number > 0 or a schedule, e.g. clipByGlobalNorm({ maxNorm: 1 }).",
    );
    expect(message(() => clipByValue(undefined as never))).toBe(
      "clipByValue: option 'limit' is required: the largest magnitude of a gradient entry, a finite number > 0 or a schedule, e.g. clipByValue({ limit: 1 }).",
    );
    expect(message(() => clipByGlobalNorm({ maxNorm: 1, clipNorm: 1 } as never))).toBe(
      "clipByGlobalNorm: unknown option 'clipNorm'; allowed options are 'maxNorm', 'name'.",
    );
    expect(message(() => clipByValue({ limit: 1, max: 1 } as never))).toBe(
      "clipByValue: unknown option 'max'; allowed options are 'limit', 'name'.",
    );
  });

  it('is refused before any optimizer or weight is touched', () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const inner = tf.train.adam(0.1);
    expect(() =>
      withPlugins(inner, clipByGlobalNorm({ maxNorm: -1 })).minimize(() => tf.sum(tf.square(v)) as tf.Scalar),
    ).toThrow(/maxNorm/);
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    expect(inner.iterations).toBe(0);
    tf.dispose(v);
    inner.dispose();
  });
});

describe('no tensor leaks', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it.each([
    ['outside SAM', () => [clipByGlobalNorm({ maxNorm: 0.1 }), clipByValue({ limit: 0.01 }), sam()]],
    ['inside SAM', () => [sam(), clipByGlobalNorm({ maxNorm: 0.1 }), clipByValue({ limit: 0.01 })]],
  ])('%s: minimize, step, computeGradients + applyGradients', (_name, make) => {
    const p = linearProblem(7, 0.3);
    const loss = () => tf.tidy(() => tf.add(p.loss(), tf.sum(tf.square(p.variables[0]))) as tf.Scalar);
    const opt = withPlugins(tf.train.adam(0.01), ...(make() as Plugin[]));
    const cycle = () => {
      opt.minimize(loss);
      opt.step(loss);
      const { value, grads } = opt.computeGradients(loss);
      opt.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    };
    cycle(); // the first step creates the optimizer's state
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) cycle();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    p.dispose();
  });
});

describe('model.fit with a clipped stack', () => {
  beforeAll(() => tf.setBackend('cpu'));

  const model = (optimizer: tf.Optimizer) => smallModel(optimizer, 3);
  const data = () => {
    const x = tf.tensor2d(normals(32 * 4, 11), [32, 4]);
    const y = tf.tidy(() => tf.sum(tf.sin(x), 1, true));
    return { x, y };
  };

  it('trains: the loss decreases over a few epochs (clip outside SAM, value clip inside)', async () => {
    const { x, y } = data();
    const m = model(
      withPlugins(
        tf.train.sgd(0.1),
        clipByGlobalNorm({ maxNorm: 1 }),
        sam({ rho: 0.05 }),
        clipByValue({ limit: 0.5 }),
      ),
    );
    const history = await m.fit(x, y, { epochs: 8, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    losses.slice(1).forEach((l, i) => expect(l).toBeLessThan(losses[i]));
    expect(losses[7]).toBeLessThan(0.8 * losses[0]);
    m.optimizer.dispose();
    m.dispose();
    tf.dispose([x, y]);
  });

  it('clips: with SGD(η) and a maxNorm far below ‖g‖, each epoch moves the weights by η·maxNorm', async () => {
    const { x, y } = data();
    const [lr, maxNorm] = [1, 0.01];
    const m = model(withPlugins(tf.train.sgd(lr), clipByGlobalNorm({ maxNorm })));
    const gradNorm = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.losses.meanSquaredError(y, m.predict(x) as tf.Tensor) as tf.Scalar,
        m.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      return norm64(read(Object.values(grads)));
    });
    expect(gradNorm).toBeGreaterThan(100 * maxNorm);
    for (let epoch = 0; epoch < 3; epoch++) {
      const before = read(m.getWeights());
      await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      const after = read(m.getWeights());
      const moved = norm64(after.map((a, i) => Float64Array.from(a, (v, j) => v - before[i][j])));
      // Each weight is rounded to float32 once: |error| ≤ ½ulp per entry, ulp ≤ 2⁻²³·max|w|.
      const count = after.reduce((n, a) => n + a.length, 0);
      const maxW = Math.max(...after.map((a) => Math.max(...Array.from(a, Math.abs))));
      const bound = 0.5 * 2 ** -23 * maxW * Math.sqrt(count);
      expect(Math.abs(moved - lr * maxNorm)).toBeLessThanOrEqual(bound + 1e-6 * lr * maxNorm);
    }
    m.optimizer.dispose();
    m.dispose();
    tf.dispose([x, y]);
  });
});

describe('kernel cost of a step (minimize, no report read)', () => {
  beforeAll(() => tf.setBackend('cpu'));
  const kernels = (plugins: () => Plugin[]) =>
    problemStepKernels((p) => {
      const opt = withPlugins(tf.train.sgd(0.1), ...plugins());
      return () => opt.minimize(p.loss, false, p.variables);
    });
  const bare = () => kernels(() => []);

  it('clipByGlobalNorm: the norm (Square, Sum per variable, AddN, Sqrt), Maximum, RealDiv, a Multiply per variable', () => {
    expect(
      kernelDifference(
        kernels(() => [clipByGlobalNorm({ maxNorm: 0.1 })]),
        bare(),
      ),
    ).toEqual({
      Multiply: 4,
      Square: 4,
      Sum: 4,
      AddN: 1,
      Maximum: 1,
      RealDiv: 1,
      Sqrt: 1,
    });
  });

  it('clipByValue: a ClipByValue per variable (cpu: no finite verdict needed)', () => {
    expect(
      kernelDifference(
        kernels(() => [clipByValue({ limit: 0.01 })]),
        bare(),
      ),
    ).toEqual({ ClipByValue: 4 });
  });
});
