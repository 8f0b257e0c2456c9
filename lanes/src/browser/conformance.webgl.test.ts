/**
 * Browser lane, item 1: the conformance kit for every subject of every plugin on WebGL
 * (SwiftShader), with Adam (see WEBGL_KIT). One vitest test per case, named in Node, run in the page.
 */
import { expect, it } from 'vitest';
import { WEBGL_FLAGS } from './flags';
import { planCases, WEBGL_KIT } from './plan';
import { describeBrowser, usePage } from './use-page';
import type { BackendInfo } from './page/backend-info';

describeBrowser('conformance kit on webgl', () => {
  const page = usePage('webgl', WEBGL_FLAGS);

  it('runs on WebGL 2 with float32 render targets', async () => {
    const info = await page().call<BackendInfo>('backendInfo', 'webgl');
    expect(info.backend).toBe('webgl');
    expect(info.flags).toEqual({
      WEBGL_VERSION: 2,
      WEBGL_RENDER_FLOAT32_ENABLED: true,
      WEBGL_RENDER_FLOAT32_CAPABLE: true,
    });
    // tfjs' floatPrecision() says 16 whenever float32 rendering is enabled (its check runs only
    // when it is not), so flatopt must not take its word on WebGL.
    expect(info.halfPrecision).toBe(false);
  });

  for (const c of planCases(WEBGL_KIT)) {
    (c.skip === undefined ? it : it.skip)(c.name, async () => {
      await page().call('runCase', WEBGL_KIT, c.name);
    });
  }
});
