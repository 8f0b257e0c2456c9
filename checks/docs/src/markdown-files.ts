import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Never checked: the generated API docs, installed packages, and this package's fixtures, which
 * keep known-broken snippets and tables on purpose so the tests can show the checks catch them.
 */
const EXCLUDED = [/^docs\/api\//, /(^|\/)node_modules\//, /^checks\/docs\/src\/fixtures\//];

/**
 * The repository's markdown files, as paths from `root` with '/' separators, sorted: the tracked
 * ones and the new ones git does not ignore, so a doc is checked before its first commit too.
 * Asking git keeps build outputs, results folders and anything else git-ignored out.
 */
export function markdownFiles(root: string, exclude: readonly RegExp[] = []): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.md'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const paths = new Set(listed.split('\0').filter((path) => path !== ''));
  return [...paths]
    .filter((path) => ![...EXCLUDED, ...exclude].some((pattern) => pattern.test(path)))
    .filter((path) => existsSync(join(root, path))) // deleted in the work tree, not yet in the index
    .sort();
}
