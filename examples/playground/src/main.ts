/** The playground page: starts a backend, builds the forms, and runs a session per click. */
import { startBackend } from './backend';
import { buildColumnForms, COLUMN_NAMES, readStack } from './form';
import { mountIgrPicture } from './igr/picture';
import { runSession, type SessionSettings } from './session';
import type { TaskKind } from './task';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => byId<HTMLInputElement>(id).value;

function setState(state: 'ready' | 'training' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  byId('status').textContent = text;
}

function settings(): SessionSettings {
  return {
    kind: value('data') as TaskKind,
    labelNoise: Number(value('noise')),
    seed: Number(value('seed')),
    steps: Number(value('steps')),
    batchSize: Number(value('batch')),
    evalEvery: 10,
    sharpnessEvery: Number(value('sharp-every')),
    configs: COLUMN_NAMES.map(readStack),
  };
}

/** Settings the page itself can get wrong; the optimizers check their own options. */
function checkSettings(s: SessionSettings): void {
  const integer = (name: string, v: number, min: number) => {
    if (!(Number.isInteger(v) && v >= min))
      throw new RangeError(`${name} must be an integer ≥ ${min}; got ${v}`);
  };
  integer('steps', s.steps, 1);
  integer('batch size', s.batchSize, 1);
  integer('λ_max every', s.sharpnessEvery, 0);
  integer('seed', s.seed, 0);
}

async function train(): Promise<void> {
  let stop = false;
  const [trainButton, stopButton] = [byId<HTMLButtonElement>('train'), byId<HTMLButtonElement>('stop')];
  stopButton.onclick = () => (stop = true);
  trainButton.disabled = true;
  stopButton.disabled = false;
  try {
    const s = settings();
    checkSettings(s);
    setState('training', 'starting…');
    await runSession(
      s,
      (text) => (byId('status').textContent = text),
      () => stop,
    );
    setState('done', byId('status').textContent ?? 'done');
  } catch (e) {
    setState('error', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  } finally {
    trainButton.disabled = false;
    stopButton.disabled = true;
  }
}

async function start(): Promise<void> {
  const backend = await startBackend(new URLSearchParams(location.search).get('backend'));
  byId('backend').textContent = backend;
  document.body.dataset.backend = backend;
  buildColumnForms(byId('columns'));
  const noise = byId<HTMLInputElement>('noise');
  noise.oninput = () => (byId('noise-value').textContent = noise.value);
  byId('train').onclick = () => void train();
  mountIgrPicture(byId('igr'));
  setState('ready', 'ready: press “Train both”');
}

start().catch((e: unknown) =>
  setState('error', `the page did not start: ${e instanceof Error ? e.message : String(e)}`),
);
