"""TensorFlow's ``mnist_with_summaries.py`` tutorial: an ``InteractiveSession``,
``variable_summaries`` (mean, stddev, max, min and a histogram under name scopes) of every
weight and bias, histograms of pre-activations and activations, ``tf.summary.image`` of
the input, a dropout keep probability scalar, ``merge_all``, a train ``FileWriter`` given
``sess.graph`` and a test one, ``add_run_metadata`` of a FULL_TRACE ``RunMetadata``, and
``tf.gfile`` to make the summaries directory. The event files are then read back with
``tf.train.summary_iterator`` and their tags and values (not wall times) reported.

The images are synthetic (no MNIST download): 8x8 pictures of ten noisy patterns.
Unlike the tutorial, the training step waits for the merged summaries (a control
dependency): a TF1 (ref) variable's read aliases its buffer, so on TensorFlow an update
running before a histogram of the same weights changes what the histogram sees, and the
tutorial's summaries change from run to run.
"""

# The tutorial's own %-formatted prints are kept as it writes them.
# ruff: noqa: UP031

import argparse
import glob
import json
import os
import sys
import tempfile

import numpy as np

import teachflow as tf

FLAGS = None
PIXELS, CLASSES = 64, 10


class DataSet:
    def __init__(self, n, rng, prototypes):
        labels = rng.randint(0, CLASSES, size=n)
        self.images = (0.6 * prototypes[labels] + 0.4 * rng.rand(n, PIXELS)).astype(np.float32)
        self.labels = np.eye(CLASSES, dtype=np.float32)[labels]
        self._start = 0

    def next_batch(self, batch_size):
        start, self._start = self._start, (self._start + batch_size) % len(self.images)
        return self.images[start : start + batch_size], self.labels[start : start + batch_size]


def read_data_sets():
    rng = np.random.RandomState(3)
    prototypes = (rng.rand(CLASSES, PIXELS) > 0.6).astype(np.float64)
    return argparse.Namespace(
        train=DataSet(100, rng, prototypes), test=DataSet(30, rng, prototypes)
    )


