import * as tf from '@tensorflow/tfjs-core';
import type { Mlp } from './model';
import type { Plane } from './task';

/** P(class 1) of a 2-D model on a resolution × resolution grid over the plane. */
export interface BoundaryGrid {
  readonly xs: number[];
  readonly ys: number[];
  /** Row-major, rows follow ys (ys[0] first). */
  readonly p: Float32Array;
}

const linspace = ([lo, hi]: readonly [number, number], n: number): number[] =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/** One forward pass over the grid, read without blocking. */
export async function boundaryGrid(model: Mlp, plane: Plane, resolution = 48): Promise<BoundaryGrid> {
  const xs = linspace(plane.x, resolution);
  const ys = linspace(plane.y, resolution);
  const points = new Float32Array(2 * resolution * resolution);
  ys.forEach((y, i) =>
    xs.forEach((x, j) => {
      points[2 * (i * resolution + j)] = x;
      points[2 * (i * resolution + j) + 1] = y;
    }),
  );
  const p = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d(points, [resolution * resolution, 2]));
    return tf.reshape(tf.slice(tf.softmax(logits), [0, 1], [-1, 1]), [-1]);
  });
  const values = (await p.data()) as Float32Array;
  p.dispose();
  return { xs, ys, p: values };
}
