import { describe, expect, it } from 'vitest';
import { conformanceCases } from '@flatopt/core/testing';
import { PLUGIN_PACKAGES } from '../../packages/core/src/registry';
import { SUBJECTS } from './subjects';

describe('SUBJECTS', () => {
  it('covers every published plugin package with uniquely named subjects', () => {
    expect(Object.keys(SUBJECTS).sort()).toEqual([
      'averaging',
      'flooding',
      'grad-reg',
      'implicit-gr',
      'sam',
      'transforms',
      'weight-norm',
    ]);
    const names = Object.values(SUBJECTS).flatMap((list) => list.map((s) => s.name));
    expect(names.length).toBe(29);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names cases without running them (the lanes list cases in Node, run them elsewhere)', () => {
    const [first] = SUBJECTS.sam;
    const names = conformanceCases(first, { backends: ['webgl'], optimizers: ['adam'] }).map((c) => c.name);
    expect(names[0]).toBe('sam SAM [webgl, adam] neutral settings equal the bare optimizer');
    expect(names).toHaveLength(12);
  });

  it("names every plugin type's package in core's missing-type hint", () => {
    for (const [pkg, list] of Object.entries(SUBJECTS)) {
      for (const subject of list) {
        const made = subject.create();
        for (const plugin of Array.isArray(made) ? made : [made]) {
          expect(PLUGIN_PACKAGES[plugin.type!], `${subject.name}: ${plugin.type}`).toBe(`@flatopt/${pkg}`);
        }
      }
    }
  });
});
