import { describe, expect, it } from 'vitest';
import { selectBenchmarks } from '../benchmark';
import { BENCHMARKS } from './index';

const ALL = [
  'core-overhead',
  'grad-reg',
  'sam-flooding',
  'weight-norm',
  'stacks',
  'conv-net',
  'hand-written-sam',
  'hand-written-gr',
  'igr-monitor',
  'averaging',
  'transforms',
];

describe('BENCHMARKS', () => {
  it('lists every benchmark, in run order, under unique names', () => {
    expect(BENCHMARKS.map((b) => b.name)).toEqual(ALL);
    for (const b of BENCHMARKS) {
      expect(b.title.length).toBeGreaterThan(0);
      expect(b.description.length).toBeGreaterThan(0);
      expect(b.name).toMatch(/^[a-z][a-z0-9-]*$/); // safe as a results/ file name
    }
  });

  it('is what --benchmark selects from', () => {
    expect(selectBenchmarks(BENCHMARKS, undefined).map((b) => b.name)).toEqual(ALL);
    expect(selectBenchmarks(BENCHMARKS, ['sam-flooding', 'grad-reg']).map((b) => b.name)).toEqual([
      'sam-flooding',
      'grad-reg',
    ]);
    expect(() => selectBenchmarks(BENCHMARKS, ['sam'])).toThrow(
      `unknown benchmark 'sam'; known benchmarks: ${ALL.join(', ')}`,
    );
  });
});
