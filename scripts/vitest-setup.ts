import * as tf from '@tensorflow/tfjs-core';

// Silences the cpu backend's "looks like you are running TensorFlow.js in Node.js" banner.
// (Not IS_TEST: that turns on a kernel leak check the wasm backend's own kernels trip.)
tf.env().set('PROD', true);
