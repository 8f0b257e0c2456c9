/**
 * The interactive picture of Barrett & Dherin's Figure 1 (see ./data.ts for the maths): a
 * learning-rate slider and an Observable Plot figure of GD, the gradient flow and the modified
 * flow over the loss surface.
 */
import * as Plot from '@observablehq/plot';
import type { Point2 } from '@flatopt/implicit-gr';
import {
  checkLearningRate,
  IGR_PICTURE_DEFAULTS,
  igrLearningRateRange,
  igrPictureData,
  LOSS_FLOOR,
  squaredNorm,
  type IgrPictureData,
  type IgrPictureOptions,
  type Interval,
  type SurfacePoint,
} from './data';

const COLORS = {
  flow: '#1f5fbf',
  modified: '#e08a00',
  gd: '#c0182a',
  minima: '#2b2b2b',
} as const;

const LABELS = {
  flow: 'gradient flow θ̇ = −∇E',
  modified: 'modified flow θ̇ = −∇Ẽ, Ẽ = E + (h/4)‖∇E‖²',
  gd: 'gradient descent, step h',
  minima: 'minima a·b = y/x',
} as const;

export interface IgrPictureHandle {
  /** Moves the slider and redraws; throws a RangeError outside the allowed range. */
  setLearningRate(h: number): void;
  /** Removes everything this call added to `root`. */
  dispose(): void;
}

export interface IgrMountOptions extends IgrPictureOptions {
  /** Default 0.04 (the example's h_M). */
  readonly initialLearningRate?: number;
}

const xy = { x: (p: Point2) => p[0], y: (p: Point2) => p[1] };
const logLoss = (s: SurfacePoint) => Math.log10(Math.max(s.loss, LOSS_FLOOR));

const inset = ([lo, hi]: Interval, cells: number): Interval => {
  const cell = (hi - lo) / cells;
  return [lo + cell, hi - cell];
};

/** The figure for one `igrPictureData` result. */
function figure(
  data: IgrPictureData,
  options: IgrPictureOptions,
  doc: Document,
): SVGSVGElement | HTMLElement {
  const { window: w, grid } = data;
  // One sample per cell centre, so no interpolation is needed (nor the Delaunay it would build).
  const cells = { x1: w.a[0], x2: w.a[1], y1: w.b[0], y2: w.b[1], width: grid, height: grid };
  const area = { x: 'a', y: 'b', ...cells, interpolate: 'none' } as const;
  const x = options.x ?? IGR_PICTURE_DEFAULTS.x;
  const y = options.y ?? IGR_PICTURE_DEFAULTS.y;
  return Plot.plot({
    document: doc,
    width: 640,
    aspectRatio: 1,
    // Inset by a cell and clipped: marching squares bevels the corners of the outermost cells.
    clip: true,
    x: { domain: inset(w.a, grid), label: 'a' },
    y: { domain: inset(w.b, grid), label: 'b' },
    color: { type: 'linear', range: ['#fbfbfd', '#8d93aa'], legend: true, label: 'log₁₀ E' },
    caption:
      `E(a, b) = ½(y − abx)², x = ${x}, y = ${y}; h = ${data.learningRate.toFixed(4)}, ` +
      `t = ${data.time.toFixed(2)}. GD follows the modified flow more closely than the gradient ` +
      `flow, and both end on a flatter minimum (smaller a² + b²) of the hyperbola; ○ marks the ` +
      `flattest one, a = b.`,
    marks: [
      // One filled contour (bands + level lines) is half the cost of a raster under a contour.
      Plot.contour(data.surface, { ...area, value: logLoss, fill: 'value', stroke: 'white' }),
      ...data.minima.map((branch) =>
        Plot.line(branch, { ...xy, stroke: COLORS.minima, strokeDasharray: '5,4', strokeWidth: 1.2 }),
      ),
      ...data.runs.flatMap((run) => [
        Plot.line(run.flow, { ...xy, stroke: COLORS.flow, strokeWidth: 2 }),
        Plot.line(run.modified, { ...xy, stroke: COLORS.modified, strokeWidth: 2, strokeDasharray: '6,3' }),
        Plot.line(run.gd, { ...xy, stroke: COLORS.gd, strokeWidth: 0.8, strokeOpacity: 0.6 }),
        Plot.dot(run.gd, { ...xy, fill: COLORS.gd, r: 1.8 }),
        Plot.dot([run.start], { ...xy, stroke: 'black', fill: 'white', r: 4, symbol: 'square' }),
      ]),
      Plot.dot([data.flattest], { ...xy, stroke: 'black', r: 5, strokeWidth: 1.5 }),
    ],
  });
}

