import * as tf from '@tensorflow/tfjs-core';
import { withPlugins } from '@flatopt/core';
import type { PluggedOptimizer } from '@flatopt/core';
import type { Plugin, PluggedOptions } from '@flatopt/core';
import { ConformanceError } from './errors';
import type { Problem } from './problems';

/** What a plugin's tests hand the conformance kit. */
export interface ConformanceSubject {
  /** Used in test names. */
  readonly name: string;
  /** The plugin(s) with the settings under test, e.g. probes active. Called once per optimizer built. */
  readonly create: () => Plugin | Plugin[];
  /**
   * The plugin(s) with settings under which the stack must equal the bare optimizer bit for bit
   * (e.g. `sam({ rho: 0 })`); omit when no such settings exist.
   */
  readonly neutral?: () => Plugin | Plugin[];
  /** Which loss the plugin needs: a scalar (default) or per-example losses. */
  readonly loss?: 'scalar' | 'perExample';
  /** Run the tfjs-layers checks (fit, fitDataset, trainOnBatch, save/load); default true. */
  readonly layers?: boolean;
  /**
   * Calls per update of the wrapped optimizer (gradient accumulation over k calls: k; default 1).
   * The checks then count k calls per iteration and let the first update create the wrapped
   * optimizer's state before counting tensors.
   */
  readonly callsPerUpdate?: number;
  /**
   * Checks that do not apply to the subject by design, by the check's name as it ends a case name
   * (e.g. "a non-finite step leaves no trace (finiteCheck 'device')"), each with the reason. Their
   * cases come with `skip` set to the reason: show them as skipped, and test the property the
   * reason names in the plugin's own tests.
   */
  readonly notApplicable?: Readonly<Record<string, string>>;
}

/** The subject's calls per update of the wrapped optimizer (see `ConformanceSubject.callsPerUpdate`). */
export function callsPerUpdate(subject: ConformanceSubject): number {
  return subject.callsPerUpdate ?? 1;
}

export type OptimizerName = 'sgd' | 'adam';
/** The tfjs backends the kit knows how to name; each must be registered by the caller. */
export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu' | 'tensorflow';

/** The wrapped optimizers the kit uses; learning rates large enough that every step moves weights. */
export function makeOptimizer(name: OptimizerName): tf.Optimizer {
  return name === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01);
}

export function plugged(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  neutral = false,
  options: PluggedOptions = {},
): PluggedOptimizer {
  const make = neutral ? subject.neutral : subject.create;
  if (!make) throw new ConformanceError('setup', `${subject.name} has no neutral settings.`);
  const made = make();
  return withPlugins(makeOptimizer(optimizer), ...(Array.isArray(made) ? made : [made]), options);
}

export function lossOf(subject: ConformanceSubject, problem: Problem): () => tf.Scalar | tf.Tensor1D {
  return subject.loss === 'perExample' ? problem.perExampleLoss : problem.loss;
}

const PACKAGES: Record<BackendName, string> = {
  cpu: '@tensorflow/tfjs-backend-cpu (or @tensorflow/tfjs)',
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgl: '@tensorflow/tfjs-backend-webgl (or @tensorflow/tfjs)',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** Switches to a registered backend, or says how to register it. */
export async function useBackend(name: BackendName): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    const pkg = PACKAGES[name];
    throw new ConformanceError(
      'setup',
      `backend '${name}' is not registered: import '${pkg}' in the test file.`,
    );
  }
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new ConformanceError('setup', `backend '${name}' failed to initialize.`);
  }
  await tf.ready();
}
