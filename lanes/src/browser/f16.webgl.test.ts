/**
 * Browser lane, item 7 (off by default; FLATOPT_F16=1 turns it on): WebGL with float16 render
 * targets, as on GPUs without float32 rendering. A smaller part of the kit (adam, leak check of 20
 * steps), and whether each plugin still has an effect: finite-difference methods perturb by
 * ε·g/‖g‖ or ε·g, which can vanish below float16's resolution (~1e-3 relative).
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceOptions } from '@flatopt/core/testing';
import { WEBGL_FLAGS } from './flags';
import { ALL_SUBJECTS, planCases } from './plan';
import { browserSkipped, usePage } from './use-page';
import type { BackendInfo } from './page/backend-info';
import type { Effect } from './page/effect';

const F16_KIT: ConformanceOptions = { backends: ['webgl'], optimizers: ['adam'], leakSteps: 20 };

/** Every subject but the IGR monitors, which only observe and so change no update by design. */
const EFFECT_SUBJECTS = ALL_SUBJECTS.filter(
  ({ pkg, subject }) => !(pkg === 'implicit-gr' && subject.name.startsWith('igrMonitor')),
).map(({ subject }) => subject.name);

describe.skipIf(browserSkipped || process.env.FLATOPT_F16 !== '1')('webgl with float16 textures', () => {
  const page = usePage('webgl-f16', WEBGL_FLAGS);

  it('renders to float16 textures', async () => {
    const info = await page().call<BackendInfo>('backendInfo', 'webgl');
    expect(info.flags).toMatchObject({
      WEBGL_RENDER_FLOAT32_ENABLED: false,
      WEBGL_RENDER_FLOAT32_CAPABLE: false,
    });
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

  for (const c of planCases(F16_KIT)) {
    it(c.name, async () => {
      await page().call('runCase', F16_KIT, c.name);
    });
  }
});
