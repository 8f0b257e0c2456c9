import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, it } from 'vitest';
import { heavyBall, probeTwice } from '../__fixtures__/reference-plugins';
import { conformanceCases } from './index';

// Core's own reference plugins must pass the whole kit on cpu and wasm, with SGD and Adam.
describe('conformance kit on reference plugins', () => {
  const subjects = [
    { name: 'no plugins', create: () => [], neutral: () => [] },
    { name: 'probeTwice', create: () => probeTwice({ rho: 0.05 }), neutral: () => probeTwice({ rho: 0 }) },
    { name: 'heavyBall', create: () => heavyBall({ beta: 0.5 }), neutral: () => heavyBall({ beta: 0 }) },
    {
      name: 'probeTwice+heavyBall',
      create: () => [probeTwice({ rho: 0.05 }), heavyBall({ beta: 0.5 })],
      neutral: () => [probeTwice({ rho: 0 }), heavyBall({ beta: 0 })],
    },
    {
      name: 'probeTwice (per-example loss)',
      create: () => probeTwice(),
      neutral: () => probeTwice({ rho: 0 }),
      loss: 'perExample' as const,
      layers: false,
    },
  ];
  for (const subject of subjects) {
    for (const c of conformanceCases(subject)) (c.skip === undefined ? it : it.skip)(c.name, c.run);
  }
});
