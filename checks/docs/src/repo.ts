import { fileURLToPath } from 'node:url';

/** The monorepo's root, where the markdown paths of every report start. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** This package's folder: its node_modules links the built `@flatopt/*` packages the snippets import. */
export const packageDir = fileURLToPath(new URL('../', import.meta.url));
