import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-node when the user installed it (flatopt never installs it: it downloads a native
 * library), else wasm, else the pure-JS cpu backend. Returns the name of the one that runs.
 */
export async function pickBackend(preferred?: string): Promise<string> {
  const candidates = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of candidates) {
    try {
      const tfjsNode = '@tensorflow/tfjs-node'; // a variable, so tsc and bundlers leave it optional
      if (name === 'tensorflow') await import(tfjsNode);
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
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
