import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { profileStep } from './profile';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('profileStep', () => {
  it("reports tf.profile's peak over the bytes at the start, and what the step left behind", async () => {
    const kept: tf.Tensor[] = [];
    const profile = await profileStep(async () => {
      tf.tidy(() => {
        const big = tf.ones([1000]); // 4000 bytes, freed by the tidy
        kept.push(tf.keep(tf.sum(tf.mul(big, 2)))); // 4 bytes, kept
      });
    });
    try {
      expect(profile.startBytes).toBeGreaterThanOrEqual(0);
      expect(profile.peakBytes - profile.startBytes).toBeGreaterThanOrEqual(8000); // ones and the product
      expect(profile.newTensors).toBe(1);
      expect(profile.newBytes).toBe(4);
    } finally {
      tf.dispose(kept);
    }
  });

  it('says a step that ran no kernel peaked where it started (tfjs would say -Infinity)', async () => {
    const profile = await profileStep(async () => {});
    expect(profile).toEqual({
      peakBytes: profile.startBytes,
      startBytes: tf.memory().numBytes,
      newBytes: 0,
      newTensors: 0,
    });
  });
});
