import { describe, expect, it } from 'vitest';
import { mulberry32, uniformArray } from './prng';

describe('uniformArray', () => {
  it('maps the stream affinely onto [low, high)', () => {
    const xs = uniformArray(mulberry32(3), 5, -2, 2);
    const us = uniformArray(mulberry32(3), 5);
    expect(xs).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(xs[i]).toBeCloseTo(-2 + 4 * us[i], 6);
  });
});
