/** The conformance subjects by name. Runs in the browser. */
import type { Plugin } from '@flatopt/core';
import type { ConformanceSubject } from '@flatopt/core/testing';
import { ALL_SUBJECTS } from '../plan';

export function subjectNamed(name: string): ConformanceSubject {
  const found = ALL_SUBJECTS.find(({ subject }) => subject.name === name);
  if (!found) throw new Error(`no conformance subject named '${name}'`);
  return found.subject;
}

export function pluginsOf(made: Plugin | Plugin[]): Plugin[] {
  return Array.isArray(made) ? made : [made];
}
