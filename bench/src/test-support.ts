/** For the benchmarks' tests (not a test itself): a quick run that must leave no tensor behind. */
import '@tensorflow/tfjs'; // registers the cpu backend
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { BackendOutcome, Benchmark, BenchmarkSettings } from './benchmark';

/**
 * Runs `bench` on the cpu backend and checks that nothing leaked: no tensor left after the run,
 * none gained by any variant over its timed steps, none left by its profiled step.
 */
export async function runWithoutLeaks(
  bench: Benchmark,
  settings: BenchmarkSettings,
): Promise<BackendOutcome> {
  await tf.setBackend('cpu');
  const tensors = tf.memory().numTensors;
  const outcome = await bench.run('cpu', settings);
  expect(tf.memory().numTensors).toBe(tensors);
  for (const v of outcome.result.variants) {
    expect([v.name, v.memory?.tensorDelta, v.profile?.newTensors]).toEqual([v.name, 0, 0]);
  }
  return outcome;
}
