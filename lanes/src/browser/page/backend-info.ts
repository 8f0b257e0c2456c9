/** What the page's tfjs backend actually is: the numbers a lane report should name. Runs in the browser. */
import * as tf from '@tensorflow/tfjs-core';
import { tl } from '@flatopt/core';

export interface BackendInfo {
  backend: string;
  flags: Record<string, unknown>;
  renderer: string | null;
  /** What tfjs' `floatPrecision()` says, and what flatopt concludes (`tl.halfPrecision()`). */
  floatPrecision: number;
  halfPrecision: boolean;
}

const WEBGL_FLAGS = ['WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_ENABLED', 'WEBGL_RENDER_FLOAT32_CAPABLE'];

function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

export async function backendInfo(name: string): Promise<BackendInfo> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  const flags = Object.fromEntries((name === 'webgl' ? WEBGL_FLAGS : []).map((f) => [f, tf.env().get(f)]));
  return {
    backend: tf.getBackend(),
    flags,
    renderer: name === 'webgl' ? webglRenderer() : null,
    floatPrecision: tf.backend().floatPrecision(),
    halfPrecision: tl.halfPrecision(),
  };
}
