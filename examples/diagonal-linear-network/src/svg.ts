/**
 * A small dependency-free SVG bar chart: panels stacked vertically, each with grouped bars (one
 * group per category, one bar per series), a labelled y axis with gridlines, value labels, a
 * legend and an optional dashed reference line.
 */

export interface BarSeries {
  readonly name: string;
  readonly values: readonly number[];
  readonly color?: string;
}

export interface BarPanel {
  readonly title: string;
  readonly yLabel: string;
  /** One group of bars per category (the x axis). */
  readonly categories: readonly string[];
  /** One bar per series in every group; each series has one value per category. */
  readonly series: readonly BarSeries[];
  /** Lower end of the y axis (default 0). A nonzero start is stated in the panel title. */
  readonly yMin?: number;
  /** Upper end of the y axis (default: a round number above the largest value). */
  readonly yMax?: number;
  /** A horizontal dashed line, e.g. the initialization α. */
  readonly reference?: { readonly value: number; readonly label: string };
  /** Significant digits of the value labels (default 4). */
  readonly digits?: number;
}

export interface ChartOptions {
  readonly title?: string;
  /** Total width in px (default 960). */
  readonly width?: number;
  /** Height of each panel in px (default 340). */
  readonly panelHeight?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];
const MARGIN = { left: 80, right: 30, top: 56, bottom: 44 };
const TITLE_HEIGHT = 36;

export function barChartSvg(panels: readonly BarPanel[], options: ChartOptions = {}): string {
  const width = options.width ?? 960;
  const panelHeight = options.panelHeight ?? 340;
  const top = options.title ? TITLE_HEIGHT : 0;
  const height = top + panels.length * panelHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) {
    parts.push(
      `<text class="chart-title" x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  panels.forEach((panel, i) => parts.push(panelSvg(panel, top + i * panelHeight, width, panelHeight)));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function panelSvg(panel: BarPanel, y0: number, width: number, height: number): string {
  const { categories, series } = panel;
  series.forEach((s) => {
    if (s.values.length !== categories.length) {
      throw new Error(
        `barChartSvg: series '${s.name}' has ${s.values.length} values for ${categories.length} categories.`,
      );
    }
  });
  const values = series.flatMap((s) => s.values).filter(Number.isFinite);
  const yMin = panel.yMin ?? 0;
  const top = Math.max(...values, panel.reference?.value ?? -Infinity, yMin);
  const yMax = panel.yMax ?? niceTicks(yMin, top + (top - yMin) * 0.08, 6).at(-1)!;
  if (!(yMax > yMin))
    throw new Error(`barChartSvg: the y range [${yMin}, ${yMax}] of '${panel.title}' is empty.`);
  const plot = {
    x: MARGIN.left,
    y: y0 + MARGIN.top,
    w: width - MARGIN.left - MARGIN.right,
    h: height - MARGIN.top - MARGIN.bottom,
  };
  const yPos = (v: number) => plot.y + plot.h * (1 - (clamp(v, yMin, yMax) - yMin) / (yMax - yMin));
  const out: string[] = [`<g class="panel">`];
  const title = yMin !== 0 ? `${panel.title} (y axis starts at ${format(yMin, 4)})` : panel.title;
  out.push(
    `<text class="panel-title" x="${plot.x}" y="${y0 + 22}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  );
  // Gridlines and y ticks.
  for (const t of niceTicks(yMin, yMax, 6).filter((t) => t >= yMin - 1e-12 && t <= yMax + 1e-12)) {
    const y = r(yPos(t));
    out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text class="tick" x="${plot.x - 6}" y="${y + 4}" text-anchor="end">${format(t, 6)}</text>`);
  }
  // Axes.
  out.push(
    `<line x1="${plot.x}" x2="${plot.x}" y1="${plot.y}" y2="${plot.y + plot.h}" stroke="#333"/>`,
    `<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h}" stroke="#333"/>`,
  );
  const cy = plot.y + plot.h / 2;
  out.push(
    `<text class="y-label" x="${MARGIN.left - 58}" y="${r(cy)}" text-anchor="middle" transform="rotate(-90 ${MARGIN.left - 58} ${r(cy)})">${escapeXml(panel.yLabel)}</text>`,
  );
  // Bars, value labels, category labels.
  const groupWidth = plot.w / categories.length;
  const barWidth = (groupWidth * 0.78) / Math.max(series.length, 1);
  categories.forEach((category, c) => {
    const gx = plot.x + c * groupWidth + groupWidth * 0.11;
    series.forEach((s, k) => {
      const value = s.values[c];
      const x = gx + k * barWidth;
      const yTop = Number.isFinite(value) ? yPos(value) : yPos(yMin);
      const color = s.color ?? PALETTE[k % PALETTE.length];
      out.push(
        `<rect class="bar" data-series="${escapeXml(s.name)}" data-category="${escapeXml(category)}" data-value="${value}" x="${r(x)}" y="${r(yTop)}" width="${r(barWidth * 0.92)}" height="${r(plot.y + plot.h - yTop)}" fill="${color}"/>`,
        `<text class="value" x="${r(x + barWidth * 0.46)}" y="${r(yTop - 4)}" text-anchor="middle" font-size="10">${format(value, panel.digits ?? 4)}</text>`,
      );
    });
    out.push(
      `<text class="category" x="${r(plot.x + (c + 0.5) * groupWidth)}" y="${plot.y + plot.h + 18}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
  });
  if (panel.reference && panel.reference.value >= yMin && panel.reference.value <= yMax) {
    const y = r(yPos(panel.reference.value));
    out.push(
      `<line class="reference" x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text class="reference-label" x="${plot.x + plot.w - 4}" y="${y - 5}" text-anchor="end" fill="#555">${escapeXml(panel.reference.label)}</text>`,
    );
  }
  // Legend, top right above the plot.
  series.forEach((s, k) => {
    const x = plot.x + plot.w - (series.length - k) * 150;
    const y = y0 + 30;
    out.push(
      `<rect class="legend-swatch" x="${x}" y="${y}" width="12" height="12" fill="${s.color ?? PALETTE[k % PALETTE.length]}"/>`,
      `<text class="legend" x="${x + 17}" y="${y + 10}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** Round tick values (steps of 1, 2 or 5 × 10^k) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(count - 1, 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step * (1 - 1e-9); t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function format(v: number, digits: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function r(v: number): number {
  return Math.round(v * 10) / 10;
}
