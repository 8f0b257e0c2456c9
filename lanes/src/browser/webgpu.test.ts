/**
 * Browser lane, item 6: WebGPU in headless Chromium on SwiftShader's Vulkan. First the facts (an
 * adapter, tfjs' webgpu backend, one Adam step); when they hold, a reduced set of the WebGL
 * checks: blocking reads for the bare Adam and two subjects, and one NaN check. When WebGPU does
 * not work here, every test skips with what the page observed.
 *
 * Order matters: a blocking read on this WebGPU returns zeros and loses the device for the rest
 * of the page, so the harness reads asynchronously, and `step()` (which may read once) is not run.
 */
import { expect, it, type TestContext } from 'vitest';
import { WEBGPU_FLAGS } from './flags';
import { checkNanUnderThrow } from './nan-checks';
import { BARE, checkReads, describeReads, readCases } from './read-cases';
import { describeBrowser, usePage } from './use-page';
import type { WebGpuFacts } from './page/webgpu-probe';

/** Why WebGPU cannot be tested here, or null when it can. */
function notWorking(f: WebGpuFacts): string | null {
  if (!f.hasNavigatorGpu) return `navigator.gpu is missing (secure context: ${f.secureContext})`;
  if (!f.adapter) return `no WebGPU adapter: ${f.adapterError}`;
  if (!f.setBackend) return `tf.setBackend('webgpu') failed: ${f.setBackendError ?? 'returned false'}`;
  if (!f.losses) return `an Adam step on webgpu failed: ${f.stepError}`;
  return null;
}

describeBrowser('webgpu', () => {
  const page = usePage('webgpu', WEBGPU_FLAGS);
  let facts: Promise<WebGpuFacts> | undefined;
  /** The facts, once per file; skips the calling test when WebGPU does not work. */
  const requireWebGpu = async (ctx: TestContext): Promise<WebGpuFacts> => {
    facts ??= page().call<WebGpuFacts>('webgpuFacts', false);
    const f = await facts;
    const reason = notWorking(f);
    if (reason) ctx.skip(`WebGPU does not work in this Chromium: ${reason}`);
    return f;
  };

  it('has an adapter, initializes tfjs-backend-webgpu and takes an Adam step (loss 5 → 4.42)', async (ctx) => {
    const f = await requireWebGpu(ctx);
    expect(f.adapter).toMatch(/vendor=\S+/);
    // One Adam step of lr 0.1 moves each weight by 0.1 against its gradient's sign: (1, −2) → (0.9, −1.9).
    expect(f.losses![0]).toBe(5);
    expect(f.losses![1]).toBeCloseTo(0.81 + 3.61, 5);
  });

  // The bare optimizer, one evaluate-stage plugin and one apply-stage (reparameterizing) plugin.
  const optimizers = [BARE, 'sam SAM', 'weightNorm'];
  for (const c of readCases(optimizers, ['minimize', 'stepAsync', 'fit'])) {
    it(describeReads(c), async (ctx) => {
      await requireWebGpu(ctx);
      await checkReads(page(), 'webgpu', c);
    });
  }

  it('withPlugins(adam, sam SAM) NaN loss, default policy: nothing changes, the error surfaces', async (ctx) => {
    await requireWebGpu(ctx);
    await checkNanUnderThrow(page(), 'webgpu', 'sam SAM');
  });

  // Last, and only on request: if it fails as it does today, the page's device is gone.
  it.runIf(process.env.FLATOPT_WEBGPU_READSYNC === '1')(
    'a blocking read (dataSync) returns the values and leaves the device working',
    async (ctx) => {
      await requireWebGpu(ctx);
      const f = await page().call<WebGpuFacts>('webgpuFacts', true);
      expect(f.readSync).toBe('returned [1, 4, 9]');
      expect(f.afterReadSync).toBe('returned [16, 25]');
    },
  );
});
