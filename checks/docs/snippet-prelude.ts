/**
 * What the docs' ```ts fragments use without defining: the reader's own model, data and loss, and
 * the `tf` every tfjs program imports (the docs import it once per page). Each snippet is a module,
 * so a snippet's own import or declaration of a name shadows the one here. flatopt's functions are
 * not here: a fragment imports what it calls, as a reader's file would; only two helpers that a
 * page defines in its own code (`lookahead`, `fileIO`) are.
 *
 * Typed as a reader's values are, with tfjs' real types: adding a name here claims that any
 * reader has such a value, so keep it to the names the prose around the snippets explains (a
 * test fails on a name no snippet uses). A .ts file, not a .d.ts: the snippets compile with
 * skipLibCheck, which would leave a .d.ts unchecked and a misspelt type silently `any`.
 */
import * as tfjs from '@tensorflow/tfjs';
import type { lookahead as averagingLookahead } from '@flatopt/averaging';
import type { Plugin, PluggedOptimizer } from '@flatopt/core';

declare global {
  export import tf = tfjs;

  /** The reader's tfjs-layers model and training data. */
  const model: tf.LayersModel;
  const xs: tf.Tensor;
  const ys: tf.Tensor;
  const xVal: tf.Tensor;
  const yVal: tf.Tensor;
  const batchSize: number;
  const stepsPerEpoch: number;
  /** Input batches for recomputing BatchNorm statistics (`updateBatchNorm`). */
  const trainBatches: tf.Tensor[];

  /** A custom loop's pieces: the loss of a batch, the current batch, the trained variables. */
  const batch: { xs: tf.Tensor; ys: tf.Tensor };
  function lossFn(batch: { xs: tf.Tensor; ys: tf.Tensor }): tf.Scalar;
  const variables: tf.Variable[];

  /** An optimizer built earlier on the page with `withPlugins`, and placeholders for plugins. */
  const optimizer: PluggedOptimizer;
  const pluginA: Plugin;
  const pluginB: Plugin;
  /** Another model's weights, aligned with `variables` (a loss slice from here to there). */
  const otherModelsWeights: tf.Tensor[];

  /** examples/layers-fit's file handler (src/file-io.ts) and its folder. */
  function fileIO(dir: string): tf.io.IOHandler;
  const dir: string;

  /** CONTRIBUTING's worked example defines `lookahead`; @flatopt/averaging's has the same options. */
  const lookahead: typeof averagingLookahead;

  /** The conformance kit runs under any test runner (vitest, jest, mocha): their common globals. */
  function describe(name: string, body: () => void): void;
  function it(name: string, run: () => Promise<void> | void): void;
}
