import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';

/** Every module specifier a file imports: `import`/`export … from`, `import()`, `require()`. */
export function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** The npm package a specifier loads ('@scope/name' or 'name'); undefined for a relative path or a Node builtin. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The packages that loading `entry` loads, following its relative imports (tsup's shared chunks)
 * through `read`, which gives a file's text by its path inside the package.
 */
export function packagesLoadedBy(entry: string, read: (path: string) => string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of specifiers(read(file))) {
      const name = packageOf(specifier);
      if (name !== undefined) packages.add(name);
      else if (specifier.startsWith('.')) visit(posix.join(posix.dirname(file), specifier));
    }
  };
  visit(entry);
  return packages;
}
