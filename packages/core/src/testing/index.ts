/**
 * @flatopt/core/testing — the conformance kit every plugin's tests run with their own factory.
 * Framework-agnostic: each check is an async function that throws a ConformanceError.
 */
export { conformanceCases, type ConformanceCase, type ConformanceOptions } from './suite';
export { checkNeutral } from './checks/neutral';
export { checkProbeRestore, checkRestoreOnThrow } from './checks/probes';
export { checkNoLeaks } from './checks/leaks';
export { checkNonFiniteSteps } from './checks/non-finite';
export { checkConfigRoundTrip, checkResume, rebuild } from './checks/round-trip';
export { checkLayers, checkSaveLoad, type LayersMode } from './checks/layers';
export {
  callsPerUpdate,
  useBackend,
  makeOptimizer,
  type BackendName,
  type ConformanceSubject,
  type OptimizerName,
} from './subject';
export { mlpProblem, type Problem, type ProblemOptions } from './problems';
export { diagonalLinearNetwork, relativeError, type Dln } from './dln';
export { assertBitwiseEqual, readAll } from './bitwise';
export { instrumentProbes } from './instrument';
export { ConformanceError, flatoptErrorMessage } from './errors';
export { mulberry32, normals } from './prng';
export {
  countKernels,
  formatKernels,
  kernelDifference,
  kernelsAdded,
  problemStepKernels,
  stepKernels,
  type KernelCounts,
} from './kernels';
