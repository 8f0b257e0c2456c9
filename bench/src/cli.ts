import { parseArgs } from 'node:util';

export interface CliOptions {
  readonly warmup: number;
  readonly samples: number;
  readonly backends: readonly string[];
}

export const DEFAULTS: CliOptions = { warmup: 5, samples: 30, backends: ['wasm', 'cpu'] };
/** `--quick`: enough to smoke-test the pipeline, not to read ratios from. */
export const QUICK = { warmup: 2, samples: 5 } as const;

export const USAGE = 'usage: start [--samples N] [--warmup N] [--backends wasm,cpu] [--quick]';

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min) {
    throw new Error(`--${flag} must be an integer >= ${min}, got '${raw}'\n${USAGE}`);
  }
  return n;
}

/**
 * Parses the benchmark flags; explicit `--samples`/`--warmup` override `--quick`. A leading `--`
 * is skipped: pnpm passes it through verbatim in `pnpm start -- --quick`.
 */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    options: {
      samples: { type: 'string' },
      warmup: { type: 'string' },
      backends: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const base = values.quick ? QUICK : DEFAULTS;
  const backends =
    values.backends === undefined
      ? DEFAULTS.backends
      : values.backends
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '');
  if (backends.length === 0) throw new Error(`--backends needs at least one name, got '${values.backends}'`);
  return {
    warmup: integer('warmup', values.warmup, base.warmup, 0),
    samples: integer('samples', values.samples, base.samples, 1),
    backends,
  };
}
