import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/** One diagnostic of a tsc run; `file` is absolute, or absent for a diagnostic about the run itself. */
export interface TscDiagnostic {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly code: string;
  readonly message: string;
}

const AT_FILE = /^(.+)\((\d+),(\d+)\): error (TS\d+): (.*)$/;
const GLOBAL = /^error (TS\d+): (.*)$/;

/**
 * tsc's plain (`--pretty false`) output as diagnostics. A message that spans several lines (an
 * elaboration such as "Type 'Tensor' is missing ... from type 'Variable'") continues on indented
 * lines, which belong to the diagnostic above them. Relative paths are resolved against `cwd`.
 */
export function parseTscOutput(output: string, cwd: string): TscDiagnostic[] {
  const diagnostics: { -readonly [K in keyof TscDiagnostic]: TscDiagnostic[K] }[] = [];
  for (const line of output.split(/\r?\n/)) {
    const atFile = AT_FILE.exec(line);
    const global = GLOBAL.exec(line);
    if (atFile) {
      const [, file, row, column, code, message] = atFile;
      diagnostics.push({
        file: resolve(cwd, file),
        line: Number(row),
        column: Number(column),
        code,
        message,
      });
    } else if (global) {
      diagnostics.push({ code: global[1], message: global[2] });
    } else if (/^\s/.test(line) && line.trim() !== '' && diagnostics.length > 0) {
      diagnostics[diagnostics.length - 1].message += `\n${line}`;
    }
  }
  return diagnostics;
}

/**
 * Runs the repository's own tsc (this package's `typescript` dependency, so the version the rest
 * of the repo compiles with) once on a project, `--noEmit --strict`, and returns its diagnostics.
 * Throws when tsc fails without saying why in a form parseTscOutput reads (a crash, a bad flag).
 */
export function runTsc(project: string): TscDiagnostic[] {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const cwd = resolve(project, '..');
  const run = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit', '--strict', '--pretty', 'false'], {
    cwd,
    encoding: 'utf8',
  });
  const diagnostics = parseTscOutput(run.stdout, cwd);
  if (run.status !== 0 && diagnostics.length === 0) {
    throw new Error(`tsc exited with ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`);
  }
  return diagnostics;
}
