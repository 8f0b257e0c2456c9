import { packageBuild } from '../../tsup.shared.ts';

// '@flatopt/core/testing' imports the main entry by name (external), so CJS and ESM alike share one
// PluggedOptimizer class and one plugin registry between the two entries.
export default packageBuild({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' });
