import {
  ratio as judgedRatio,
  roundRatioOf,
  type CountStats,
  type RunResult,
  type VariantResult,
  type WorkStats,
} from './runner';

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

/** The columns every table has. */
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

const DASH = '–';
const BYTES_PER_MB = 1e6;
const ms = (x: number) => x.toFixed(2);
const ratio = (x: number) => x.toFixed(3);
const mb = (bytes: number) => (bytes / BYTES_PER_MB).toFixed(2);
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** `2`; the mean and the range, `1.25 (1–2)`, when the steps differed (up to 2 decimals). */
export function formatCount({ min, max, mean }: CountStats): string {
  return min === max ? `${min}` : `${Number(mean.toFixed(2))} (${min}–${max})`;
}

/** `2`, `1.25 (1–2)` when the steps differed, and double-backprop evaluations as `+ 1 DB` (`1 DB` alone). */
export function formatWork(work: WorkStats | undefined): string {
  if (!work) return DASH;
  const { gradientEvaluations: g, doubleBackpropEvaluations: db } = work;
  const parts: string[] = [];
  if (g.max > 0 || db.max === 0) parts.push(formatCount(g));
  if (db.max > 0) parts.push(`${formatCount(db)} DB`);
  return parts.join(' + ');
}

interface Column {
  readonly header: string;
  readonly align: '---' | '---:';
  readonly cell: (v: VariantResult, baseline: boolean) => string;
}

const TIME_COLUMNS: readonly Column[] = [
  { header: 'median ms', align: '---:', cell: (v) => ms(v.ms.median) },
  { header: 'IQR ms', align: '---:', cell: (v) => ms(v.ms.iqr) },
];
const MEAN_MS: Column = { header: 'mean ms', align: '---:', cell: (v) => ms(v.ms.mean) };
const MEDIAN_RATIOS: readonly Column[] = [
  { header: 'ratio of medians', align: '---:', cell: (v) => ratio(v.ratioOfMedians) },
  { header: 'median per-round ratio', align: '---:', cell: (v) => ratio(v.roundRatio.median) },
];
const MEAN_RATIOS: readonly Column[] = [
  { header: 'ratio of means', align: '---:', cell: (v) => ratio(v.ratioOfMeans) },
  { header: 'mean per-round ratio', align: '---:', cell: (v) => ratio(v.roundRatio.mean) },
  { header: 'statistic', align: '---', cell: (v, baseline) => (baseline ? DASH : v.statistic) },
];
const WORK_COLUMN: Column = { header: 'grad evals / step', align: '---:', cell: (v) => formatWork(v.work) };
const LIMIT_COLUMNS: readonly Column[] = [
  { header: 'limit', align: '---:', cell: (v) => (v.limit === undefined ? DASH : v.limit.toFixed(2)) },
  {
    header: 'within limit',
    align: '---',
    cell: (v) => (v.withinLimit === undefined ? DASH : v.withinLimit ? 'yes' : 'NO'),
  },
];
const PEAK_TENSORS: Column = {
  header: 'peak tensors',
  align: '---:',
  cell: (v) => (v.memory ? String(v.memory.peakTensors) : DASH),
};
const PROFILE_COLUMNS: readonly Column[] = [
  { header: 'peak MB', align: '---:', cell: (v) => (v.profile ? mb(v.profile.peakBytes) : DASH) },
  {
    header: 'step peak MB',
    align: '---:',
    cell: (v) => (v.profile ? mb(v.profile.peakBytes - v.profile.startBytes) : DASH),
  },
  { header: 'new tensors', align: '---:', cell: (v) => (v.profile ? String(v.profile.newTensors) : DASH) },
];

/**
 * The columns for these runs: always the base ones; `grad evals / step` when a variant reported
 * its work; `mean ms`, the mean ratios and the `statistic` each variant is judged by when a variant
 * is judged by its mean; `limit` + `within limit` when a variant declared a limit; and the profiled
 * step's memory when a profiler ran. A benchmark without any of these renders as it always did.
 */
function columns(runs: readonly BackendRun[]): Column[] {
  const all = runs.flatMap((r) => r.result.variants);
  const some = (has: (v: VariantResult) => boolean) => all.some(has);
  const someMean = some((v) => v.statistic === 'mean');
  return [
    { header: 'backend', align: '---', cell: () => '' },
    {
      header: 'variant',
      align: '---',
      cell: (v, baseline) => (baseline ? `${v.name} (baseline)` : v.name),
    },
    ...(some((v) => v.work !== undefined) ? [WORK_COLUMN] : []),
    ...TIME_COLUMNS,
    ...(someMean ? [MEAN_MS] : []),
    ...MEDIAN_RATIOS,
    ...(someMean ? MEAN_RATIOS : []),
    ...(some((v) => v.limit !== undefined) ? LIMIT_COLUMNS : []),
    PEAK_TENSORS,
    ...(some((v) => v.profile !== undefined) ? PROFILE_COLUMNS : []),
  ];
}

/** The header cells of the table `toMarkdownTable(runs)` renders. */
export function tableHeader(runs: readonly BackendRun[]): string[] {
  return columns(runs).map((c) => c.header);
}

/** One row per (backend, variant), in run order, baseline included (its ratios are 1.000). */
export function toMarkdownTable(runs: readonly BackendRun[]): string {
  const cols = columns(runs);
  const lines = [row(cols.map((c) => c.header)), row(cols.map((c) => c.align))];
  for (const { backend, result } of runs) {
    for (const v of result.variants) {
      const cells = cols.map((c) => c.cell(v, v.name === result.baseline));
      cells[0] = backend;
      lines.push(row(cells));
    }
  }
  return lines.join('\n');
}

/**
 * One finding per variant that declared a limit: its ratio (of medians, or of means for a variant
 * judged by the mean) against the limit (the verdict), with the matching per-round ratio beside
 * it, flagged when the two ratios disagree on the verdict.
 */
export function limitNotes({ backend, result }: BackendRun): string[] {
  return result.variants.flatMap((v) => {
    if (v.limit === undefined) return [];
    const [r, perRound] = [judgedRatio(v), roundRatioOf(v)];
    const within = r <= v.limit;
    const verdict = within ? 'within the limit' : 'OVER the limit';
    const which = v.statistic === 'mean' ? 'mean' : 'median';
    const disagree =
      within === perRound <= v.limit
        ? ''
        : ` The ${which} per-round ratio ${ratio(perRound)} says the opposite: borderline, rerun with more samples.`;
    const basis =
      v.statistic === 'mean'
        ? `ratio of means${v.cycle ? ` over whole cycles of ${v.cycle} steps` : ''}; mean per-round ratio`
        : 'median per-round ratio';
    return [
      `${backend}: \`${v.name}\` costs ${ratio(r)}× \`${result.baseline}\` per step ` +
        `(${basis} ${ratio(perRound)}); limit ${v.limit.toFixed(2)}: ${verdict}.${disagree}`,
    ];
  });
}

/** One finding per variant whose timed steps changed the number of live tensors. */
export function leakNotes({ backend, result }: BackendRun): string[] {
  return result.variants.flatMap((v) =>
    v.memory && v.memory.tensorDelta !== 0
      ? [`${backend}: \`${v.name}\` changed numTensors by ${v.memory.tensorDelta} over its timed steps.`]
      : [],
  );
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
