/**
 * Runs the benchmarks named by `--benchmark` (default: all, see `benchmarks/index.ts`), each on
 * every backend, and writes `results/<name>.json` and `results/<name>.md` per benchmark.
 *
 *   pnpm --filter @flatopt/bench start [--benchmark a,b] [--samples N] [--warmup N] [--backends wasm,cpu,tensorflow] [--quick]
 *
 * 'tensorflow' is tfjs-node, from .tfjs-node/ (`pnpm tfjs-node`), loaded only when asked for.
 * 'webgl' and 'webgpu' run in headless Chromium (Debian's chromium), one page for all the
 * selected benchmarks, after the Node backends; their runs join the same report.
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
import { isBrowserBackend, mergeReports, runInBrowser } from './browser/in-browser';
import { isUsageError, parseCli } from './cli';
import { toJson, toMarkdown, type BenchmarkReport } from './report';

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
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const nodeBackends = cli.backends.filter((b) => !isBrowserBackend(b));
  const reports = new Map<string, BenchmarkReport>();
  if (nodeBackends.length > 0) {
    for (const benchmark of selected) {
      const report = await runBenchmark(benchmark, {
        ...cli,
        backends: nodeBackends,
        useBackend,
        environment,
        log,
      });
      reports.set(benchmark.name, report);
      await write(dir, report);
    }
  }
  for (const backend of cli.backends.filter(isBrowserBackend)) {
    log(`${backend}: running ${selected.map((b) => b.name).join(', ')} in headless Chromium ...`);
    for (const browserReport of await runInBrowser(backend, cli.benchmarks, cli, log)) {
      const report = mergeReports(reports.get(browserReport.benchmark), browserReport);
      reports.set(report.benchmark, report);
      await write(dir, report);
    }
  }
  selected.forEach((b, i) =>
    process.stdout.write(`${i === 0 ? '' : '\n'}${toMarkdown(reports.get(b.name)!)}`),
  );
}

/** Writes results/<name>.json and .md (again after each backend, so a stopped run keeps what it measured). */
async function write(dir: string, report: BenchmarkReport): Promise<void> {
  await writeAtomically(`${dir}${report.benchmark}.json`, toJson(report));
  await writeAtomically(`${dir}${report.benchmark}.md`, toMarkdown(report));
  process.stderr.write(`wrote results/${report.benchmark}.json and results/${report.benchmark}.md\n`);
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
