/**
 * Browser lane, item 2 on WebGL: blocking reads (readSync, where dataSync/arraySync end up) per
 * training step, for the bare Adam and for Adam plugged with each subject at its default options.
 */
import { it } from 'vitest';
import { WEBGL_FLAGS } from './flags';
import { ALL_SUBJECTS } from './plan';
import { BARE, NO_PLUGINS, checkReads, describeReads, readCases } from './read-cases';
import { describeBrowser, usePage } from './use-page';

describeBrowser('blocking reads on webgl', () => {
  const page = usePage('webgl', WEBGL_FLAGS);
  const optimizers = [BARE, NO_PLUGINS, ...ALL_SUBJECTS.map((s) => s.subject.name)];
  for (const c of readCases(optimizers)) {
    it(describeReads(c), () => checkReads(page(), 'webgl', c));
  }
});
