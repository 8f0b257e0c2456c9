/**
 * Where the browser lane's Chromium is, and what to do when it is missing: outside CI the
 * browser tests skip with the install command; in CI (CI=true) they run and fail with it, so a
 * CI machine without Chromium cannot pass silently.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ChromiumChoice {
  /** The binary to launch, or null when there is none. */
  readonly path: string | null;
  /** Skip the browser tests (no binary, not in CI). */
  readonly skip: boolean;
  /** Why there is no binary, with the install command; empty when there is one. */
  readonly reason: string;
}

/** $FLATOPT_CHROMIUM if set (and it must then exist), else `command -v chromium`. */
function findChromium(): string | null {
  const override = process.env.FLATOPT_CHROMIUM;
  if (override) return existsSync(override) ? override : null;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null; // command -v exits 1 when nothing is found
  }
}

const inCi = (): boolean => /^(1|true)$/i.test(process.env.CI ?? '');

let choice: ChromiumChoice | undefined;

/** Decided once per test file; prints the skip reason when skipping. */
export function chooseChromium(): ChromiumChoice {
  if (choice) return choice;
  const path = findChromium();
  const where = process.env.FLATOPT_CHROMIUM
    ? `FLATOPT_CHROMIUM=${process.env.FLATOPT_CHROMIUM} does not exist`
    : 'no chromium on PATH';
  const reason = path
    ? ''
    : `browser lane: ${where}; install it with \`apt-get install -y chromium\` (or set FLATOPT_CHROMIUM).`;
  choice = { path, skip: !path && !inCi(), reason };
  if (choice.skip) console.warn(`${reason} Skipping the browser tests (they fail instead when CI=true).`);
  return choice;
}
