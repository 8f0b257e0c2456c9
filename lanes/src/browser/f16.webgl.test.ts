/**
 * Browser lane, item 7: WebGL with float16 render targets, as on GPUs without float32 rendering.
 * A smaller part of the kit (adam, leak check of 20 steps); whether each plugin still has an
 * effect; SAM and weight normalization where float16 norms would overflow or vanish; and the
 * error a finite-difference perturbation below float16's resolution (~1e-3 relative) gets.
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceOptions } from '@flatopt/core/testing';
import { WEBGL_FLAGS } from './flags';
import { ALL_SUBJECTS, planCases } from './plan';
import { browserSkipped, usePage } from './use-page';
import type { BackendInfo } from './page/backend-info';
import type { Effect } from './page/effect';
import type { AscentFigures } from './page/precision';

const F16_KIT: ConformanceOptions = { backends: ['webgl'], optimizers: ['adam'], leakSteps: 20 };

/**
 * Every subject but those that change no update by design: the IGR monitors, which only observe,
 * and gradient accumulation alone, which on one repeated batch applies that batch's gradient.
 */
const EFFECT_SUBJECTS = ALL_SUBJECTS.filter(
  ({ pkg, subject }) =>
    !(pkg === 'implicit-gr' && subject.name.startsWith('igrMonitor')) &&
    !(pkg === 'transforms' && subject.name === 'accumulate'),
).map(({ subject }) => subject.name);

describe.skipIf(browserSkipped)('webgl with float16 textures', () => {
  const page = usePage('webgl-f16', WEBGL_FLAGS);

  it('renders to float16 textures', async () => {
    const info = await page().call<BackendInfo>('backendInfo', 'webgl');
    expect(info.flags).toMatchObject({
      WEBGL_RENDER_FLOAT32_ENABLED: false,
      WEBGL_RENDER_FLOAT32_CAPABLE: false,
    });
    expect(info.floatPrecision).toBe(16);
    expect(info.halfPrecision).toBe(true);
  });

  for (const name of EFFECT_SUBJECTS) {
    it(`${name}: one SGD step is finite and, where float32 (cpu) differs from plain SGD, so does float16`, async () => {
      // The cpu backend in the same page is the float32 reference: flooding, for one, descends
      // exactly like SGD while the loss is above its level, so "no effect" is judged against it.
      const reference = await page().call<Effect>('pluginEffect', 'cpu', name);
      const e = await page().call<Effect>('pluginEffect', 'webgl', name);
      expect(e.finite).toBe(true);
      expect(e.moved.differing, 'weights the plugged step changed').toBeGreaterThan(0);
      const why = `float16 max |plugged − SGD| ${e.maxDifference}, float32 ${reference.maxDifference}`;
      expect(e.vsBare.differing > 0, why).toBe(reference.vsBare.differing > 0);
    });
  }

  // ‖g‖ from 1e-5 to 1e3 (‖g‖² from 1e-10 to 1e6): float16 holds 6.1e-5 to 65504.
  for (const factor of [1e-4, 1, 1e4]) {
    it(`sam: the ascent has radius ρ and float32's figures with the loss × ${factor}`, async () => {
      const reference = await page().call<AscentFigures>('samAscent', 'cpu', factor);
      const half = await page().call<AscentFigures>('samAscent', 'webgl', factor);
      expect(half.finite).toBe(true);
      expect(half.ascentNorm).toBeCloseTo(0.05, 3);
      expect(Math.abs(half.gradNorm / reference.gradNorm - 1)).toBeLessThan(2e-3);
      // The sharpness (~1e-2) is a difference of two losses: after dividing by the factor, float16's
      // rounding of each (~2⁻¹¹ of ~1.3) leaves ~2e-3 at every factor.
      expect(Math.abs(half.sharpness - reference.sharpness)).toBeLessThan(5e-3);
    });
  }

  it('weightNorm: weights with per-unit norms past float16’s 256 come back unchanged', async () => {
    expect(await page().call<number>('weightNormRoundTrip', 'cpu', 1000)).toBeLessThan(1e-6);
    // float16 rounds each entry to 2^-11 relative when it is stored, and w = g·v/‖v‖ rounds thrice.
    expect(await page().call<number>('weightNormRoundTrip', 'webgl', 1000)).toBeLessThan(4e-3);
  });

  for (const name of ['sam rho 1e-5', 'gradReg forward epsilon 1e-5']) {
    it(`${name}: a perturbation below float16's resolution is a clear error, not a silent no-op`, async () => {
      expect(await page().call<string | null>('tinyProbe', 'cpu', name)).toBeNull();
      const message = await page().call<string | null>('tinyProbe', 'webgl', name);
      expect(message).toMatch(
        /its finite-difference perturbation at iteration 0 was lost to half-precision rounding/,
      );
      expect(message).toContain('sam: rho; gradReg: epsilon');
    });
  }

  for (const c of planCases(F16_KIT)) {
    (c.skip === undefined ? it : it.skip)(c.name, async () => {
      await page().call('runCase', F16_KIT, c.name);
    });
  }
});
