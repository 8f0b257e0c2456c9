import { METHODS } from './methods';
import type { MethodSummary } from './summary';
import {
  axesSvg,
  escapeXml,
  legendSvg,
  linearAxis,
  logAxis,
  PALETTE,
  projector,
  svgDocument,
  type Frame,
  type LegendEntry,
} from './svg';

/** A method's colour and dash, fixed by its place in METHODS so that it is the same in every run. */
export function styleOf(method: string): LegendEntry & { dash: string } {
  const i = METHODS.findIndex((m) => m.key === method);
  const dashed = method.endsWith('-flood'); // the two stacks
  return {
    name: METHODS[i]?.label ?? method,
    color: PALETTE[(i < 0 ? METHODS.length : i) % PALETTE.length],
    dashed,
    dash: dashed ? ' stroke-dasharray="5 3"' : '',
  };
}

const LEGEND_COLUMNS = 4;
const legendHeight = (n: number) => 18 * Math.ceil(n / LEGEND_COLUMNS) + 10;

function curvePanel(
  summaries: readonly MethodSummary[],
  frame: Frame,
  value: 'trainLoss' | 'testAccuracy',
): string[] {
  const points = summaries.flatMap((s) => s.curve);
  const xAxis = linearAxis([0, ...points.map((p) => p.step)]);
  const ys = points.flatMap((p) =>
    value === 'trainLoss'
      ? [p.trainLoss]
      : [100 * (p.testAccuracy - p.testAccuracySd), 100 * (p.testAccuracy + p.testAccuracySd)],
  );
  const yAxis = value === 'trainLoss' ? logAxis(ys) : linearAxis(ys);
  const at = projector(frame, xAxis, yAxis);
  const labels =
    value === 'trainLoss'
      ? { title: 'training loss (minibatch mean, log scale)', x: 'step', y: 'cross-entropy' }
      : { title: 'test accuracy', x: 'step', y: 'accuracy (%)' };
  // Test accuracy gets a band of ± one sd over seeds under its mean line.
  const bands =
    value === 'testAccuracy'
      ? summaries.map((s) => {
          const edge = (k: number) =>
            s.curve.map((p) => `${at.x(p.step)},${at.y(100 * (p.testAccuracy + k * p.testAccuracySd))}`);
          const outline = [...edge(1), ...edge(-1).reverse()].join(' ');
          return `<polygon class="band" data-method="${escapeXml(s.method)}" points="${outline}" fill="${styleOf(s.method).color}" fill-opacity="0.15" stroke="none"/>`;
        })
      : [];
  const lines = summaries.map((s) => {
    const style = styleOf(s.method);
    const coords = s.curve
      .map((p) => `${at.x(p.step)},${at.y(value === 'trainLoss' ? p.trainLoss : 100 * p.testAccuracy)}`)
      .join(' ');
    return `<polyline class="series" data-method="${escapeXml(s.method)}" data-panel="${value}" points="${coords}" fill="none" stroke="${style.color}" stroke-width="1.8"${style.dash}/>`;
  });
  return [...axesSvg(frame, xAxis, yAxis, labels), ...bands, ...lines];
}

/**
 * Learning curves, mean over seeds: training loss (log scale) and test accuracy against the step,
 * one line per method in each panel, the accuracy with a band of ± one sd over seeds; one legend.
 */
export function curvesSvg(summaries: readonly MethodSummary[], subtitle: string): string {
  const [width, top, panelHeight] = [1000, 72, 320];
  const height = top + panelHeight + 56 + legendHeight(summaries.length);
  const frame = (x: number): Frame => ({ x, y: top, w: 400, h: panelHeight });
  return svgDocument(width, height, 'MNIST digits: learning curves (mean over seeds; band: ± one sd)', [
    `<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`,
    ...curvePanel(summaries, frame(80), 'trainLoss'),
    ...curvePanel(summaries, frame(570), 'testAccuracy'),
    ...legendSvg(
      summaries.map((s) => styleOf(s.method)),
      80,
      top + panelHeight + 62,
      LEGEND_COLUMNS,
      230,
    ),
  ]);
}

/** A method's point: a dot at `at` with a horizontal bar over `xBar` and a vertical one over `yBar`. */
function pointSvg(
  method: string,
  tip: string,
  color: string,
  [x, y]: readonly [number, number],
  [x0, x1]: readonly number[],
  [y0, y1]: readonly number[],
): string {
  return [
    `<g class="point" data-method="${escapeXml(method)}"><title>${escapeXml(tip)}</title>`,
    `<line x1="${x}" x2="${x}" y1="${y0}" y2="${y1}" stroke="${color}" stroke-width="1.5"/>`,
    `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="1.5"/>`,
    `<circle cx="${x}" cy="${y}" r="5" fill="${color}" stroke="#fff"/>`,
    '</g>',
  ].join('');
}

