import * as tf from '@tensorflow/tfjs-core';

/**
 * The fastest backend this machine has: tfjs-node when the user installed it (it downloads a
 * native library, so flatopt never installs it), then wasm, then the pure-JS cpu backend.
 */
export async function pickBackend(preferred?: string): Promise<string> {
  const candidates = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of candidates) {
    try {
      if (name === 'tensorflow') {
        const tfjsNode = '@tensorflow/tfjs-node'; // a variable, so bundlers and tsc leave it optional
        await import(tfjsNode);
      }
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (name === 'cpu') await import('@tensorflow/tfjs');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not installed or failed to initialise: try the next one
    }
  }
  throw new Error(`no usable tfjs backend among ${candidates.join(', ')}`);
}
