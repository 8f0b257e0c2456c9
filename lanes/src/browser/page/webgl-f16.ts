/**
 * The WebGL page with half-precision render targets: the flags are set here, after tfjs registers
 * its backends and before the first backend use initializes WebGL. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from './backend-info';
import { runCase } from './conformance';
import { pluginEffect } from './effect';
import { expose } from './expose';

tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
tf.env().set('WEBGL_RENDER_FLOAT32_CAPABLE', false);

expose({ backendInfo, runCase, pluginEffect });
