import type { RunResult } from './runner';

/** One interleaved run on one backend. */
export interface BackendRun {
  readonly backend: string;
  readonly result: RunResult;
}

/** What a benchmark writes to `results/<benchmark>.json` and renders to `results/<benchmark>.md`. */
export interface BenchmarkReport {
  readonly benchmark: string;
  readonly title: string;
  readonly description: string;
  readonly createdAt: string;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly runs: readonly BackendRun[];
  /** Free-form findings printed under the table, e.g. correctness cross-checks. */
  readonly notes: readonly string[];
}

export const TABLE_HEADER = [
  'backend',
  'variant',
  'median ms',
  'IQR ms',
  'ratio of medians',
  'median per-round ratio',
  'peak tensors',
] as const;

export function toJson(report: BenchmarkReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const ms = (x: number) => x.toFixed(2);
const ratio = (x: number) => x.toFixed(3);
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** One row per (backend, variant), in run order, baseline included (its ratios are 1.000). */
export function toMarkdownTable(runs: readonly BackendRun[]): string {
  const lines = [row(TABLE_HEADER), row(['---', '---', '---:', '---:', '---:', '---:', '---:'])];
  for (const { backend, result } of runs) {
    for (const v of result.variants) {
      lines.push(
        row([
          backend,
          v.name === result.baseline ? `${v.name} (baseline)` : v.name,
          ms(v.ms.median),
          ms(v.ms.iqr),
          ratio(v.ratioOfMedians),
          ratio(v.roundRatio.median),
          v.memory ? String(v.memory.peakTensors) : '–',
        ]),
      );
    }
  }
  return lines.join('\n');
}

export function toMarkdown(report: BenchmarkReport): string {
  const settings = report.runs
    .map(({ backend, result: r }) => `${backend}: ${r.warmup} warm-up + ${r.samples} samples per variant`)
    .join('; ');
  const env = Object.entries(report.environment)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const parts = [
    `# ${report.title}`,
    report.description,
    toMarkdownTable(report.runs),
    `Interleaved rounds (${settings}). ${env}. ${report.createdAt}.`,
  ];
  if (report.notes.length > 0) parts.push(report.notes.map((n) => `- ${n}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}
