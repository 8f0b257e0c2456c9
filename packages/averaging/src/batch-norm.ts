import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { alias, describeValue, FlatoptError } from '@flatopt/core';

/** One batch's model inputs: a tensor, a tensor per input, or tensors by input name. */
export type BatchInputs = tf.Tensor | tf.Tensor[] | { [inputName: string]: tf.Tensor };

/** One element of `updateBatchNorm`'s data: the inputs, or `{ xs, ys }` as `fitDataset` takes them (ys unused). */
export type BatchNormBatch = BatchInputs | { xs: BatchInputs; ys?: unknown };

/** A `tf.data.Dataset` (or anything with its async `iterator()`). */
export interface DatasetLike<T> {
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/** tfjs-layers' BatchNormalization, as far as this module touches it. */
interface BatchNormLayer {
  name: string;
  momentum: number;
  movingMean: { read(): tf.Tensor };
  movingVariance: { read(): tf.Tensor };
}

const OWNER = 'updateBatchNorm';

/** Every BatchNormalization layer of `model`, also inside nested models and wrapper layers. */
function batchNormLayers(
  model: unknown,
  out: BatchNormLayer[] = [],
  seen = new Set<unknown>(),
): BatchNormLayer[] {
  if (typeof model !== 'object' || model === null || seen.has(model)) return out;
  seen.add(model);
  const layer = model as {
    getClassName?: () => string;
    layers?: unknown;
    layer?: unknown;
    built?: boolean;
  } & Partial<BatchNormLayer>;
  if (layer.getClassName?.() === 'BatchNormalization') {
    if (layer.movingMean && layer.movingVariance) out.push(layer as BatchNormLayer);
    return out;
  }
  if (Array.isArray(layer.layers)) for (const l of layer.layers) batchNormLayers(l, out, seen);
  if (layer.layer) batchNormLayers(layer.layer, out, seen);
  return out;
}

function statistics(layers: readonly BatchNormLayer[]): tf.Variable[] {
  return layers.flatMap((l) => [l.movingMean.read(), l.movingVariance.read()] as tf.Variable[]);
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** The model's inputs in one batch, as `model.apply` takes them. */
function inputsOf(model: tfl.LayersModel, batch: unknown, index: number): tf.Tensor | tf.Tensor[] {
  const where = `${OWNER}: batch ${index}`;
  const xs =
    typeof batch === 'object' && batch !== null && !isTensor(batch) && !Array.isArray(batch) && 'xs' in batch
      ? (batch as { xs: unknown }).xs
      : batch;
  if (isTensor(xs)) return xs;
  if (Array.isArray(xs) && xs.length > 0 && xs.every(isTensor)) return xs;
  if (typeof xs === 'object' && xs !== null && !Array.isArray(xs)) {
    const named = xs as Record<string, unknown>;
    const names = model.inputNames ?? [];
    if (names.length > 0 && names.every((n) => isTensor(named[n])))
      return names.map((n) => named[n] as tf.Tensor);
    throw new FlatoptError(
      `${where}: an object of inputs must have a tensor for every model input (${names.map((n) => `'${n}'`).join(', ')}); got keys ${Object.keys(
        named,
      )
        .map((k) => `'${k}'`)
        .join(', ')}. Nothing was changed.`,
    );
  }
  throw new FlatoptError(
    `${where} must be the model's inputs (a tensor, an array of tensors, an object of tensors by input name) or { xs, ys }; got ${describeValue(xs)}. Nothing was changed.`,
  );
}

/** The batches of `data` in order; `owned` when the iterator made them (a dataset), to be disposed after use. */
async function* batchesOf(data: unknown): AsyncGenerator<{ batch: unknown; owned: boolean }> {
  if (Array.isArray(data)) {
    for (const batch of data) yield { batch, owned: false };
    return;
  }
  const iterator = await (data as DatasetLike<unknown>).iterator();
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return;
    yield { batch: value, owned: true };
  }
}

/**
 * Recomputes the moving mean and variance of every tfjs-layers `BatchNormalization` layer of
 * `model` for its current weights, as PyTorch's `torch.optim.swa_utils.update_bn` does: after SWA
 * or EMA the statistics gathered during training belong to the training weights, not the average
 * (Izmailov et al. 2018 recompute them with one pass over the training data).
 *
 * The statistics are reset and then set to the cumulative average over the batches of `data`:
 * batch b (from 0) is run through the model in training mode (`model.apply(xs, { training: true })`,
 * Dropout active as in training) with each BatchNormalization's momentum set to b/(b + 1), so the
 * moving mean is the mean over batches of the batch means and the moving variance the mean of the
 * batch variances (tfjs' biased batch variance; PyTorch keeps the unbiased one). Every batch counts
 * the same, a short last one too, as in PyTorch. With one batch they are its plain mean and
 * variance. Other weights are untouched, and so are the layers' momenta afterwards; if a batch
 * throws, the statistics are put back as they were.
 *
 * `data`: an array of batches, or a `tf.data.Dataset`, whose elements are a batch's inputs (a
 * tensor, an array of tensors, or an object of tensors by input name) or `{ xs, ys }` (ys is
 * ignored). Tensors a dataset yields are disposed after use; those of an array are the caller's.
 *
 * Call it with the average in the weights: after `assignAveraged(optimizer)`, or inside
 * `withAveragedWeights(optimizer, fn, { model })`, which puts the statistics back afterwards.
 * Resolves to the number of batches used (0 when the model has no BatchNormalization layer: data
 * is then not read).
 */
export async function updateBatchNorm(
  model: tfl.LayersModel,
  data: ReadonlyArray<BatchNormBatch> | DatasetLike<BatchNormBatch>,
): Promise<number> {
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof (model as { apply?: unknown }).apply !== 'function'
  ) {
    throw new FlatoptError(`${OWNER}: 'model' must be a tfjs-layers model; got ${describeValue(model)}.`);
  }
  if (!Array.isArray(data) && typeof (data as { iterator?: unknown } | null)?.iterator !== 'function') {
    throw new FlatoptError(
      `${OWNER}: 'data' must be an array of batches or a tf.data.Dataset; got ${describeValue(data)}. Nothing was changed.`,
    );
  }
  const layers = batchNormLayers(model);
  if (layers.length === 0) return 0;
  const stats = statistics(layers);
  const momenta = layers.map((l) => l.momentum);
  const saved = stats.map((v) => tf.keep(alias(v)));
  let batches = 0;
  try {
    for await (const { batch, owned } of batchesOf(data)) {
      try {
        const xs = inputsOf(model, batch, batches);
        if (batches === 0) tf.tidy(() => stats.forEach((v) => v.assign(tf.zerosLike(v))));
        // momentum b/(b + 1): moving ← moving − (moving − x)/(b + 1), the cumulative average; the
        // first batch replaces the reset statistics (0 − (0 − x)·1 = x exactly).
        for (const l of layers) l.momentum = batches / (batches + 1);
        tf.tidy(() => {
          model.apply(xs, { training: true });
        });
      } finally {
        if (owned) tf.dispose(batch as tf.TensorContainer);
      }
      batches++;
    }
    if (batches === 0) {
      throw new FlatoptError(`${OWNER}: 'data' has no batches. Nothing was changed.`);
    }
  } catch (e) {
    stats.forEach((v, i) => v.assign(saved[i]));
    throw e;
  } finally {
    layers.forEach((l, i) => (l.momentum = momenta[i]));
    tf.dispose(saved);
  }
  return batches;
}
