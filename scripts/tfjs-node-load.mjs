// Loads @tensorflow/tfjs-node from the repository's git-ignored .tfjs-node/ folder (installed by
// `pnpm tfjs-node`, see scripts/tfjs-node.mjs), for the bench and the tfjs-node lane. tfjs-node is
// kept out of every package.json and the lockfile (DESIGN.md, Backends), so it is never a
// dependency: it is loaded by path, when present, and its absence is an answer, not an error.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The folder `pnpm tfjs-node` installs into (an npm project of its own). */
export const TFJS_NODE_DIR = fileURLToPath(new URL('../.tfjs-node/', import.meta.url));

/** What to tell a user who asked for the tensorflow backend without having it. */
export const INSTALL_HINT = '`pnpm tfjs-node` installs it into .tfjs-node/, or says why it cannot';

const PACKAGE = '@tensorflow/tfjs-node';

/** The first line of an error's message: tfjs-node's own messages run to a paragraph. */
function firstLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

/** TensorFlow's C library version, from the backend tfjs-node created (undefined if it has none). */
function tensorflowVersion(tf) {
  try {
    return tf.findBackend?.('tensorflow')?.binding?.TF_Version;
  } catch {
    return undefined;
  }
}

/**
 * Loads tfjs-node from .tfjs-node/ if it is installed there and reports whether the caller's
 * tfjs-core now has the 'tensorflow' backend. `tf` must be the caller's own
 * `@tensorflow/tfjs-core` namespace: the check is that tfjs-node registered its backend in that
 * copy and shares its Tensor class (one tfjs-core, see scripts/tfjs-node.mjs), not merely that
 * some copy of tfjs-core has it. Never throws. Loading selects the tensorflow backend (tfjs-node
 * does that on import); callers that want another backend set it afterwards.
 *
 * @param {{ Tensor: unknown, findBackendFactory(name: string): unknown, findBackend?(name: string): unknown }} tf
 * @returns {{ available: boolean, reason: string, versions?: { 'tfjs-node': string, tensorflow: string } }}
 */
export function loadTfjsNode(tf) {
  const manifest = `${TFJS_NODE_DIR}node_modules/${PACKAGE}/package.json`;
  if (!existsSync(manifest)) return { available: false, reason: 'tfjs-node is not installed in .tfjs-node/' };
  // TensorFlow's C++ start-up logging goes to stderr unless told otherwise; the caller may override.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  let tfn;
  let copies;
  try {
    const require = createRequire(manifest);
    tfn = require(PACKAGE);
    // The modules tfjs-node itself requires (already loaded, so this only reads the cache).
    copies = [require('@tensorflow/tfjs-core'), require('@tensorflow/tfjs'), tfn];
  } catch (error) {
    return { available: false, reason: `tfjs-node failed to load: ${firstLine(error)}` };
  }
  if (copies.some((copy) => copy.Tensor !== tf.Tensor)) {
    return {
      available: false,
      reason:
        'tfjs-node loaded a second copy of @tensorflow/tfjs-core (`pnpm tfjs-node` links it to the workspace copy)',
    };
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return { available: false, reason: "tfjs-node loaded but did not register the 'tensorflow' backend" };
  }
  const tfjsNode = String(tfn.version?.['tfjs-node'] ?? 'unknown');
  const tensorflow = tensorflowVersion(tf) ?? 'unknown';
  return {
    available: true,
    reason: `tfjs-node ${tfjsNode} from .tfjs-node/, TensorFlow ${tensorflow}`,
    versions: { 'tfjs-node': tfjsNode, tensorflow },
  };
}
