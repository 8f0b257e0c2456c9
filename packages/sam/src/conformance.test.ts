import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, it } from 'vitest';
import { conformanceCases } from '@flatopt/core/testing';
import { sam, type SamOptions } from './sam';

// ρ = 0 is the neutral setting. The amortized variant evaluates only at θ + ε̂ on its in-between
// steps, so fit would report that loss: it runs the kit without the tfjs-layers checks.
describe('conformance: sam', () => {
  const variants: Array<[string, SamOptions, boolean]> = [
    ['SAM', { rho: 0.05 }, true],
    ['ASAM', { rho: 0.5, adaptive: true }, true],
    ['unnormalized', { rho: 0.05, normalize: false }, true],
    ['every 3', { rho: 0.05, every: 3 }, false],
  ];
  for (const [label, options, layers] of variants) {
    const subject = {
      name: `sam ${label}`,
      create: () => sam(options),
      neutral: () => sam({ ...options, rho: 0 }),
      layers,
    };
    for (const c of conformanceCases(subject)) it(c.name, c.run);
  }
});
