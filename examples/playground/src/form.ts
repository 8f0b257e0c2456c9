/**
 * The settings of both columns, built from one field list so the two stay alike, and read back
 * into StackConfigs. Values are passed on as typed: the plugins validate them and their errors
 * (which name the option, the value and the allowed range) are shown on the page.
 */
import type { GradRegMethod } from '@flatopt/grad-reg';
import type { BaseOptimizer, StackConfig } from './stack';

type Value = string | number | boolean;

interface Field {
  readonly key: string;
  readonly label: string;
  /** Options of a select; absent for number and checkbox fields. */
  readonly options?: readonly string[];
  readonly step?: number;
  /** Default of column A and column B (B differs only in what it stacks). */
  readonly defaults: readonly [Value, Value];
}

const FIELDS: readonly Field[] = [
  { key: 'optimizer', label: 'optimizer', options: ['sgd', 'momentum', 'adam'], defaults: ['sgd', 'sgd'] },
  { key: 'lr', label: 'learning rate', step: 0.01, defaults: [0.1, 0.1] },
  { key: 'sam', label: 'SAM', defaults: [false, true] },
  { key: 'rho', label: 'ρ', step: 0.01, defaults: [0.05, 0.05] },
  { key: 'adaptive', label: 'ASAM (adaptive)', defaults: [false, false] },
  { key: 'gr', label: 'gradient reg.', defaults: [false, false] },
  {
    key: 'grMethod',
    label: 'GR method',
    options: ['forward', 'central', 'double-backprop'],
    defaults: ['forward', 'forward'],
  },
  { key: 'gamma', label: 'γ', step: 0.01, defaults: [0.05, 0.05] },
  { key: 'epsilon', label: 'ε', step: 0.01, defaults: [0.05, 0.05] },
  { key: 'flood', label: 'flooding', defaults: [false, false] },
  { key: 'level', label: 'flood level b', step: 0.01, defaults: [0.1, 0.1] },
  { key: 'wn', label: 'weight norm', defaults: [false, false] },
  { key: 'igr', label: 'IGR monitor (R_IG)', defaults: [true, true] },
  { key: 'avg', label: 'weight average', options: ['none', 'ema', 'swa'], defaults: ['none', 'none'] },
  { key: 'decay', label: 'EMA decay', step: 0.001, defaults: [0.99, 0.99] },
  { key: 'swaStart', label: 'SWA from step', step: 10, defaults: [150, 150] },
];

export const COLUMN_NAMES = ['A', 'B'] as const;

/** The element id of a field of a column, e.g. `rho-B`. */
export const fieldId = (key: string, column: string): string => `${key}-${column}`;

function control(field: Field, column: string, value: Value): HTMLElement {
  const id = fieldId(field.key, column);
  if (field.options) {
    const select = document.createElement('select');
    select.id = id;
    for (const o of field.options) select.add(new Option(o, o, false, o === value));
    return select;
  }
  const input = document.createElement('input');
  input.id = id;
  if (typeof value === 'boolean') {
    input.type = 'checkbox';
    input.checked = value;
  } else {
    input.type = 'number';
    input.step = String(field.step ?? 'any');
    input.value = String(value);
  }
  return input;
}

/** Fills `root` with a fieldset per column. */
export function buildColumnForms(root: HTMLElement): void {
  COLUMN_NAMES.forEach((column, c) => {
    const set = document.createElement('fieldset');
    set.className = `column column-${column}`;
    set.append(Object.assign(document.createElement('legend'), { textContent: `Configuration ${column}` }));
    for (const field of FIELDS) {
      const label = document.createElement('label');
      label.append(`${field.label} `, control(field, column, field.defaults[c]));
      set.append(label);
    }
    root.append(set);
  });
}

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
}

const text = (key: string, column: string) => element<HTMLInputElement>(fieldId(key, column)).value;
const num = (key: string, column: string) => Number(text(key, column));
const on = (key: string, column: string) => element<HTMLInputElement>(fieldId(key, column)).checked;

/** The StackConfig a column's form describes. */
export function readStack(column: string): StackConfig {
  return {
    optimizer: text('optimizer', column) as BaseOptimizer,
    learningRate: num('lr', column),
    sam: { on: on('sam', column), rho: num('rho', column), adaptive: on('adaptive', column) },
    gradReg: {
      on: on('gr', column),
      method: text('grMethod', column) as GradRegMethod,
      gamma: num('gamma', column),
      epsilon: num('epsilon', column),
    },
    flooding: { on: on('flood', column), level: num('level', column) },
    weightNorm: { on: on('wn', column) },
    igrMonitor: { on: on('igr', column) },
    averaging: {
      kind: text('avg', column) as StackConfig['averaging']['kind'],
      decay: num('decay', column),
      start: num('swaStart', column),
    },
  };
}
