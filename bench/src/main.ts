/**
 * Runs the benchmarks named by `--benchmark` (default: all, see `benchmarks/index.ts`), each on
 * every backend, and writes `results/<name>.json` and `results/<name>.md` per benchmark.
 *
 *   pnpm --filter @flatopt/bench start [--benchmark a,b] [--samples N] [--warmup N] [--backends wasm,cpu,tensorflow] [--quick]
 *
 * 'tensorflow' is tfjs-node, from .tfjs-node/ (`pnpm tfjs-node`), loaded only when asked for.
 */
import '@tensorflow/tfjs'; // registers the cpu backend
import '@tensorflow/tfjs-backend-wasm'; // registers the wasm backend
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { registerOptionalBackends } from './backends';
import { runBenchmark, selectBenchmarks } from './benchmark';
import { BENCHMARKS } from './benchmarks';
import { isUsageError, parseCli } from './cli';
import { toJson, toMarkdown } from './report';

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function useBackend(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' failed to initialise`);
  await tf.ready();
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const selected = selectBenchmarks(BENCHMARKS, cli.benchmarks);
  // Silences the cpu backend's Node.js banner. Not IS_TEST: that flag adds a leak check to every kernel.
  tf.enableProdMode();
  const optional = registerOptionalBackends(cli.backends); // tfjs-node for 'tensorflow'
  const environment = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.cpus().length,
    'tfjs-core': tf.version_core,
    ...optional,
  };

  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  for (const [i, benchmark] of selected.entries()) {
    const report = await runBenchmark(benchmark, {
      ...cli,
      useBackend,
      environment,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const markdown = toMarkdown(report);
    await writeAtomically(`${dir}${benchmark.name}.json`, toJson(report));
    await writeAtomically(`${dir}${benchmark.name}.md`, markdown);
    process.stdout.write(i === 0 ? markdown : `\n${markdown}`);
    process.stderr.write(`wrote results/${benchmark.name}.json and results/${benchmark.name}.md\n`);
  }
}

main().catch((error: unknown) => {
  const text =
    error instanceof Error
      ? isUsageError(error)
        ? error.message
        : (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`${text}\n`);
  process.exitCode = 1;
});
