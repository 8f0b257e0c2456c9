import * as tf from '@tensorflow/tfjs-core';

/**
 * Softmax cross-entropy from logits, written so that its gradient can itself be differentiated
 * (double backprop, Hessian-vector products):
 *
 *   loss_i = logSumExp(z_i) − Σ_k y_ik·z_ik   (labels y, logits z, classes on the last axis)
 *
 * averaged over the examples (`'mean'`), or one value per example (`'none'`: the shape of the
 * logits without their last axis).
 *
 * Why not `tf.losses.softmaxCrossEntropy` or `tf.logSoftmax`: both are `tf.customGrad` ops whose
 * gradient function uses intermediates computed inside the op, off the tape, so a gradient of their
 * gradient is silently wrong in tfjs 4.22 (TFJS_INTERNALS §3, root cause B; relative error 0.6–0.9
 * on a Hessian-vector product), and no gradient re-registration can fix that. This one is built
 * from plain ops; its second derivative is right once `enableSecondOrderGradients()` is on
 * (logSumExp runs Max, Equal and Exp, whose nested gradients need the fix) and throws otherwise.
 *
 * For label rows that sum to 1 (one-hot or soft labels) the value equals tfjs'; the gradient in
 * the logits, softmax(z) − y, equals tfjs' custom gradient for any labels.
 */
export function softmaxCrossEntropy(
  labels: tf.Tensor,
  logits: tf.Tensor,
  reduction: 'mean' | 'none' = 'mean',
): tf.Tensor {
  if (reduction !== 'mean' && reduction !== 'none') {
    throw new Error(
      `softmaxCrossEntropy: reduction must be 'mean' or 'none'; got ${JSON.stringify(reduction)}.`,
    );
  }
  if (logits.rank < 1 || !tf.util.arraysEqual(labels.shape, logits.shape)) {
    throw new Error(
      `softmaxCrossEntropy: labels and logits must have the same shape, classes on the last axis; ` +
        `got labels [${labels.shape.join(', ')}] and logits [${logits.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const z = tf.cast(logits, 'float32');
    const perExample = tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(tf.cast(labels, 'float32'), z), -1));
    return reduction === 'mean' ? tf.mean(perExample) : perExample;
  });
}
