"""Deep MNIST for experts (TensorFlow's ``mnist_deep.py`` tutorial): ``weight_variable``
(``tf.truncated_normal(stddev=0.1)``) and ``bias_variable`` helpers, ``conv2d`` and
``max_pool_2x2``, two convolution + pooling layers under name scopes, a fully connected
layer, ``tf.nn.dropout`` with a fed ``keep_prob``, ``softmax_cross_entropy_with_logits``,
Adam, accuracy with ``tf.equal(tf.argmax(...))`` and ``Tensor.eval``/``Operation.run``, and
the graph written by a ``FileWriter``.

The images are synthetic (no MNIST download) and smaller: 12x12 pictures of one of ten
noisy stripe patterns, so two 2x2 poolings leave 3x3 feature maps (the tutorial's 7x7).
"""

# The tutorial's own %-formatted prints are kept as it writes them.
# ruff: noqa: UP031

import argparse
import json
import shutil
import sys
import tempfile

import numpy as np

import teachflow as tf

FLAGS = None
SIDE, CLASSES = 12, 10


class DataSet:
    """What ``input_data.read_data_sets`` hands out: images, one-hot labels, next_batch."""

    def __init__(self, n, rng, prototypes):
        labels = rng.randint(0, CLASSES, size=n)
        noise = 0.3 * rng.rand(n, SIDE * SIDE)
        self.images = (0.7 * prototypes[labels] + noise).astype(np.float32)
        self.labels = np.eye(CLASSES, dtype=np.float32)[labels]
        self._start = 0

    def next_batch(self, batch_size):
        start, self._start = self._start, (self._start + batch_size) % len(self.images)
        return self.images[start : start + batch_size], self.labels[start : start + batch_size]


def read_data_sets():
    rng = np.random.RandomState(7)
    prototypes = np.zeros((CLASSES, SIDE, SIDE))
    for label in range(CLASSES):
        prototypes[label, label % SIDE, :] = 1.0  # a row ...
        prototypes[label, :, (3 * label + 1) % SIDE] = 1.0  # ... and a column per digit
    prototypes = prototypes.reshape(CLASSES, SIDE * SIDE)
    return argparse.Namespace(train=DataSet(96, rng, prototypes), test=DataSet(40, rng, prototypes))


def deepnn(x):
    """deepnn builds the graph for a deep net for classifying digits.

    Returns (y, keep_prob): the logits of the ten classes and the dropout placeholder.
    """
    with tf.name_scope("reshape"):
        x_image = tf.reshape(x, [-1, SIDE, SIDE, 1])

    # First convolutional layer - maps one grayscale image to 8 feature maps.
    with tf.name_scope("conv1"):
        W_conv1 = weight_variable([5, 5, 1, 8])
        b_conv1 = bias_variable([8])
        h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)

    with tf.name_scope("pool1"):
        h_pool1 = max_pool_2x2(h_conv1)

    # Second convolutional layer -- maps 8 feature maps to 16.
    with tf.name_scope("conv2"):
        W_conv2 = weight_variable([5, 5, 8, 16])
        b_conv2 = bias_variable([16])
        h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)

    with tf.name_scope("pool2"):
        h_pool2 = max_pool_2x2(h_conv2)

    # After two rounds of downsampling the 12x12 image is 3x3x16 feature maps.
    with tf.name_scope("fc1"):
        W_fc1 = weight_variable([3 * 3 * 16, 64])
        b_fc1 = bias_variable([64])

        h_pool2_flat = tf.reshape(h_pool2, [-1, 3 * 3 * 16])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

    with tf.name_scope("dropout"):
        keep_prob = tf.placeholder(tf.float32)
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

    with tf.name_scope("fc2"):
        W_fc2 = weight_variable([64, CLASSES])
        b_fc2 = bias_variable([CLASSES])

        y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2
    return y_conv, keep_prob


def conv2d(x, W):
    """conv2d returns a 2d convolution layer with full stride."""
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    """max_pool_2x2 downsamples a feature map by 2X."""
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def weight_variable(shape):
    """weight_variable generates a weight variable of a given shape."""
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial)


def bias_variable(shape):
    """bias_variable generates a bias variable of a given shape."""
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial)


def main(_):
    mnist = read_data_sets()
    tf.set_random_seed(2017)

    x = tf.placeholder(tf.float32, [None, SIDE * SIDE])
    y_ = tf.placeholder(tf.float32, [None, CLASSES])
    y_conv, keep_prob = deepnn(x)

    with tf.name_scope("loss"):
        cross_entropy = tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv)
    cross_entropy = tf.reduce_mean(cross_entropy)

    with tf.name_scope("adam_optimizer"):
        train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)

    with tf.name_scope("accuracy"):
        correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
        correct_prediction = tf.cast(correct_prediction, tf.float32)
    accuracy = tf.reduce_mean(correct_prediction)

    graph_location = tempfile.mkdtemp()
    print(f"Saving graph to: {graph_location}")
    train_writer = tf.summary.FileWriter(graph_location)
    train_writer.add_graph(tf.get_default_graph())
    train_writer.close()
    shutil.rmtree(graph_location)

    history, losses = [], []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(FLAGS.steps):
            batch = mnist.train.next_batch(16)
            if i % 5 == 0:
                train_accuracy = accuracy.eval(
                    feed_dict={x: batch[0], y_: batch[1], keep_prob: 1.0}
                )
                print("step %d, training accuracy %g" % (i, train_accuracy))
                history.append(float(train_accuracy))
            # The dropped-out loss of the step (the same dropout mask as the update).
            _, dropped_loss = sess.run(
                [train_step, cross_entropy], feed_dict={x: batch[0], y_: batch[1], keep_prob: 0.5}
            )
            losses.append(float(dropped_loss))

        feed = {x: mnist.test.images, y_: mnist.test.labels, keep_prob: 1.0}
        test_accuracy = accuracy.eval(feed_dict=feed)
        print(f"test accuracy {test_accuracy:g}")
        test_loss = cross_entropy.eval(feed_dict=feed)
        logits = y_conv.eval(feed_dict={x: mnist.test.images[:2], keep_prob: 1.0})

    results = {
        "history": history,
        "losses": losses,
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "logits": logits.tolist(),
        "variables": [v.op.name for v in tf.trainable_variables()],
    }
    print("results:", json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30, help="Training steps")
    FLAGS, unparsed = parser.parse_known_args()
    tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
