/**
 * The backends `--backends` names beyond the two main.ts always registers (cpu, wasm):
 * 'tensorflow' is tfjs-node, which is not a dependency (DESIGN.md, Backends) and is loaded from
 * the repository's .tfjs-node/ folder only when asked for, so the default run never touches it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { INSTALL_HINT, loadTfjsNode, type TfjsNodeStatus } from '../../scripts/tfjs-node-load.mjs';
import { UsageError } from './cli';

/** Loads tfjs-node into this process's tfjs-core; injectable for tests. */
export type TfjsNodeLoader = () => TfjsNodeStatus;

const loadIntoWorkspaceCore: TfjsNodeLoader = () => loadTfjsNode(tf);

/**
 * Registers the optional backends among `backends` and returns what the report's environment
 * should record about them (tfjs-node's and TensorFlow's versions). Asking for 'tensorflow'
 * without a usable tfjs-node is a usage error that says how to get it, raised before anything is
 * measured.
 */
export function registerOptionalBackends(
  backends: readonly string[],
  load: TfjsNodeLoader = loadIntoWorkspaceCore,
): Record<string, string> {
  if (!backends.includes('tensorflow')) return {};
  const status = load();
  if (!status.available) {
    throw new UsageError(`--backends tensorflow needs tfjs-node: ${status.reason}; ${INSTALL_HINT}`);
  }
  return { ...status.versions };
}
