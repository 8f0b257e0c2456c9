import * as tf from '@tensorflow/tfjs-core';
import {
  filterNormalizedDirection,
  lossSlice1d,
  lossSlice2d,
  type LossSlice1d,
  type LossSlice2d,
} from '@flatopt/implicit-gr';
import type { Column } from './train';
import type { Split } from './task';

/** One column's slices of its training loss around its final weights (Li et al. 2018). */
export interface Landscape {
  readonly column: string;
  readonly line: LossSlice1d;
  readonly plane: LossSlice2d;
  /** Milliseconds the 1-D and the 2-D slice took (each one forward pass per point, one read). */
  readonly ms: { readonly line: number; readonly plane: number };
}

export interface LandscapeOptions {
  /** Half-width of the window in filter-normalized units (default 1). */
  readonly range?: number;
  /** Grid points per axis (default 21). */
  readonly points?: number;
  /** Seeds of the two directions, the same for every column (default 1 and 2). */
  readonly seeds?: readonly [number, number];
}

/**
 * The 1-D slice along d₁ and the 2-D slice over (d₁, d₂), with d₁, d₂ random directions
 * normalized filter by filter to each column's own weights, so columns with weights of
 * different scales are compared at the same relative distance (the reason Li et al. introduced
 * filter normalization). The weights come back bit for bit (the slices restore them).
 */
export function landscapeOf(column: Column, split: Split, options: LandscapeOptions = {}): Landscape {
  const { range = 1, points = 21, seeds = [1, 2] } = options;
  const variables = column.model.variables;
  const loss = () => column.model.loss(split.x, split.oneHot);
  const d1 = filterNormalizedDirection(variables, { seed: seeds[0] });
  const d2 = filterNormalizedDirection(variables, { seed: seeds[1] });
  try {
    const t0 = performance.now();
    const line = lossSlice1d(loss, variables, { direction: d1, range, points });
    const t1 = performance.now();
    const plane = lossSlice2d(loss, variables, { directions: [d1, d2], range, points });
    const t2 = performance.now();
    return { column: column.name, line, plane, ms: { line: t1 - t0, plane: t2 - t1 } };
  } finally {
    tf.dispose([...d1, ...d2]);
  }
}

/** [min, max] of every landscape's plane and line: one colour scale for all columns. */
export function sharedDomain(landscapes: readonly Landscape[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of landscapes) {
    for (const v of [...l.line.loss, ...l.plane.loss.flat()]) {
      if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
  }
  if (!(lo <= hi)) throw new Error('no finite loss value in the landscapes');
  return [lo, hi];
}
