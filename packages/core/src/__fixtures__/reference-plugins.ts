import * as tf from '@tensorflow/tfjs-core';
import { registerPlugin } from '../registry';
import * as tl from '../tensor-list';
import type { Grads, Plugin } from '../types';

/**
 * Reference plugins for core's own tests: two well-behaved ones that exercise probes, state and
 * the apply stage, and deliberately broken ones the conformance kit must catch.
 */

/** Central two-sided probe: G = (∇L(θ + ρg) + ∇L(θ − ρg)) / 2. With ρ = 0, G = g exactly. */
export function probeTwice(options: { rho?: number; name?: string } = {}): Plugin {
  const rho = options.rho ?? 0.05;
  return {
    name: options.name ?? 'probeTwice',
    type: 'probeTwice',
    evaluate(ctx, next) {
      const first = next();
      const up = ctx.probe(first.grads, rho, next);
      const down = ctx.probe(first.grads, -rho, next);
      ctx.record('sharpness', tf.sub(up.loss, first.loss) as tf.Scalar);
      return { loss: first.loss, grads: tl.combine(0.5, up.grads, 0.5, down.grads) };
    },
    getConfig: () => ({ rho }),
  };
}
registerPlugin('probeTwice', (c, name) => probeTwice({ rho: c.rho as number, name }));

/**
 * Heavy-ball on the gradient in the apply stage: G = g + β·G_prev, with G_prev as plugin state
 * created in `init`, which core names, saves, restores and disposes.
 */
export function heavyBall(options: { beta?: number } = {}): Plugin & { readonly previous: tf.Variable[] } {
  const beta = options.beta ?? 0.5;
  let previous: tf.Variable[] = [];
  return {
    name: 'heavyBall',
    get previous() {
      return previous;
    },
    init(ctx) {
      previous = ctx.perVariable('previous', (v) => tf.zerosLike(v)) as tf.Variable[];
    },
    apply(ctx, grads, next) {
      const out: Grads = beta === 0 ? grads : tl.scaledAdd(grads, previous, beta);
      out.forEach((g, i) => g && i < previous.length && previous[i].assign(g));
      next(out);
    },
    getConfig: () => ({ beta }),
  };
}
registerPlugin('heavyBall', (c) => heavyBall({ beta: c.beta as number }));

/** Broken: keeps a tensor every step. */
export function leaky(): Plugin {
  return {
    name: 'leaky',
    evaluate(_ctx, next) {
      tf.keep(tf.scalar(1));
      return next();
    },
    getConfig: () => ({}),
  };
}
registerPlugin('leaky', () => leaky());

/** Broken: displaces the weights by hand and never puts them back. */
export function noRestore(): Plugin {
  return {
    name: 'noRestore',
    evaluate(ctx, next) {
      const ev = next();
      tf.tidy(() =>
        ctx.variables.forEach((v, i) => ev.grads[i] && v.assign(tf.add(v, tf.mul(ev.grads[i]!, 1e-3)))),
      );
      return ev;
    },
    getConfig: () => ({}),
  };
}
registerPlugin('noRestore', () => noRestore());

/** Broken: its "neutral" setting still rescales the gradient by 1 + 1e-6. */
export function notNeutral(): Plugin {
  return {
    name: 'notNeutral',
    evaluate(_ctx, next) {
      const ev = next();
      return { loss: ev.loss, grads: tl.scale(ev.grads, 1 + 1e-6) };
    },
    getConfig: () => ({}),
  };
}
registerPlugin('notNeutral', () => notNeutral());

/** Broken: its factory ignores the config, so settings are lost on load. */
export function forgetsConfig(options: { strength?: number } = {}): Plugin {
  const strength = options.strength ?? 1;
  return { name: 'forgetsConfig', evaluate: (_c, next) => next(), getConfig: () => ({ strength }) };
}
registerPlugin('forgetsConfig', () => forgetsConfig());

/** Broken: stateful, but it zeroes its state at its first step, so restored state is lost. */
export function forgetsState(): Plugin {
  const base = heavyBall({ beta: 0.5 });
  let fresh = true;
  return {
    ...base,
    name: 'forgetsState',
    type: 'forgetsState',
    apply(ctx, grads, next) {
      if (fresh) base.previous.forEach((v) => v.assign(tf.zerosLike(v)));
      fresh = false;
      base.apply!(ctx, grads, next);
    },
  };
}
registerPlugin('forgetsState', () => forgetsState());

/** Broken: its first evaluation runs at displaced weights, so fit would report a perturbed loss. */
export function primaryDisplaced(): Plugin {
  return {
    name: 'primaryDisplaced',
    evaluate(ctx, next) {
      const shift = ctx.variables.map((v) => tf.onesLike(v));
      return ctx.probe(shift, 0.01, next);
    },
    getConfig: () => ({}),
  };
}
registerPlugin('primaryDisplaced', () => primaryDisplaced());
