import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { TFJS_NODE_DIR } from '../../../scripts/tfjs-node-load.mjs';
import { TFJS_NODE } from './load';

/** The real file `from` (a package.json) loads for `specifier`: one file is one module instance. */
function realFile(from: string, specifier: string): string {
  return realpathSync(createRequire(from).resolve(specifier));
}

const TFJS_NODE_PKG = `${TFJS_NODE_DIR}node_modules/@tensorflow/tfjs-node/package.json`;
const CORE_PKG = fileURLToPath(new URL('../../../packages/core/package.json', import.meta.url));

// pnpm tfjs-node links .tfjs-node's tfjs-core to the workspace's; if it did not, tfjs-node would
// register 'tensorflow' through a second tfjs-core and the plugins would use other Tensor classes.
describe.skipIf(!TFJS_NODE.available)('tfjs-node shares the plugins’ tfjs-core', () => {
  it('tfjs-node requires the same tfjs-core file as @flatopt/core', () => {
    const spec = '@tensorflow/tfjs-core';
    expect(realFile(TFJS_NODE_PKG, spec)).toBe(realFile(CORE_PKG, spec));
  });

  it("exports this tfjs-core's Tensor class and engine", () => {
    const tfn = createRequire(TFJS_NODE_PKG)('@tensorflow/tfjs-node') as typeof tf;
    expect(tfn.Tensor).toBe(tf.Tensor);
    expect(tfn.engine()).toBe(tf.engine());
  });

  it('runs a plugged step on tensorflow, with tensors of that one class', async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
    expect(tf.getBackend()).toBe('tensorflow');
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const product = tf.matMul(a, a);
    expect(Array.from(product.dataSync())).toEqual([7, 10, 15, 22]);
    // The tensorflow backend object is tfjs-node's (it holds the native binding), not cpu's.
    expect((tf.backend() as unknown as { binding?: unknown }).binding).toBeDefined();

    const w = tf.variable(tf.tensor1d([1, -2]));
    const loss = withPlugins(tf.train.sgd(0.5)).minimize(() => w.square().sum(), true, [w])!;
    // Strict class identity: Tensor's Symbol.hasInstance accepts any tensor-shaped object.
    expect(Object.getPrototypeOf(loss)).toBe(tf.Tensor.prototype);
    expect(loss.dataSync()[0]).toBe(5);
    expect(Array.from(w.dataSync())).toEqual([0, 0]); // w − 0.5 · 2w
    tf.dispose([a, product, w, loss]);
  });
});
