import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle does this import for you).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasm from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Tried in this order; the first that initializes runs the page. */
export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

// The wasm binaries are bundled as assets (no download from a CDN at run time).
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasm,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/**
 * Starts the first backend of `order` that initializes (WebGL needs a GPU or SwiftShader, wasm
 * needs WebAssembly) and says which one runs. `?backend=wasm` in the URL puts one first.
 */
export async function startBackend(preferred?: string | null): Promise<BackendName> {
  const order = [...BACKENDS].sort((a, b) => Number(b === preferred) - Number(a === preferred));
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available here: try the next one
    }
  }
  throw new Error(`no TensorFlow.js backend started (tried ${order.join(', ')})`);
}
