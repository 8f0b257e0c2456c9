import * as tf from '@tensorflow/tfjs';
import * as core from '@flatopt/core';
import * as kit from '@flatopt/core/testing';
import * as sam from '@flatopt/sam';
import * as gr from '@flatopt/grad-reg';
import * as wn from '@flatopt/weight-norm';
import * as fl from '@flatopt/flooding';
import * as igr from '@flatopt/implicit-gr';
import { expose } from './expose';
import { findCase } from '../plan';

tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
tf.env().set('WEBGL_RENDER_FLOAT32_CAPABLE', false);
const lib = { tf, core, kit, sam, gr, wn, fl, igr, findCase };
expose({
  run: async (code: string) => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function('lib', `return (async () => { ${code} })()`);
    return fn(lib);
  },
});
