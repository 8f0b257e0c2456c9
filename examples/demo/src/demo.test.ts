import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { formatResults, runDemo } from './demo';

describe('the demo, at a tiny size', () => {
  it('trains both methods, reports 1 and 2 gradient evaluations per step and a finite loss', () => {
    const lines: string[] = [];
    const results = runDemo({ steps: 4, batch: 16, trainPerDigit: 8, testPerDigit: 4, logEvery: 2 }, (s) =>
      lines.push(s),
    );
    expect(results.map((r) => r.gradientEvaluationsPerStep)).toEqual([1, 2]);
    for (const r of results) {
      expect(Number.isFinite(r.finalLoss)).toBe(true);
      expect(r.finalLoss).toBeGreaterThan(0);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
    }
    expect(lines[0]).toBe('MNIST digits: 80 train, 40 test; 4 steps of batch 16\n');
    expect(lines.filter((l) => l.includes('ascentStep/sharpness'))).toHaveLength(3);
    expect(formatResults(results).split('\n')).toHaveLength(3);
  });
});