/** The swatch legend of the four series (the plot's own legend is the loss ramp). */
function seriesLegend(): SVGSVGElement | HTMLElement {
  const keys = ['gd', 'modified', 'flow', 'minima'] as const;
  return Plot.legend({
    color: { type: 'ordinal', domain: keys.map((k) => LABELS[k]), range: keys.map((k) => COLORS[k]) },
    legend: 'swatches',
  });
}

/** "a² + b² at t = …" for every start: the paper's point is GD < modified flow < flow. */
function summary(data: IgrPictureData): string {
  const f = (v: number) => v.toFixed(4);
  const lines = data.runs.map(
    (r) =>
      `from (${r.start.join(', ')}): GD ${f(r.final.gd)}, modified flow ${f(r.final.modified)}, ` +
      `gradient flow ${f(r.final.flow)}`,
  );
  const flattest = f(squaredNorm(data.flattest));
  return `a² + b² at t = ${data.time.toFixed(2)} (smaller is flatter; the flattest minimum has ${flattest}) — ${lines.join('; ')}.`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  return Object.assign(doc.createElement(tag), props);
}

/**
 * A learning-rate slider (`#igr-lr`, with a numeric readout) and the figure, appended to `root`,
 * redrawn on every slider input. After each draw `root.dataset.igrPoints` is the number of GD
 * points drawn (summed over the starts).
 */
export function mountIgrPicture(root: HTMLElement, options: IgrMountOptions = {}): IgrPictureHandle {
  const { initialLearningRate = IGR_PICTURE_DEFAULTS.learningRate, ...pictureOptions } = options;
  const doc = root.ownerDocument;
  const [, max] = igrLearningRateRange(pictureOptions);
  // The slider starts at the example's h_S: below it GD, both flows and thousands of dots coincide.
  const range: Interval = [Math.min(IGR_PICTURE_DEFAULTS.sliderMin, max), max];
  const check = (h: number) => checkLearningRate(h, range, 'mountIgrPicture', "the slider's range");
  check(initialLearningRate);
  const section = element(doc, 'section', { className: 'igr-picture' });
  const controls = element(doc, 'div', { className: 'igr-controls' });
  const label = element(doc, 'label', { htmlFor: 'igr-lr', textContent: 'learning rate h ' });
  const slider = element(doc, 'input', { type: 'range', id: 'igr-lr', step: '0.001' });
  [slider.min, slider.max] = range.map(String);
  const readout = element(doc, 'output', { id: 'igr-lr-value' });
  readout.htmlFor.add('igr-lr');
  const plotHost = element(doc, 'div', { className: 'igr-figure' });
  const text = element(doc, 'p', { className: 'igr-summary' });
  controls.append(label, slider, readout);
  section.append(controls, seriesLegend(), plotHost, text);
  root.append(section);

  const draw = (h: number) => {
    const data = igrPictureData(h, pictureOptions);
    // h as a fraction of the smallest start's limit, the one that bounds the slider.
    const limit = Math.min(...data.runs.map((r) => r.stabilityLimit));
    readout.value = `${h.toFixed(4)} (${(h / limit).toFixed(2)} × 2/(x²(a₀² + b₀²)))`;
    plotHost.replaceChildren(figure(data, pictureOptions, doc));
    text.textContent = summary(data);
    root.dataset.igrPoints = String(data.runs.reduce((n, run) => n + run.gd.length, 0));
  };
  const onInput = () => draw(slider.valueAsNumber);
  const setLearningRate = (h: number) => {
    check(h);
    // The slider snaps to its step; the picture uses h itself.
    slider.value = String(h);
    draw(h);
  };
  setLearningRate(initialLearningRate);
  slider.addEventListener('input', onInput);
  return {
    setLearningRate,
    dispose() {
      slider.removeEventListener('input', onInput);
      section.remove();
      delete root.dataset.igrPoints;
    },
  };
}
