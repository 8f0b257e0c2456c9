import { spawnSync } from 'node:child_process';

export interface Run {
  status: number | null;
  output: string;
}

function spawn(command: string, args: readonly string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Runs a command to its end and keeps everything it printed. */
export function run(command: string, args: readonly string[], cwd: string): Run {
  const result = spawn(command, args, cwd);
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}` };
}

/**
 * Runs a command and returns its standard output; throws with all it printed when it fails,
 * including a command that could not start (status null, the reason only in `error`).
 */
export function output(command: string, args: readonly string[], cwd: string): string {
  const result = spawn(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}${result.error?.message ?? ''}`,
    );
  }
  return result.stdout;
}
