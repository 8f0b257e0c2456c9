import { describe, expect, it } from 'vitest';
import type { BenchmarkReport } from '../report';
import { isBrowserBackend, mergeReports } from './in-browser';

const report = (backend: string, environment: Record<string, string>): BenchmarkReport => ({
  benchmark: 'b',
  title: 't',
  description: 'd',
  createdAt: 'now',
  environment,
  runs: [{ backend, result: { baseline: 'x', variants: [] } as never }],
  notes: [`${backend}: note`],
});

describe('browser backends in the bench report', () => {
  it('knows which backends run in Chromium', () => {
    expect(['webgl', 'webgpu', 'wasm', 'tensorflow'].map(isBrowserBackend)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("appends the browser's runs and notes to the Node report, its environment under '<backend> …'", () => {
    const node = report('wasm', { node: 'v20', 'tfjs-core': '4.22.0' });
    const browser = report('webgl', { browser: 'Chrome', renderer: 'SwiftShader', 'tfjs-core': '4.22.0' });
    const merged = mergeReports(node, browser);
    expect(merged.runs.map((r) => r.backend)).toEqual(['wasm', 'webgl']);
    expect(merged.notes).toEqual(['wasm: note', 'webgl: note']);
    expect(merged.environment).toEqual({
      node: 'v20',
      'tfjs-core': '4.22.0',
      'webgl browser': 'Chrome',
      'webgl renderer': 'SwiftShader',
    });
    expect(mergeReports(undefined, browser).environment).toEqual({
      'tfjs-core': '4.22.0',
      'webgl browser': 'Chrome',
      'webgl renderer': 'SwiftShader',
    });
  });
});