/**
 * Test accuracy against step cost, one point per method: the mean over seeds with a vertical bar
 * of ± one sd, and a horizontal bar over the quartiles of the per-round time ratios.
 */
export function costSvg(summaries: readonly MethodSummary[], subtitle: string): string {
  const timed = summaries.filter((s) => s.timing);
  const [width, top] = [900, 72];
  const frame: Frame = { x: 90, y: top, w: 760, h: 400 };
  const xAxis = linearAxis([1, ...timed.flatMap((s) => [s.timing!.q1, s.timing!.q3])]);
  const yAxis = linearAxis(
    timed.flatMap((s) => [-1, 1].map((k) => 100 * (s.testAccuracy.mean + k * s.testAccuracy.sd))),
  );
  const at = projector(frame, xAxis, yAxis);
  const points = timed.map((s) => {
    const { color } = styleOf(s.method);
    const [x, y] = [at.x(s.timing!.ratio), at.y(100 * s.testAccuracy.mean)];
    const [yLo, yHi] = [-1, 1].map((k) => at.y(100 * (s.testAccuracy.mean + k * s.testAccuracy.sd)));
    const tip = `${s.label}: ${(100 * s.testAccuracy.mean).toFixed(2)}% ± ${(100 * s.testAccuracy.sd).toFixed(2)}, ${s.timing!.ratio.toFixed(2)}× Adam`;
    return pointSvg(s.method, tip, color, [x, y], [at.x(s.timing!.q1), at.x(s.timing!.q3)], [yLo, yHi]);
  });
  const labels = {
    title: '',
    x: 'step time relative to Adam (median per-round ratio; bar: quartiles)',
    y: 'test accuracy (%), mean ± sd',
  };
  const height = top + frame.h + 56 + legendHeight(timed.length);
  return svgDocument(width, height, 'MNIST digits: test accuracy vs step cost', [
    `<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`,
    ...axesSvg(frame, xAxis, yAxis, labels),
    ...points,
    ...legendSvg(
      timed.map((s) => ({ ...styleOf(s.method), dashed: false })),
      90,
      top + frame.h + 62,
      LEGEND_COLUMNS,
      210,
    ),
  ]);
}

/** One configuration's methods, for a panel of `sharpnessSvg`. */
export interface SharpnessPanel {
  readonly title: string;
  readonly summaries: readonly MethodSummary[];
}

function sharpnessPanel(panel: SharpnessPanel, frame: Frame): string[] {
  const { summaries } = panel;
  const span = (m: { mean: number; sd: number }, scale = 1) => [
    scale * (m.mean - m.sd),
    scale * (m.mean + m.sd),
  ];
  const xAxis = linearAxis([0, ...summaries.flatMap((s) => span(s.topEigenvalue))]);
  const yAxis = linearAxis(summaries.flatMap((s) => span(s.testAccuracy, 100)));
  const at = projector(frame, xAxis, yAxis);
  const points = summaries.map((s) => {
    const { color } = styleOf(s.method);
    const [x, y] = [at.x(s.topEigenvalue.mean), at.y(100 * s.testAccuracy.mean)];
    const [x0, x1] = span(s.topEigenvalue).map(at.x);
    const [y0, y1] = span(s.testAccuracy, 100).map(at.y);
    const tip = `${s.label}: λ_max ${s.topEigenvalue.mean.toPrecision(3)} ± ${s.topEigenvalue.sd.toPrecision(2)}, test ${(100 * s.testAccuracy.mean).toFixed(1)}% ± ${(100 * s.testAccuracy.sd).toFixed(1)}`;
    return pointSvg(s.method, tip, color, [x, y], [x0, x1], [y0, y1]);
  });
  const labels = {
    title: panel.title,
    x: 'top Hessian eigenvalue λ_max at the end',
    y: 'final test accuracy (%)',
  };
  return [...axesSvg(frame, xAxis, yAxis, labels), ...points];
}

/**
 * Final test accuracy against sharpness (λ_max of the training loss after the last step), one
 * panel per configuration, one point per method: means over seeds with bars of ± one sd on both.
 */
export function sharpnessSvg(panels: readonly SharpnessPanel[], subtitle: string): string {
  const [panelWidth, top, panelHeight] = [400, 72, 320];
  const width = 90 + panels.length * (panelWidth + 90);
  const methods = [...new Map(panels.flatMap((p) => p.summaries).map((s) => [s.method, s])).values()];
  const height = top + panelHeight + 56 + legendHeight(methods.length);
  return svgDocument(width, height, 'MNIST digits: test accuracy vs sharpness', [
    `<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`,
    ...panels.flatMap((p, i) =>
      sharpnessPanel(p, { x: 90 + i * (panelWidth + 90), y: top, w: panelWidth, h: panelHeight }),
    ),
    ...legendSvg(
      methods.map((s) => ({ ...styleOf(s.method), dashed: false })),
      90,
      top + panelHeight + 62,
      LEGEND_COLUMNS,
      210,
    ),
  ]);
}
