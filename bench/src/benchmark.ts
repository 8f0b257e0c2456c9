import { UsageError } from './usage-error';
import { leakNotes, limitNotes, type BackendRun, type BenchmarkReport } from './report';
import type { RunResult } from './runner';

export interface BenchmarkSettings {
  /** Untimed rounds first. */
  readonly warmup: number;
  /** Timed rounds; every variant gets this many samples. */
  readonly samples: number;
}

/** What one benchmark produced on one backend. */
export interface BackendOutcome {
  readonly result: RunResult;
  /** The benchmark's own findings for this backend (cross-checks), each prefixed with the backend. */
  readonly notes: readonly string[];
}

/**
 * One benchmark: a set of variants run interleaved on each backend, written to
 * `results/<name>.json` and `results/<name>.md`.
 */
export interface Benchmark {
  /** Selects it on the command line (`--benchmark name`) and names its result files. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /**
   * Why the benchmark cannot run on `backend` (e.g. a kernel the backend lacks), or undefined when
   * it can. `runBenchmark` skips such a backend and says why in a note. Absent: runs everywhere.
   */
  unsupported?(backend: string): string | undefined;
  /** Runs the variants interleaved on `backend`, which is already active and ready. */
  run(backend: string, settings: BenchmarkSettings): Promise<BackendOutcome>;
  /** Findings across all backends, appended after the per-backend notes (e.g. comparisons of variants). */
  conclude?(runs: readonly BackendRun[]): string[];
}

/**
 * The benchmarks named in `names` (all of `registry` when absent), in the order given. An unknown
 * name is an error that lists the known ones.
 */
export function selectBenchmarks(
  registry: readonly Benchmark[],
  names: readonly string[] | undefined,
): Benchmark[] {
  if (names === undefined) return [...registry];
  const unknown = names.filter((n) => !registry.some((b) => b.name === n));
  if (unknown.length > 0) {
    const quoted = unknown.map((n) => `'${n}'`).join(', ');
    const known = registry.map((b) => b.name).join(', ');
    throw new UsageError(
      `unknown benchmark${unknown.length > 1 ? 's' : ''} ${quoted}; known benchmarks: ${known}`,
    );
  }
  return names.map((n) => registry.find((b) => b.name === n)!);
}

export interface SuiteOptions extends BenchmarkSettings {
  readonly backends: readonly string[];
  /** Makes `backend` the active one (e.g. `tf.setBackend` + `tf.ready`); throws when it cannot. */
  readonly useBackend: (backend: string) => Promise<void>;
  readonly environment: BenchmarkReport['environment'];
  /** Timestamp of the report; defaults to now. */
  readonly createdAt?: () => string;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/**
 * Runs one benchmark on every backend in turn and assembles its report. Notes, in order: for each
 * backend the benchmark's own, then one verdict per variant that declared a limit, then tensor
 * growth during timed steps (or, for a backend the benchmark does not support, why it was
 * skipped); then the benchmark's cross-backend conclusions.
 */
export async function runBenchmark(benchmark: Benchmark, options: SuiteOptions): Promise<BenchmarkReport> {
  const runs: BackendRun[] = [];
  const notes: string[] = [];
  for (const backend of options.backends) {
    const reason = benchmark.unsupported?.(backend);
    if (reason !== undefined) {
      options.log?.(`${benchmark.name} on ${backend}: skipped (${reason})`);
      notes.push(`${backend}: skipped: ${reason}`);
      continue;
    }
    await options.useBackend(backend);
    options.log?.(
      `${benchmark.name} on ${backend}: ${options.warmup} warm-up + ${options.samples} samples per variant ...`,
    );
    const outcome = await benchmark.run(backend, { warmup: options.warmup, samples: options.samples });
    const run: BackendRun = { backend, result: outcome.result };
    runs.push(run);
    notes.push(...outcome.notes, ...limitNotes(run), ...leakNotes(run));
  }
  notes.push(...(benchmark.conclude?.(runs) ?? []));
  return {
    benchmark: benchmark.name,
    title: benchmark.title,
    description: benchmark.description,
    createdAt: options.createdAt?.() ?? new Date().toISOString(),
    environment: options.environment,
    runs,
    notes,
  };
}
