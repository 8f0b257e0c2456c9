import { formatComparison, pairedComparison } from '@flatopt/example-utils';
import { VARIANTS } from './recipe';
import type { RunResult } from './train';

const pct = (x: number) => (100 * x).toFixed(1);

function meanSd(values: readonly number[]): string {
  const n = values.length;
  const m = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1)) : 0;
  return `${pct(m)} ± ${pct(sd)}`;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The results as a markdown table: test accuracy (mean ± sd over seeds), the last iterate's, the
 * paired comparison with the baseline (first variant) over the same seeds, and the cost per step.
 */
export function resultsTable(results: readonly RunResult[]): string {
  const of = (v: string) => results.filter((r) => r.variant === v).sort((a, b) => a.seed - b.seed);
  const base = of(VARIANTS[0]);
  const baseMs = median(base.map((r) => r.msPerStep));
  const rows = VARIANTS.map((v) => {
    const runs = of(v);
    const vs =
      v === VARIANTS[0]
        ? '–'
        : formatComparison(
            pairedComparison(
              runs.map((r) => r.testAccuracy),
              base.map((r) => r.testAccuracy),
            ),
          );
    const ms = median(runs.map((r) => r.msPerStep));
    return `| ${v} | ${meanSd(runs.map((r) => r.testAccuracy))} | ${meanSd(runs.map((r) => r.lastIterateAccuracy))} | ${vs} | ${runs[0].gradientEvaluations} | ${(ms / baseMs).toFixed(2)}× |`;
  });
  return [
    '| variant | test accuracy % | last iterate % | vs adam (test accuracy) | grad evals / step | step time vs adam |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}
