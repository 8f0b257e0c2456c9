import { describe, it } from 'vitest';
import { conformanceCases } from '@flatopt/core/testing';
import { SUBJECTS } from '../subjects';
import { INSTALL_HINT } from '../../../scripts/tfjs-node-load.mjs';
import { TFJS_NODE } from './load';

// Machines without tfjs-node (CI, most clones) skip the lane: say why once, not per case.
if (!TFJS_NODE.available) console.log(`tfjs-node lane skipped: ${TFJS_NODE.reason} (${INSTALL_HINT})`);

describe.skipIf(!TFJS_NODE.available)('conformance on tfjs-node (tensorflow)', () => {
  for (const [name, subjects] of Object.entries(SUBJECTS)) {
    describe(name, () => {
      for (const subject of subjects) {
        for (const c of conformanceCases(subject, { backends: ['tensorflow'] }))
          (c.skip === undefined ? it : it.skip)(c.name, c.run);
      }
    });
  }
});
