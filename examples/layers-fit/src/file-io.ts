import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * A minimal file-system IOHandler for `model.save(fileIO(dir))` and `tf.loadLayersModel(fileIO(dir))`
 * (tfjs' own `file://` handler ships only with tfjs-node). `save` writes `dir/model.json` (topology,
 * training config, weights manifest) and `dir/weights.bin` (all weights, the optimizer's included,
 * in manifest order); `load` reads them back.
 */
export interface FileIOHandler extends tf.io.IOHandler {
  save: tf.io.SaveHandler;
  load: tf.io.LoadHandler;
}

export function fileIO(dir: string): FileIOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileIO: binary model topologies are not supported; expected a JSON topology.');
      }
      const manifest: tf.io.WeightsManifestConfig = [
        { paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] },
      ];
      // Everything but the binary weights goes to model.json (topology, trainingConfig, metadata, ...).
      const { weightData, weightSpecs: _specs, ...json } = artifacts;
      const modelJSON = { ...json, weightsManifest: manifest } as tf.io.ModelJSON;
      const weights = weightData ? tf.io.CompositeArrayBuffer.join(weightData) : new ArrayBuffer(0);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJSON = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const files = await Promise.all(
          manifest.flatMap((group) => group.paths).map((path) => readFile(join(dir, path))),
        );
        // Copy into one fresh ArrayBuffer: a Node Buffer may be a view into a larger shared pool.
        const data = new Uint8Array(files.reduce((n, f) => n + f.byteLength, 0));
        let offset = 0;
        for (const f of files) {
          data.set(f, offset);
          offset += f.byteLength;
        }
        return [specs, data.buffer];
      });
    },
  };
}
