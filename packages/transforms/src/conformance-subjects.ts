import type { ConformanceSubject } from '@flatopt/core/testing';
import { clipConformanceSubjects } from './conformance-clip';
import { decayAccumulateConformanceSubjects } from './conformance-decay-accumulate';

/** What @flatopt/transforms hands the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = [
  ...clipConformanceSubjects,
  ...decayAccumulateConformanceSubjects,
];
