import * as tf from '@tensorflow/tfjs-core';
import { withPlugins, type Plugin, type PluggedOptimizer } from '@flatopt/core';
import { ema, swa } from '@flatopt/averaging';
import { flooding } from '@flatopt/flooding';
import { gradReg, type GradRegMethod } from '@flatopt/grad-reg';
import { igrMonitor, type IgrMonitor } from '@flatopt/implicit-gr';
import { sam } from '@flatopt/sam';
import { weightNorm } from '@flatopt/weight-norm';

export type BaseOptimizer = 'sgd' | 'momentum' | 'adam';

/** One column of the playground: a tf.train optimizer and the plugins stacked on it. */
export interface StackConfig {
  readonly optimizer: BaseOptimizer;
  readonly learningRate: number;
  /** SAM (Foret et al.) or, with `adaptive`, ASAM (Kwon et al.). */
  readonly sam: { readonly on: boolean; readonly rho: number; readonly adaptive: boolean };
  /** Gradient regularization (γ/2)·‖∇L‖² (Karakida et al.): finite differences or double backprop. */
  readonly gradReg: {
    readonly on: boolean;
    readonly method: GradRegMethod;
    readonly gamma: number;
    readonly epsilon: number;
  };
  /** Flooding (Ishida et al.): |L − b| + b. */
  readonly flooding: { readonly on: boolean; readonly level: number };
  /** w = g·v/‖v‖ on every kernel (Salimans & Kingma). */
  readonly weightNorm: { readonly on: boolean };
  /** Barrett & Dherin's R_IG, recorded every step at no extra gradient evaluation. */
  readonly igrMonitor: { readonly on: boolean };
  /** A running average of the weights beside training: EMA with `decay`, or SWA from step `start`. */
  readonly averaging: {
    readonly kind: 'none' | 'ema' | 'swa';
    readonly decay: number;
    readonly start: number;
  };
}

export interface Stack {
  readonly optimizer: PluggedOptimizer;
  readonly monitor: IgrMonitor | undefined;
  /** e.g. "adam 0.01 + SAM ρ 0.05 + flooding b 0.1". */
  readonly label: string;
  /** The number of steps after which an average exists (EMA: 1, SWA: start + 1); absent without averaging. */
  readonly averagedFrom?: number;
}

function base(config: StackConfig): tf.Optimizer {
  const lr = config.learningRate;
  if (!(Number.isFinite(lr) && lr > 0)) {
    throw new RangeError(`learning rate must be a finite number > 0; got ${lr}`);
  }
  if (config.optimizer === 'adam') return tf.train.adam(lr);
  if (config.optimizer === 'momentum') return tf.train.momentum(lr, 0.9);
  return tf.train.sgd(lr);
}

/**
 * The plugins of a config, outermost first: an average (EMA/SWA) first, so it averages the
 * weights every other plugin has finished with; flooding shapes the loss every other plugin
 * differentiates; SAM/GR make their extra evaluations of that loss; weight norm reparameterizes
 * the kernels they all see; the IGR monitor goes last (innermost), where it sees the plain ∇E at
 * the current weights rather than SAM's or GR's modified gradient (its README says why). Each
 * plugin validates its own options and throws a FlatoptError naming the option, before anything
 * is trained.
 */
function plugins(config: StackConfig): { list: Plugin[]; monitor?: IgrMonitor; parts: string[] } {
  const list: Plugin[] = [];
  const parts: string[] = [`${config.optimizer} ${config.learningRate}`];
  const { kind, decay, start } = config.averaging;
  if (kind === 'ema') list.push(ema({ decay }));
  if (kind === 'swa') list.push(swa({ start }));
  if (config.flooding.on) {
    list.push(flooding({ level: config.flooding.level }));
    parts.push(`flooding b ${config.flooding.level}`);
  }
  if (config.sam.on) {
    list.push(sam({ rho: config.sam.rho, adaptive: config.sam.adaptive }));
    parts.push(`${config.sam.adaptive ? 'ASAM' : 'SAM'} ρ ${config.sam.rho}`);
  }
  if (config.gradReg.on) {
    const { method, gamma, epsilon } = config.gradReg;
    list.push(gradReg(method === 'double-backprop' ? { method, gamma } : { method, gamma, epsilon }));
    parts.push(`GR ${method} γ ${gamma}`);
  }
  if (config.weightNorm.on) {
    list.push(weightNorm());
    parts.push('weight norm');
  }
  const monitor = config.igrMonitor.on ? igrMonitor({ keep: 100_000 }) : undefined;
  if (monitor) list.push(monitor);
  if (kind === 'ema') parts.push(`EMA d ${decay}`);
  if (kind === 'swa') parts.push(`SWA from step ${start}`);
  return { list, monitor, parts };
}

/** The optimizer of one column; throws (with the option named) on bad settings. */
export function buildStack(config: StackConfig): Stack {
  const { list, monitor, parts } = plugins(config);
  const inner = base(config);
  const { kind, start } = config.averaging;
  const averagedFrom = kind === 'ema' ? 1 : kind === 'swa' ? start + 1 : undefined;
  return { optimizer: withPlugins(inner, ...list), monitor, label: parts.join(' + '), averagedFrom };
}
