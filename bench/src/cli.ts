import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export { UsageError };

/** Whether `error` is a command-line mistake (ours or node:util parseArgs'), not a failure of the run. */
export function isUsageError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export interface CliOptions {
  readonly warmup: number;
  readonly samples: number;
  readonly backends: readonly string[];
  /** Benchmarks to run, in this order; absent means every registered benchmark. */
  readonly benchmarks?: readonly string[];
}

export const DEFAULTS: CliOptions = { warmup: 5, samples: 30, backends: ['wasm', 'cpu'] };
/** `--quick`: enough to smoke-test the pipeline, not to read ratios from. */
export const QUICK = { warmup: 2, samples: 5 } as const;

export const USAGE =
  'usage: start [--benchmark a,b] [--samples N] [--warmup N] [--backends wasm,cpu,tensorflow] [--quick]';

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got '${raw}'\n${USAGE}`);
  }
  return n;
}

/** Splits a comma-separated flag value into trimmed, non-empty, unique names (first occurrence wins). */
function list(flag: string, raw: string): string[] {
  const names = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (names.length === 0) throw new UsageError(`--${flag} needs at least one name, got '${raw}'\n${USAGE}`);
  return [...new Set(names)];
}

/**
 * Parses the benchmark flags; explicit `--samples`/`--warmup` override `--quick`. A leading `--`
 * is skipped: pnpm passes it through verbatim in `pnpm start -- --quick`. `--benchmark` names are
 * checked against the registry by `selectBenchmarks`, not here.
 */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    options: {
      samples: { type: 'string' },
      warmup: { type: 'string' },
      backends: { type: 'string' },
      benchmark: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const base = values.quick ? QUICK : DEFAULTS;
  return {
    warmup: integer('warmup', values.warmup, base.warmup, 0),
    samples: integer('samples', values.samples, base.samples, 1),
    backends: values.backends === undefined ? DEFAULTS.backends : list('backends', values.backends),
    ...(values.benchmark === undefined ? {} : { benchmarks: list('benchmark', values.benchmark) }),
  };
}
