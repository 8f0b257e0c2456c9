/**
 * Every plugin's conformance subjects, by package: the same lists each package's own
 * conformance.test.ts runs on cpu and wasm, for the lanes that run them on other backends.
 */
import type { ConformanceSubject } from '@flatopt/core/testing';
import { conformanceSubjects as averaging } from '../../packages/averaging/src/conformance-subjects';
import { conformanceSubjects as flooding } from '../../packages/flooding/src/conformance-subjects';
import { conformanceSubjects as gradReg } from '../../packages/grad-reg/src/conformance-subjects';
import { conformanceSubjects as implicitGr } from '../../packages/implicit-gr/src/conformance-subjects';
import { conformanceSubjects as sam } from '../../packages/sam/src/conformance-subjects';
import { conformanceSubjects as transforms } from '../../packages/transforms/src/conformance-subjects';
import { conformanceSubjects as weightNorm } from '../../packages/weight-norm/src/conformance-subjects';

export const SUBJECTS: Readonly<Record<string, readonly ConformanceSubject[]>> = {
  sam,
  'grad-reg': gradReg,
  flooding,
  'implicit-gr': implicitGr,
  'weight-norm': weightNorm,
  averaging,
  transforms,
};
