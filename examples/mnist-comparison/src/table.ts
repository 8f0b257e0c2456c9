import { formatEvaluations, formatPercent, formatRatio } from './stats';
import type { MethodSummary } from './summary';
import type { Timing } from './timing';
import { formatComparison } from '@flatopt/example-utils';

interface Column {
  readonly header: string;
  readonly cell: (s: MethodSummary) => string;
}

const COLUMNS: readonly Column[] = [
  { header: 'method', cell: (s) => s.label },
  { header: 'final test %', cell: (s) => formatPercent(s.testAccuracy, 1) },
  { header: 'best test %', cell: (s) => formatPercent(s.bestTestAccuracy, 1) },
  { header: 'noisy labels fit %', cell: (s) => (s.memorized ? formatPercent(s.memorized, 1) : '–') },
  { header: 'λ_max', cell: (s) => s.topEigenvalue.mean.toPrecision(3) },
  { header: 'R_IG', cell: (s) => s.rIg.mean.toExponential(2) },
  { header: 'train loss', cell: (s) => s.finalTrainLoss.toFixed(3) },
  {
    header: 'grad evals/step',
    cell: (s) => formatEvaluations(s.evaluationsPerStep.gradient, s.evaluationsPerStep.doubleBackprop),
  },
  { header: 'step time', cell: (s) => (s.timing ? formatRatio(s.timing.ratio) : '–') },
];

/**
 * The results table of one configuration, one row per method: final and best test accuracy
 * (mean ± sd over seeds), under label noise the share of the changed labels the model
 * reproduces, λ_max and R_IG at the end (means over seeds), the final training loss (on the labels
 * trained on), gradient evaluations per step and step time relative to Adam. Below it, one verdict
 * line per method against Adam (a paired t-test over seeds), and how the step time was measured.
 * Columns are padded to line up in a terminal and read as Markdown.
 */
export function formatTable(summaries: readonly MethodSummary[], timing?: Timing): string {
  const rows = summaries.map((s) => COLUMNS.map((c) => c.cell(s)));
  const headers = COLUMNS.map((c) => c.header);
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const lines = [line(headers), rule, ...rows.map(line)];
  const verdicts = summaries.filter((s) => s.vsAdam);
  if (verdicts.length > 0) {
    lines.push('', 'final test accuracy vs Adam, same seeds:');
    for (const s of verdicts) lines.push(`  ${s.label}: ${formatComparison(s.vsAdam!)}`);
  }
  if (timing) {
    lines.push(
      '',
      `step time: median of ${timing.rounds} per-round ratios to Adam (interleaved, ${timing.warmup} warm-up rounds, ` +
        `batch ${timing.batch}); Adam's median step ${timing.baselineMedianMs.toFixed(2)} ms`,
    );
  }
  return lines.join('\n');
}
