import * as tf from '@tensorflow/tfjs-core';
import type { StepProfile } from './runner';

/**
 * Runs one step under `tf.profile` and returns its memory: `peakBytes` is tfjs' own (the highest
 * process-wide tensor bytes after any kernel of the step), `startBytes` the bytes before it. For
 * `RunOptions.profile`; never inside a timed region (profiling reads every kernel's output).
 */
export async function profileStep(run: () => Promise<void>): Promise<StepProfile> {
  const startBytes = tf.memory().numBytes;
  const info = await tf.profile(run);
  return {
    // A step that ran no kernel has no snapshot (tfjs reports -Infinity); its peak is where it started.
    peakBytes: Number.isFinite(info.peakBytes) ? info.peakBytes : startBytes,
    startBytes,
    newBytes: info.newBytes,
    newTensors: info.newTensors,
  };
}
