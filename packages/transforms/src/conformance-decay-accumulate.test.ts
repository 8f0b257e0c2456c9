import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, it } from 'vitest';
import { conformanceCases } from '@flatopt/core/testing';
import { decayAccumulateConformanceSubjects } from './conformance-decay-accumulate';

for (const subject of decayAccumulateConformanceSubjects) {
  describe(`conformance: ${subject.name}`, () => {
    for (const c of conformanceCases(subject)) {
      if (c.skip !== undefined) it.skip(`${c.name} — not applicable: ${c.skip}`, c.run);
      else (c.skip === undefined ? it : it.skip)(c.name, c.run);
    }
  });
}
