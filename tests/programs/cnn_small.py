"""A small CNN trained the TF1 way: conv2d + batch norm + max pooling + flatten + dense +
dropout, Adam, the batch-norm updates run with the train op.

    .venv/bin/python tests/programs/cnn_small.py            # teachflow
    .venv-tf/bin/python tests/programs/cnn_small.py --tensorflow   # the same on TF
      (TF needs tf_keras for tf.compat.v1.layers: see record_cnn_small.py)

Everything is deterministic: the images are a fixed function of their index, the labels
follow from the images, every initializer is a constant, and dropout's mask comes from a
graph seed and an op seed — teachflow draws TensorFlow's own random numbers, so both
engines drop the same units. ``train(tf, dropout=False)`` feeds ``training=False`` to the
dropout layer (the run a test compares first); ``main`` trains with it on.
"""

from __future__ import annotations

import sys

import numpy as np

BATCH = 16
STEPS = 6


def images_and_labels():
    """16 images 12x12x1: smooth patterns whose class is the quadrant of their peak."""
    i = np.arange(BATCH, dtype=np.float64)[:, None, None]
    yy, xx = np.meshgrid(np.arange(12.0), np.arange(12.0), indexing="ij")
    cy = 2.5 + 6 * ((i % 4) // 2)
    cx = 2.5 + 6 * (i % 2)
    images = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (4 + (i % 3))) + 0.05 * np.sin(i + xx)
    labels = ((i % 4)[:, 0, 0]).astype(np.int32)
    return images[..., None].astype(np.float32), labels


def constant_weights(shape, scale, phase):
    """A fixed, varied weight pattern (no random numbers: both engines get the same)."""
    n = int(np.prod(shape))
    return (scale * np.sin(np.arange(n) * 0.7 + phase)).reshape(shape).astype(np.float32)


def build(tf):
    """The graph: returns (feeds dict maker, fetches) over placeholders."""
    # A graph seed plus an op seed fixes dropout's stream whatever ops come before it
    # (TF's layers make resource-variable ops that teachflow's layers do not).
    tf.set_random_seed(1234)
    x = tf.placeholder(tf.float32, [None, 12, 12, 1], name="images")
    y = tf.placeholder(tf.int32, [None], name="labels")
    bn_training = tf.placeholder(tf.bool, [], name="bn_training")
    dropout_training = tf.placeholder(tf.bool, [], name="dropout_training")
    h = tf.layers.conv2d(
        x,
        8,
        3,
        padding="same",
        # No bias before batch norm: BN removes it, so its gradient is rounding noise that
        # Adam would amplify into steps of random sign.
        use_bias=False,
        kernel_initializer=tf.constant_initializer(constant_weights([3, 3, 1, 8], 0.4, 0.0)),
    )
    h = tf.layers.batch_normalization(h, training=bn_training)
    h = tf.nn.relu(h)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(
        h,
        8,
        3,
        strides=2,
        padding="valid",
        activation=tf.nn.relu,
        kernel_initializer=tf.constant_initializer(constant_weights([3, 3, 8, 8], 0.2, 1.0)),
    )
    h = tf.layers.flatten(h)
    h = tf.layers.dense(
        h,
        16,
        activation=tf.nn.relu,
        kernel_initializer=tf.constant_initializer(constant_weights([32, 16], 0.2, 2.0)),
    )
    h = tf.layers.batch_normalization(h, training=True)
    h = tf.layers.dropout(h, rate=0.25, seed=7, training=dropout_training)
    logits = tf.layers.dense(
        h, 4, kernel_initializer=tf.constant_initializer(constant_weights([16, 4], 0.3, 3.0))
    )
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    accuracy = tf.reduce_mean(
        tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32)
    )
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    placeholders = (x, y, bn_training, dropout_training)
    return placeholders, {"loss": loss, "accuracy": accuracy, "train_op": train_op}


def train(tf, dropout=False, steps=STEPS):
    """Train ``steps`` steps; returns per-step losses, final accuracy and every variable."""
    images, labels = images_and_labels()
    graph = tf.Graph()
    with graph.as_default():
        (x, y, bn_training, dropout_training), fetch = build(tf)
        init = tf.global_variables_initializer()
        variables = tf.global_variables()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            losses = []
            feed = {x: images, y: labels, bn_training: True, dropout_training: dropout}
            for _ in range(steps):
                loss, _ = sess.run([fetch["loss"], fetch["train_op"]], feed)
                losses.append(float(loss))
            evaluation = {x: images, y: labels, bn_training: False, dropout_training: False}
            final_loss, accuracy = sess.run([fetch["loss"], fetch["accuracy"]], evaluation)
            values = sess.run(variables)
    return {
        "losses": losses,
        "eval_loss": float(final_loss),
        "eval_accuracy": float(accuracy),
        "variables": {v.name: value for v, value in zip(variables, values)},
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--tensorflow" in argv:
        import tensorflow.compat.v1 as tf

        tf.disable_eager_execution()
    else:
        import teachflow as tf
    result = train(tf, dropout=True, steps=20)
    print("losses:", " ".join(f"{v:.4f}" for v in result["losses"]))
    print(f"eval loss {result['eval_loss']:.4f}, accuracy {result['eval_accuracy']:.2f}")


if __name__ == "__main__":
    main()
