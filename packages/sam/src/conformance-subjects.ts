import type { ConformanceSubject } from '@flatopt/core/testing';
import { sam, type SamOptions } from './sam';

// ρ = 0 is the neutral setting. The amortized variant evaluates only at θ + ε̂ on its in-between
// steps, so fit would report that loss: it runs the kit without the tfjs-layers checks.
const variants: Array<[string, SamOptions, boolean]> = [
  ['SAM', { rho: 0.05 }, true],
  ['ASAM', { rho: 0.5, adaptive: true }, true],
  ['unnormalized', { rho: 0.05, normalize: false }, true],
  ['every 3', { rho: 0.05, every: 3 }, false],
];

/** What sam's settings hand the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = variants.map(([label, options, layers]) => ({
  name: `sam ${label}`,
  create: () => sam(options),
  neutral: () => sam({ ...options, rho: 0 }),
  layers,
}));
