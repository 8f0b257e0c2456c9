/**
 * One press of "Train both": load the task, build both columns from the same seed, train them
 * side by side while the charts follow, then slice both landscapes on one colour scale.
 */
import * as tf from '@tensorflow/tfjs-core';
import { boundaryChart, curvesChart, lineChart, planeChart, seriesChart } from './charts';
import { boundaryGrid } from './boundary';
import { landscapeOf, sharedDomain, type Landscape } from './landscape';
import type { StackConfig } from './stack';
import { loadTask, type Task, type TaskKind } from './task';
import {
  disposeColumns,
  makeColumns,
  trainSideBySide,
  type Column,
  type EvalRecord,
  type SharpnessRecord,
  type TrainOptions,
} from './train';

export interface SessionSettings extends TrainOptions {
  readonly kind: TaskKind;
  readonly labelNoise: number;
  readonly configs: readonly StackConfig[];
}

const el = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found;
};

/** Replaces a chart container's content; `points` is what the end-to-end test checks. */
function draw(id: string, chart: Element, points: number): void {
  const box = el(id);
  box.replaceChildren(chart);
  box.dataset.points = String(points);
}

const fmt = (v: number): string => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2));

/** What the page shows while a session runs; kept so every redraw has the whole history. */
class View {
  readonly evals: EvalRecord[] = [];
  readonly sharpness: SharpnessRecord[] = [];
  constructor(
    private readonly task: Task,
    private readonly columns: readonly Column[],
  ) {}

  async onEval(records: EvalRecord[]): Promise<void> {
    this.evals.push(...records);
    draw('chart-loss', curvesChart(this.evals, 'loss'), this.evals.length);
    draw('chart-accuracy', curvesChart(this.evals, 'accuracy'), this.evals.length);
    this.drawRig();
    await this.drawBoundaries();
  }

  onSharpness(record: SharpnessRecord): void {
    this.sharpness.push(record);
    const rows = this.sharpness.map((r) => ({ column: r.column, step: r.step, value: r.lambdaMax }));
    draw('chart-sharpness', seriesChart(rows, 'λ_max of the training loss'), rows.length);
    el(`sharpness-${record.column}`).textContent =
      `${record.column} ${fmt(record.lambdaMax)} (step ${record.step})`;
  }

  /** R_IG from each column's IGR monitor, one point per recorded step (thinned to ≤ 300). */
  private drawRig(): void {
    const rows = this.columns.flatMap((c) => {
      const records = c.stack.monitor?.records ?? [];
      const stride = Math.max(1, Math.ceil(records.length / 300));
      return records
        .filter((_, i) => i % stride === 0)
        .map((r) => ({ column: c.name, step: r.step + 1, value: r.rIg }));
    });
    if (rows.length === 0) return;
    draw('chart-rig', seriesChart(rows, 'R_IG (per-batch)'), rows.length);
    for (const c of this.columns) {
      const latest = c.stack.monitor?.latest;
      if (latest) el(`rig-${c.name}`).textContent = `${c.name} ${fmt(latest.rIg)}`;
    }
  }

  private async drawBoundaries(): Promise<void> {
    const plane = this.task.plane;
    for (const c of this.columns) {
      if (!plane) {
        el(`boundary-${c.name}`).textContent = 'drawn for the 2-D data sets only';
        continue;
      }
      const grid = await boundaryGrid(c.model, plane);
      draw(`boundary-${c.name}`, boundaryChart(plane, grid), grid.p.length);
      el(`boundary-label-${c.name}`).textContent = `decision boundary ${c.name}: ${c.stack.label}`;
    }
  }

  drawLandscapes(landscapes: readonly Landscape[]): void {
    const domain = sharedDomain(landscapes);
    draw('landscape-line', lineChart(landscapes), landscapes.length * landscapes[0].line.t.length);
    for (const l of landscapes) {
      const values = l.plane.loss.flat();
      draw(`landscape-${l.column}`, planeChart(l, domain), values.length);
      el(`landscape-${l.column}`).dataset.finite = String(values.filter(Number.isFinite).length);
    }
    el('landscape-summary').textContent = landscapes
      .map(
        (l) =>
          `${l.column}: loss ${fmt(l.plane.center)}, rise within radius 1: 1-D ${fmt(l.line.sharpness.value)}, ` +
          `2-D ${fmt(l.plane.sharpness.value)} (1-D ${l.line.t.length} points in ${l.ms.line.toFixed(0)} ms, ` +
          `2-D ${l.plane.a.length}×${l.plane.b.length} in ${l.ms.plane.toFixed(0)} ms)`,
      )
      .join('; ');
  }
}

/** Lets the browser paint a status line before a blocking probe. */
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/**
 * Runs one session. `status` reports progress; `stopRequested` is polled after every step.
 * Everything it allocates on the device is released, also on error.
 */
export async function runSession(
  settings: SessionSettings,
  status: (text: string) => void,
  stopRequested: () => boolean,
): Promise<void> {
  status('loading data…');
  const task = await loadTask({ kind: settings.kind, labelNoise: settings.labelNoise, seed: settings.seed });
  let columns: Column[] = [];
  try {
    columns = makeColumns(task, settings.configs, settings.seed);
    const view = new View(task, columns);
    let pending = Promise.resolve();
    const made = await trainSideBySide(task, columns, settings, {
      onEval: (records) => void (pending = pending.then(() => view.onEval(records))),
      onSharpness: (record) => view.onSharpness(record),
      onStep: (step) => {
        status(`step ${step} / ${settings.steps} (${tf.getBackend()})`);
        return stopRequested();
      },
    });
    await pending;
    status(`trained ${made} steps; slicing the loss landscapes…`);
    await nextFrame();
    view.drawLandscapes(columns.map((c) => landscapeOf(c, task.train)));
    status(`done: ${made} steps on ${tf.getBackend()}`);
  } finally {
    disposeColumns(columns);
    task.dispose();
  }
}
