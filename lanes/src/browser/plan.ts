/**
 * The conformance cases a browser page runs, named the same in Node (to declare one vitest test
 * per case at collection time) and in the page (to find and run a case by name). Naming a case
 * does no tfjs work, so this is safe to import in Node.
 */
import { conformanceCases, type ConformanceCase, type ConformanceOptions } from '@flatopt/core/testing';
import { SUBJECTS } from '../subjects';

/** Every subject of every plugin package, with its package. */
export const ALL_SUBJECTS = Object.entries(SUBJECTS).flatMap(([pkg, list]) =>
  list.map((subject) => ({ pkg, subject })),
);

/**
 * The WebGL run of the kit, with Adam only and a leak check over 20 steps instead of the kit's
 * 200, to keep the lane within its CI budget (on SwiftShader a step of the kit's MLP costs
 * 10–40 ms; with sgd as well the file took 177–198 s of a 17-minute CI run). Adam is the case
 * that matters on the GPU: its moments are the optimizer state the device-side guard must
 * restore; sgd's path is the same minus that state, and runs on cpu, wasm and tfjs-node. A
 * per-step leak still shows over 20 steps (as ≥ 20 tensors).
 */
export const WEBGL_KIT: ConformanceOptions = {
  backends: ['webgl'],
  optimizers: ['adam'],
  leakSteps: 20,
};

export function planCases(options: ConformanceOptions): ConformanceCase[] {
  return ALL_SUBJECTS.flatMap(({ subject }) => conformanceCases(subject, options));
}

/** The case named `name`; throws when there is none. */
export function findCase(options: ConformanceOptions, name: string): ConformanceCase {
  const found = planCases(options).find((c) => c.name === name);
  if (!found) throw new Error(`no conformance case named '${name}' under ${JSON.stringify(options)}`);
  return found;
}
