import type { ConformanceSubject } from '@flatopt/core/testing';
import { gradReg, type GradRegOptions } from './grad-reg';

// Every method and penalty passes the kit; γ = 0 (λ = 0) is the neutral setting.
const variants: Array<[string, GradRegOptions, GradRegOptions]> = [
  ['forward', { gamma: 0.1, epsilon: 0.05 }, { gamma: 0 }],
  ['backward', { gamma: 0.1, epsilon: 0.05, method: 'backward' }, { gamma: 0, method: 'backward' }],
  ['central', { gamma: 0.1, epsilon: 0.05, method: 'central' }, { gamma: 0, method: 'central' }],
  ['double-backprop', { gamma: 0.1, method: 'double-backprop' }, { gamma: 0, method: 'double-backprop' }],
  ['norm', { penalty: 'norm', lambda: 0.04, epsilon: 0.05 }, { penalty: 'norm', lambda: 0 }],
];

/** What gradReg's methods hand the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = variants.map(([label, active, neutral]) => ({
  name: `gradReg ${label}`,
  create: () => gradReg(active),
  neutral: () => gradReg(neutral),
}));
