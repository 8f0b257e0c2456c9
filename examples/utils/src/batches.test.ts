import { describe, expect, it } from 'vitest';
import { epochOrder, minibatch } from './batches';

describe('epochOrder', () => {
  it('is a permutation, fixed by (seed, epoch), different for another seed or epoch', () => {
    const a = epochOrder(100, 1, 0);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(epochOrder(100, 1, 0)).toEqual(a);
    expect(epochOrder(100, 2, 0)).not.toEqual(a);
    expect(epochOrder(100, 1, 1)).not.toEqual(a);
    expect(a.slice(0, 10)).not.toEqual(Int32Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('minibatch', () => {
  it('cuts whole batches and refuses one past the end', () => {
    const order = Int32Array.from([5, 3, 1, 0, 2, 4, 6]);
    expect([...minibatch(order, 0, 3)]).toEqual([5, 3, 1]);
    expect([...minibatch(order, 1, 3)]).toEqual([0, 2, 4]);
    expect(() => minibatch(order, 2, 3)).toThrow('minibatch 2 of size 3 is outside an epoch of 7');
  });
});
