import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, it } from 'vitest';
import { conformanceCases } from '@flatopt/core/testing';
import { conformanceSubjects } from './conformance-subjects';

describe('conformance: gradReg', () => {
  for (const subject of conformanceSubjects)
    for (const c of conformanceCases(subject)) (c.skip === undefined ? it : it.skip)(c.name, c.run);
});