def train():
    mnist = read_data_sets()
    tf.set_random_seed(99)

    sess = tf.InteractiveSession()

    with tf.name_scope("input"):
        x = tf.placeholder(tf.float32, [None, PIXELS], name="x-input")
        y_ = tf.placeholder(tf.float32, [None, CLASSES], name="y-input")

    with tf.name_scope("input_reshape"):
        image_shaped_input = tf.reshape(x, [-1, 8, 8, 1])
        tf.summary.image("input", image_shaped_input, 3)

    # We can't initialize these variables to 0 - the network will get stuck.
    def weight_variable(shape):
        """Create a weight variable with appropriate initialization."""
        initial = tf.truncated_normal(shape, stddev=0.1)
        return tf.Variable(initial)

    def bias_variable(shape):
        """Create a bias variable with appropriate initialization."""
        initial = tf.constant(0.1, shape=shape)
        return tf.Variable(initial)

    def variable_summaries(var):
        """Attach a lot of summaries to a Tensor (for TensorBoard visualization)."""
        with tf.name_scope("summaries"):
            mean = tf.reduce_mean(var)
            tf.summary.scalar("mean", mean)
            with tf.name_scope("stddev"):
                stddev = tf.sqrt(tf.reduce_mean(tf.square(var - mean)))
            tf.summary.scalar("stddev", stddev)
            tf.summary.scalar("max", tf.reduce_max(var))
            tf.summary.scalar("min", tf.reduce_min(var))
            tf.summary.histogram("histogram", var)

    def nn_layer(input_tensor, input_dim, output_dim, layer_name, act=tf.nn.relu):
        """A matmul, a bias add and a nonlinearity, with summaries, under one name scope."""
        with tf.name_scope(layer_name):
            with tf.name_scope("weights"):
                weights = weight_variable([input_dim, output_dim])
                variable_summaries(weights)
            with tf.name_scope("biases"):
                biases = bias_variable([output_dim])
                variable_summaries(biases)
            with tf.name_scope("Wx_plus_b"):
                preactivate = tf.matmul(input_tensor, weights) + biases
                tf.summary.histogram("pre_activations", preactivate)
            activations = act(preactivate, name="activation")
            tf.summary.histogram("activations", activations)
            return activations

    hidden1 = nn_layer(x, PIXELS, 24, "layer1")

    with tf.name_scope("dropout"):
        keep_prob = tf.placeholder(tf.float32)
        tf.summary.scalar("dropout_keep_probability", keep_prob)
        dropped = tf.nn.dropout(hidden1, keep_prob)

    # Do not apply softmax activation yet, see below.
    y = nn_layer(dropped, 24, CLASSES, "layer2", act=tf.identity)

    with tf.name_scope("cross_entropy"):
        diff = tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y)
        with tf.name_scope("total"):
            cross_entropy = tf.reduce_mean(diff)
    tf.summary.scalar("cross_entropy", cross_entropy)

    with tf.name_scope("accuracy"):
        with tf.name_scope("correct_prediction"):
            correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
        with tf.name_scope("accuracy"):
            accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    tf.summary.scalar("accuracy", accuracy)

    merged = tf.summary.merge_all()
    with tf.name_scope("train"), tf.control_dependencies([merged]):
        train_step = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(cross_entropy)

    train_writer = tf.summary.FileWriter(FLAGS.summaries_dir + "/train", sess.graph)
    test_writer = tf.summary.FileWriter(FLAGS.summaries_dir + "/test")
    tf.global_variables_initializer().run()

    def feed_dict(train):
        """Make a TensorFlow feed_dict: maps data onto Tensor placeholders."""
        if train:
            xs, ys = mnist.train.next_batch(20)
            k = FLAGS.dropout
        else:
            xs, ys = mnist.test.images, mnist.test.labels
            k = 1.0
        return {x: xs, y_: ys, keep_prob: k}

    traced = []
    for i in range(FLAGS.max_steps):
        if i % 5 == 0:  # Record summaries and test-set accuracy
            summary, acc = sess.run([merged, accuracy], feed_dict=feed_dict(False))
            test_writer.add_summary(summary, i)
            print(f"Accuracy at step {i}: {acc}")
        else:  # Record train set summaries, and train
            if i % 5 == 4:  # Record execution stats
                run_options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
                run_metadata = tf.RunMetadata()
                summary, _ = sess.run(
                    [merged, train_step],
                    feed_dict=feed_dict(True),
                    options=run_options,
                    run_metadata=run_metadata,
                )
                train_writer.add_run_metadata(run_metadata, "step%03d" % i)
                train_writer.add_summary(summary, i)
                traced.append(len(run_metadata.step_stats.dev_stats) > 0)
                print("Adding run metadata for", i)
            else:  # Record a summary
                summary, _ = sess.run([merged, train_step], feed_dict=feed_dict(True))
                train_writer.add_summary(summary, i)
    train_writer.close()
    test_writer.close()
    sess.close()
    return traced


def read_events(logdir):
    """Each event of the one event file in logdir as [what, step, tag/values...]."""
    (path,) = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    events = []
    for event in tf.train.summary_iterator(path):
        if event.HasField("file_version"):
            events.append(["file_version", event.file_version])
        elif event.HasField("graph_def"):
            events.append(["graph_def", event.step])
        elif event.HasField("tagged_run_metadata"):
            events.append(["run_metadata", event.step, event.tagged_run_metadata.tag])
        elif event.HasField("summary"):
            values = {}
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    values[value.tag] = value.simple_value
                elif value.HasField("histo"):
                    h = value.histo
                    values[value.tag] = [h.num, h.min, h.max, h.sum, len(h.bucket)]
                else:
                    image = value.image
                    values[value.tag] = [
                        image.height,
                        image.width,
                        image.colorspace,
                        len(image.encoded_image_string),
                    ]
            events.append(["summary", event.step, values])
    return events


def main(_):
    if tf.gfile.Exists(FLAGS.summaries_dir):
        tf.gfile.DeleteRecursively(FLAGS.summaries_dir)
    tf.gfile.MakeDirs(FLAGS.summaries_dir)
    traced = train()
    results = {
        "traced": traced,
        "train": read_events(FLAGS.summaries_dir + "/train"),
        "test": read_events(FLAGS.summaries_dir + "/test"),
    }
    tf.gfile.DeleteRecursively(FLAGS.summaries_dir)
    print("results:", json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_steps", type=int, default=12, help="Number of steps to run trainer.")
    parser.add_argument("--learning_rate", type=float, default=0.01, help="Initial learning rate")
    parser.add_argument(
        "--dropout", type=float, default=0.9, help="Keep probability for training dropout."
    )
    parser.add_argument(
        "--summaries_dir",
        type=str,
        default=os.path.join(tempfile.gettempdir(), f"mnist_logs_{os.getpid()}"),
        help="Summaries directory",
    )
    FLAGS, unparsed = parser.parse_known_args()
    tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
