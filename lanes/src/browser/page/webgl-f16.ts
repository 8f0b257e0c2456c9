/**
 * The WebGL page with half-precision render targets: the flags are set here, after tfjs registers
 * its backends and before the first backend use initializes WebGL. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from './backend-info';
import { runCase } from './conformance';
import { pluginEffect } from './effect';
import { samAscent, tinyProbe, weightNormRoundTrip } from './precision';
import { expose } from './expose';

tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
tf.env().set('WEBGL_RENDER_FLOAT32_CAPABLE', false);
// tfjs runs small ops on the cpu when their inputs are still there (WEBGL_CPU_FORWARD): in float32
// that changes nothing, in float16 it mixes exact and rounded results by where a tensor happens to
// live, so two identical computations could differ. Off, every kernel runs on the GPU, as it does
// for the large tensors of a real model.
tf.env().set('WEBGL_CPU_FORWARD', false);

expose({ backendInfo, runCase, pluginEffect, samAscent, weightNormRoundTrip, tinyProbe });
