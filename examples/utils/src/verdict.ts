import jStat from 'jstat';

/** How a method compares with the baseline over the same seeds. */
export interface Comparison {
  /** Mean over seeds of (method − baseline), and its sample standard deviation. */
  readonly meanDifference: number;
  readonly sdDifference: number;
  readonly seeds: number;
  /** Paired t statistic and its two-sided p-value (NaN when it cannot be computed). */
  readonly t: number;
  readonly p: number;
  /** 'better' or 'worse' when p < alpha, else 'tie'; 'n/a' with fewer than 2 seeds. */
  readonly verdict: 'better' | 'worse' | 'tie' | 'n/a';
}

/** The significance level of every verdict the demo prints. */
export const ALPHA = 0.05;

/**
 * Paired two-sided t-test of `method` against `baseline`, both indexed by seed. Every method
 * trains from the same seeds (same initial weights and minibatch order), so the per-seed
 * differences cancel the seed's own luck. That is why the test is paired rather than Welch's.
 * t = mean(d)/(sd(d)/√n) with n − 1 degrees of freedom. Zero spread with a nonzero mean gives
 * |t| = ∞ and p = 0; zero spread and zero mean gives a tie.
 */
export function pairedComparison(
  method: readonly number[],
  baseline: readonly number[],
  alpha = ALPHA,
): Comparison {
  if (method.length !== baseline.length) {
    throw new RangeError(
      `paired comparison needs one value per seed on both sides; got ${method.length} and ${baseline.length}`,
    );
  }
  const d = method.map((x, i) => x - baseline[i]);
  const n = d.length;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { meanDifference: mean, sdDifference: NaN, seeds: n, t: NaN, p: NaN, verdict: 'n/a' };
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const t = sd === 0 ? (mean === 0 ? 0 : Math.sign(mean) * Infinity) : mean / (sd / Math.sqrt(n));
  const p = Number.isFinite(t) ? 2 * jStat.studentt.cdf(-Math.abs(t), n - 1) : 0;
  const verdict = p < alpha ? (mean > 0 ? 'better' : 'worse') : 'tie';
  return { meanDifference: mean, sdDifference: sd, seeds: n, t, p, verdict };
}

/** "+6.0 ± 0.4 pts, p 0.003 (paired t, 3 seeds): better" for accuracies in [0, 1]. */
export function formatComparison(c: Comparison): string {
  if (c.verdict === 'n/a') return 'one seed: no verdict';
  const sign = c.meanDifference >= 0 ? '+' : '−';
  const diff = `${sign}${Math.abs(100 * c.meanDifference).toFixed(1)} ± ${(100 * c.sdDifference).toFixed(1)} pts`;
  const p = c.p < 0.001 ? '< 0.001' : c.p.toFixed(3);
  const word = c.verdict === 'tie' ? 'within the seed spread' : c.verdict;
  return `${diff}, p ${p} (paired t, ${c.seeds} seeds): ${word}`;
}
