import { describe, expect, it } from 'vitest';
import { flatoptErrorMessage } from './testing/errors';
import {
  deserializePlugin,
  registeredPluginTypes,
  registerPlugin,
  serializePlugin,
  type PluginFactory,
} from './registry';
import type { Plugin, PluginConfig } from './types';

const message = flatoptErrorMessage;

/** A toy plugin type whose config is `{ strength }`; `name` is the instance name. */
const toy = (strength: number, name = 'toy'): Plugin => ({
  name,
  type: 'toy',
  getConfig: () => ({ strength }),
});
const toyFactory: PluginFactory = (config, name) => toy(config.strength as number, name);

// The registry is module state: tests below run in order and build on one another.
describe('plugin registry', () => {
  it('with nothing registered, names no known type and tells what to import', () => {
    expect(registeredPluginTypes()).toEqual([]);
    expect(message(() => deserializePlugin({ type: 'sam', name: 'sam', config: {} }))).toBe(
      "fromConfig: no plugin type 'sam' is registered (known: none). Import '@flatopt/sam', which defines it, before loading.",
    );
    // Each type names its own package (issue 16: the hint always said '@flatopt/sam').
    expect(message(() => deserializePlugin({ type: 'weightNorm', name: 'weightNorm', config: {} }))).toBe(
      "fromConfig: no plugin type 'weightNorm' is registered (known: none). Import '@flatopt/weight-norm', which defines it, before loading.",
    );
    expect(message(() => deserializePlugin({ type: 'mine', name: 'mine', config: {} }))).toBe(
      "fromConfig: no plugin type 'mine' is registered (known: none). " +
        'Import the package that defines it before loading, or call registerPlugin() for a plugin of your own.',
    );
  });

  it('rebuilds a registered plugin from its serialized form, with its instance name', () => {
    registerPlugin('toy', toyFactory);
    const entry = serializePlugin(toy(3, 'toyOuter'));
    expect(entry).toEqual({ type: 'toy', name: 'toyOuter', config: { strength: 3 } });
    const back = deserializePlugin(JSON.parse(JSON.stringify(entry)));
    expect(back.name).toBe('toyOuter');
    expect(back.type).toBe('toy');
    expect(back.getConfig()).toEqual({ strength: 3 });
  });

  it('passes config and name to the factory unchanged; the type defaults to the name', () => {
    const calls: Array<[PluginConfig, string]> = [];
    registerPlugin('recorder', (config, name) => {
      calls.push([config, name]);
      return { name, getConfig: () => config };
    });
    const entry = serializePlugin({ name: 'recorder', getConfig: () => ({ a: 1, b: 'x', c: [true, null] }) });
    expect(entry.type).toBe('recorder');
    deserializePlugin(entry);
    expect(calls).toEqual([[{ a: 1, b: 'x', c: [true, null] }, 'recorder']]);
  });

  it('lists the known types, sorted, when a type is unknown', () => {
    expect(registeredPluginTypes()).toEqual(['recorder', 'toy']);
    expect(message(() => deserializePlugin({ type: 'flooding', name: 'flooding', config: {} }))).toBe(
      "fromConfig: no plugin type 'flooding' is registered (known: recorder, toy). Import '@flatopt/flooding', which defines it, before loading.",
    );
  });

  it('registering a type again replaces its factory', () => {
    registerPlugin('toy', (config, name) => toy((config.strength as number) * 10, name));
    expect(deserializePlugin({ type: 'toy', name: 'toy', config: { strength: 2 } }).getConfig()).toEqual({
      strength: 20,
    });
    expect(registeredPluginTypes()).toEqual(['recorder', 'toy']);
  });

  it("refuses a type with '_' (tfjs-layers rewrites it on load), an empty type and a non-function", () => {
    const why =
      "registerPlugin: 'type' must be a non-empty string without '_' (tfjs-layers rewrites '_' on load)";
    expect(message(() => registerPlugin('grad_reg', toyFactory))).toBe(`${why}; got "grad_reg".`);
    expect(message(() => registerPlugin('', toyFactory))).toBe(`${why}; got "".`);
    expect(message(() => registerPlugin(7 as never, toyFactory))).toBe(`${why}; got 7.`);
    expect(message(() => registerPlugin('gradReg', { create: toyFactory } as never))).toBe(
      "registerPlugin: 'factory' must be a function; got an object.",
    );
    expect(registeredPluginTypes()).toEqual(['recorder', 'toy']);
  });
});
