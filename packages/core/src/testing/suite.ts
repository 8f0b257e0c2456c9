import { checkLayers, checkSaveLoad, type LayersMode } from './checks/layers';
import { checkNoLeaks } from './checks/leaks';
import { checkNonFiniteSteps } from './checks/non-finite';
import { checkNeutral } from './checks/neutral';
import { checkProbeRestore, checkRestoreOnThrow } from './checks/probes';
import { checkConfigRoundTrip, checkResume } from './checks/round-trip';
import { ConformanceError } from './errors';
import { useBackend, type BackendName, type ConformanceSubject, type OptimizerName } from './subject';

export interface ConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
  /** Set when the check does not apply to the subject (`ConformanceSubject.notApplicable`): why. Skip the case. */
  readonly skip?: string;
}

export interface ConformanceOptions {
  backends?: BackendName[];
  optimizers?: OptimizerName[];
  /** Steps of the leak check (default 200). */
  leakSteps?: number;
}

/**
 * The conformance suite as plain cases, for any test runner:
 * ```ts
 * for (const c of conformanceCases({ name: 'sam', create: () => sam(), neutral: () => sam({ rho: 0 }) }))
 *   (c.skip === undefined ? it : it.skip)(c.name, c.run);
 * ```
 * Each case switches to its backend first; register cpu (`@tensorflow/tfjs`) and wasm
 * (`@tensorflow/tfjs-backend-wasm`) in the test file.
 */
export function conformanceCases(
  subject: ConformanceSubject,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const { backends = ['cpu', 'wasm'], optimizers = ['sgd', 'adam'], leakSteps = 200 } = options;
  const cases: ConformanceCase[] = [];
  for (const backend of backends) {
    for (const optimizer of optimizers) {
      const add = (name: string, fn: () => Promise<void>) => {
        const skip = subject.notApplicable?.[name];
        cases.push({
          name: `${subject.name} [${backend}, ${optimizer}] ${name}`,
          run: async () => {
            await useBackend(backend);
            await fn();
          },
          ...(skip === undefined ? {} : { skip }),
        });
      };
      if (subject.neutral)
        add('neutral settings equal the bare optimizer', () => checkNeutral(subject, optimizer));
      add('probes restore weights bit for bit', () => checkProbeRestore(subject, optimizer));
      add('a throwing loss leaves weights and state untouched', () =>
        checkRestoreOnThrow(subject, optimizer),
      );
      for (const check of ['read', 'device'] as const) {
        add(`a non-finite step leaves no trace (finiteCheck '${check}')`, () =>
          checkNonFiniteSteps(subject, optimizer, check),
        );
      }
      add(`no tensor leaks over ${leakSteps} steps`, () => checkNoLeaks(subject, optimizer, leakSteps));
      add('config round-trips', () => checkConfigRoundTrip(subject, optimizer));
      add('resumed training is bit-identical', () => checkResume(subject, optimizer));
      if (subject.layers !== false) {
        for (const mode of ['fit', 'fitDataset', 'trainOnBatch'] as LayersMode[]) {
          add(`${mode}: primary loss and metrics, BatchNorm once, no leaks`, () =>
            checkLayers(subject, optimizer, mode),
          );
        }
        add('model.save / tf.loadLayersModel round-trips', () => checkSaveLoad(subject, optimizer));
      }
    }
  }
  const checks = new Set(cases.map((c) => c.name.slice(c.name.indexOf('] ') + 2)));
  for (const name of Object.keys(subject.notApplicable ?? {})) {
    if (!checks.has(name)) {
      throw new ConformanceError(
        'setup',
        `${subject.name}: notApplicable names '${name}', which is not a check of the kit (${[...checks].map((c) => `'${c}'`).join(', ')}).`,
      );
    }
  }
  return cases;
}
