import type { ConformanceSubject } from '@flatopt/core/testing';
import { gsam, type GsamOptions } from './gsam';
import { sam, type SamOptions } from './sam';

// ρ = 0 is the neutral setting. The amortized variant evaluates only at θ + ε̂ on its in-between
// steps, so fit would report that loss: it runs the kit without the tfjs-layers checks. So does
// m-sharpness, which needs per-example losses (fit hands the optimizer a scalar loss).
const variants: Array<[string, SamOptions, Partial<ConformanceSubject>]> = [
  ['SAM', { rho: 0.05 }, {}],
  ['ASAM', { rho: 0.5, adaptive: true }, {}],
  ['unnormalized', { rho: 0.05, normalize: false }, {}],
  ['every 3', { rho: 0.05, every: 3 }, { layers: false }],
  ['microBatches 4', { rho: 0.05, microBatches: 4 }, { loss: 'perExample', layers: false }],
];

const gsamVariants: Array<[string, GsamOptions]> = [
  ['GSAM', { rho: 0.05, alpha: 0.3 }],
  ['GSAM + ASAM', { rho: 0.5, alpha: 0.3, adaptive: true }],
];

/** What sam's and gsam's settings hand the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = [
  ...variants.map(([label, options, kit]) => ({
    name: `sam ${label}`,
    create: () => sam(options),
    neutral: () => sam({ ...options, rho: 0 }),
    ...kit,
  })),
  ...gsamVariants.map(([label, options]) => ({
    name: label,
    create: () => gsam(options),
    neutral: () => gsam({ ...options, rho: 0 }),
  })),
];
