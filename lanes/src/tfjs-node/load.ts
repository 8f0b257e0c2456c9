/**
 * The tfjs-node lane's backend: tfjs-node from the repository's .tfjs-node/ folder (`pnpm tfjs-node`),
 * loaded against this workspace's @tensorflow/tfjs-core, the copy the plugins import. Loading also
 * makes 'tensorflow' the active backend; the conformance cases switch to it themselves anyway.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadTfjsNode } from '../../../scripts/tfjs-node-load.mjs';

/** Whether the lane can run here, and which tfjs-node (or why not). Evaluated once per test file. */
export const TFJS_NODE = loadTfjsNode(tf);
