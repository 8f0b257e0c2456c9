/**
 * Minimal SVG helpers for the two charts, written as plain strings (no dependency): linear and
 * log10 scales with round ticks, a framed plot area with gridlines and axis labels, a legend.
 * (examples/diagonal-linear-network has a fuller chart module; examples do not import each other.)
 */

/** A colour per method (15): Tableau 10 with flooding black, then four more; the demo's default seven are far apart. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#222222',
  '#bab0ac',
  '#8cd17d',
  '#d37295',
  '#a0cbe8',
  '#ffbe7d',
];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One decimal place: short files, sub-pixel precision. */
export function px(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Round ticks (1, 2 or 5 × 10^k apart) from ≤ lo to ≥ hi, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(count - 1, 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw - 1e-12)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step + 1e-9) * step; t < hi + step - 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** An axis: its ticks, and where a value falls on it as a fraction 0..1 (log10 or linear). */
export interface Axis {
  readonly ticks: number[];
  fraction(v: number): number;
}

/** A linear axis over round ticks covering `values`. */
export function linearAxis(values: readonly number[], count = 6): Axis {
  const finite = values.filter(Number.isFinite);
  let [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const ticks = niceTicks(lo, hi, count);
  const [a, b] = [ticks[0], ticks.at(-1)!];
  return { ticks, fraction: (v) => (v - a) / (b - a) };
}

/** A log10 axis from the decade at or below the smallest positive value to the one above the largest. */
export function logAxis(values: readonly number[]): Axis {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.max(Math.ceil(Math.log10(Math.max(...positive))), lo + 1);
  const ticks = Array.from({ length: hi - lo + 1 }, (_, k) => 10 ** (lo + k));
  return { ticks, fraction: (v) => (Math.log10(v) - lo) / (hi - lo) };
}

/** A plot area in px. */
export interface Frame {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Maps data to px inside `frame`. */
export function projector(frame: Frame, xAxis: Axis, yAxis: Axis) {
  return {
    x: (v: number) => px(frame.x + frame.w * xAxis.fraction(v)),
    y: (v: number) => px(frame.y + frame.h * (1 - yAxis.fraction(v))),
  };
}

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** Title, gridlines, tick labels, the frame and the two axis labels of a plot area. */
export function axesSvg(
  frame: Frame,
  xAxis: Axis,
  yAxis: Axis,
  labels: { title: string; x: string; y: string },
): string[] {
  const at = projector(frame, xAxis, yAxis);
  const [right, bottom] = [frame.x + frame.w, frame.y + frame.h];
  const out = [
    `<text class="panel-title" x="${frame.x}" y="${frame.y - 12}" font-size="14" font-weight="bold">${escapeXml(labels.title)}</text>`,
  ];
  for (const t of yAxis.ticks) {
    out.push(
      `<line x1="${frame.x}" x2="${right}" y1="${at.y(t)}" y2="${at.y(t)}" stroke="#e6e6e6"/>`,
      `<text class="tick" x="${frame.x - 6}" y="${at.y(t) + 4}" text-anchor="end">${tickLabel(t)}</text>`,
    );
  }
  for (const t of xAxis.ticks) {
    out.push(
      `<line x1="${at.x(t)}" x2="${at.x(t)}" y1="${frame.y}" y2="${bottom}" stroke="#f0f0f0"/>`,
      `<text class="tick" x="${at.x(t)}" y="${bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`,
    );
  }
  const cy = px(frame.y + frame.h / 2);
  out.push(
    `<rect x="${frame.x}" y="${frame.y}" width="${frame.w}" height="${frame.h}" fill="none" stroke="#333"/>`,
    `<text class="axis-label" x="${px(frame.x + frame.w / 2)}" y="${bottom + 34}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
    `<text class="axis-label" x="${frame.x - 48}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${frame.x - 48} ${cy})">${escapeXml(labels.y)}</text>`,
  );
  return out;
}

export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
}

/** A legend in rows of `columns` entries, each `columnWidth` px wide, from (x, y). */
export function legendSvg(
  entries: readonly LegendEntry[],
  x: number,
  y: number,
  columns: number,
  columnWidth: number,
): string[] {
  return entries.flatMap((e, i) => {
    const [lx, ly] = [x + (i % columns) * columnWidth, y + Math.floor(i / columns) * 18];
    const dash = e.dashed ? ' stroke-dasharray="5 3"' : '';
    return [
      `<line class="legend-swatch" x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${e.color}" stroke-width="2.5"${dash}/>`,
      `<text class="legend" x="${lx + 28}" y="${ly + 4}">${escapeXml(e.name)}</text>`,
    ];
  });
}

/** The whole document: white background, then `body`. */
export function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="chart-title" x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
