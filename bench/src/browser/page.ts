/**
 * The bench page: runs benchmarks in headless Chromium on the webgl backend (or webgpu), with the
 * same interleaved protocol and code as in Node, and hands the reports back. Runs in the browser.
 */
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { expose } from '../../../lanes/src/browser/page/expose';
import { runBenchmark, selectBenchmarks } from '../benchmark';
import { BENCHMARKS } from '../benchmarks';
import type { BenchmarkReport } from '../report';

async function useBackend(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend)))
    throw new Error(`backend '${backend}' failed to initialise in the page`);
  await tf.ready();
}

/** What the page's GPU is, for the report's environment (SwiftShader on machines without one). */
function renderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL 2';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function run(
  backend: string,
  names: string[] | undefined,
  warmup: number,
  samples: number,
): Promise<BenchmarkReport[]> {
  tf.enableProdMode();
  const environment = { browser: navigator.userAgent, renderer: renderer(), 'tfjs-core': tf.version_core };
  const reports: BenchmarkReport[] = [];
  for (const benchmark of selectBenchmarks(BENCHMARKS, names)) {
    reports.push(
      await runBenchmark(benchmark, {
        backends: [backend],
        warmup,
        samples,
        useBackend,
        environment,
        log: (line) => console.log(line),
      }),
    );
  }
  return reports;
}

expose({ run });
