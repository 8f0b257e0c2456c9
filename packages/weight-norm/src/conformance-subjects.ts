import type { ConformanceSubject } from '@flatopt/core/testing';
import { weightNorm } from './weight-norm';

/** What weightNorm hands the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = [
  // Selecting no variable is the neutral setting: the wrapped optimizer alone, bit for bit.
  { name: 'weightNorm', create: () => weightNorm(), neutral: () => weightNorm({ include: [] }) },
  { name: 'weightNorm whole tensor, ratio 3', create: () => weightNorm({ axes: 'all', ratio: 3 }) },
];
