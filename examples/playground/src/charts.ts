/**
 * Every picture of the playground, drawn with Observable Plot: each function takes plain
 * numbers and returns an element to put on the page.
 */
import * as Plot from '@observablehq/plot';
import type { Landscape } from './landscape';
import type { Plane } from './task';
import type { EvalRecord } from './train';

const WIDTH = 360;
const HEIGHT = 220;
/** Room for tick labels such as 0.0025 or 1.2e-4. */
const MARGIN_LEFT = 56;
/** Column A, column B: the same colours in every chart. */
const COLUMNS = { domain: ['A', 'B'], range: ['#1f77b4', '#d62728'], legend: true } as const;
/** What every chart with one line per column shares. */
const PER_COLUMN = { width: WIDTH, height: HEIGHT, marginLeft: MARGIN_LEFT, color: COLUMNS } as const;

/** Train (solid), test (dashed) and averaged-weights test (dotted) curves of both columns for one metric. */
export function curvesChart(records: readonly EvalRecord[], metric: 'loss' | 'accuracy'): Element {
  const DASH = { train: undefined, test: '4,3', averaged: '1,2' } as const;
  const line = (split: EvalRecord['split']) =>
    Plot.line(
      records.filter((r) => r.split === split),
      {
        x: 'step',
        y: metric,
        z: 'column',
        stroke: 'column',
        strokeDasharray: DASH[split],
      },
    );
  return Plot.plot({
    ...PER_COLUMN,
    x: { label: 'step' },
    y: {
      label: `${metric} (solid train, dashed test, dotted averaged)`,
      grid: true,
      ...(metric === 'accuracy' ? { domain: [0, 1] } : {}),
    },
    marks: [line('train'), line('test'), line('averaged')],
  });
}

/** A per-column series over steps (λ_max, R_IG). */
export function seriesChart(
  rows: ReadonlyArray<{ column: string; step: number; value: number }>,
  label: string,
): Element {
  return Plot.plot({
    ...PER_COLUMN,
    x: { label: 'step' },
    y: { label, grid: true },
    marks: [
      Plot.line(rows, { x: 'step', y: 'value', z: 'column', stroke: 'column' }),
      Plot.dot(rows, { x: 'step', y: 'value', fill: 'column', r: 2 }),
    ],
  });
}

/** Half a grid cell beyond the first and last grid values, so each raster pixel is centred on its point. */
function cellBounds(values: readonly number[]): [number, number] {
  const half = (values[values.length - 1] - values[0]) / (values.length - 1) / 2;
  return [values[0] - half, values[values.length - 1] + half];
}

/** P(class 1) over the plane, and the training points coloured by their (possibly noisy) label. */
export function boundaryChart(plane: Plane, grid: { xs: number[]; ys: number[]; p: Float32Array }): Element {
  const [x1, x2] = cellBounds(grid.xs);
  const [y1, y2] = cellBounds(grid.ys);
  return Plot.plot({
    width: WIDTH,
    height: WIDTH,
    x: { domain: plane.x, label: null },
    y: { domain: plane.y, label: null },
    color: { type: 'diverging', scheme: 'rdbu', domain: [0, 1], pivot: 0.5 },
    marks: [
      Plot.raster(Array.from(grid.p), {
        width: grid.xs.length,
        height: grid.ys.length,
        x1,
        x2,
        y1,
        y2,
        fill: (d: number) => d,
        opacity: 0.6,
      }),
      Plot.contour(Array.from(grid.p), {
        width: grid.xs.length,
        height: grid.ys.length,
        x1,
        x2,
        y1,
        y2,
        thresholds: [0.5],
        stroke: 'black',
      }),
      Plot.dot(plane.points, {
        x: 'x',
        y: 'y',
        fill: (d: { label: number }) => (d.label === 1 ? 1 : 0),
        stroke: 'white',
        strokeWidth: 0.5,
        r: 2.5,
      }),
    ],
  });
}

/** The 2-D slice as a heatmap with contours, on a colour scale shared by every column. */
export function planeChart(landscape: Landscape, domain: [number, number]): Element {
  const { a, b, loss } = landscape.plane;
  const [x1, x2] = cellBounds(a);
  const [y1, y2] = cellBounds(b);
  const values = loss.flat();
  const grid = { width: a.length, height: b.length, x1, x2, y1, y2 };
  return Plot.plot({
    width: WIDTH,
    height: WIDTH,
    x: { label: 'd₁ (filter-normalized)' },
    y: { label: 'd₂' },
    color: { type: 'log', domain, scheme: 'viridis', legend: true, label: 'loss' },
    marks: [
      Plot.raster(values, { ...grid, fill: (d: number) => d }),
      Plot.contour(values, { ...grid, stroke: 'white', strokeOpacity: 0.6, thresholds: 12 }),
      Plot.dot([[0, 0]], { fill: 'white', r: 3 }),
    ],
  });
}

/** Both columns' 1-D slices along their d₁, on one axis. */
export function lineChart(landscapes: readonly Landscape[]): Element {
  const rows = landscapes.flatMap((l) =>
    l.line.t.map((t, i) => ({ column: l.column, t, loss: l.line.loss[i] })),
  );
  return Plot.plot({
    ...PER_COLUMN,
    x: { label: 't along d₁ (filter-normalized)' },
    y: { label: 'training loss', type: 'log', grid: true },
    marks: [
      Plot.line(rows, { x: 't', y: 'loss', z: 'column', stroke: 'column' }),
      Plot.ruleX([0], { strokeOpacity: 0.3 }),
    ],
  });
}
