"""TensorFlow's ``fully_connected_feed.py`` tutorial: the model of ``mnist.py`` trained by
feeding placeholders (``placeholder_inputs``, ``fill_feed_dict``), a loss summary written
every few steps, a ``tf.train.Saver`` checkpoint every N steps (``global_step=`` in the
file name), and ``do_eval`` counting correct answers with ``tf.nn.in_top_k`` over the
training, validation and test sets. The checkpoints are then listed and one restored.

The data is synthetic (no MNIST download): 8x8 images of ten noisy patterns, int labels.
"""

# The tutorial's own %-formatted prints are kept as it writes them.
# ruff: noqa: UP031

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile

import numpy as np

import teachflow as tf

# The tutorial imports its model module from the same directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402

FLAGS = None


class DataSet:
    def __init__(self, n, rng, prototypes):
        self.labels = rng.randint(0, mnist.NUM_CLASSES, size=n).astype(np.int32)
        noise = rng.rand(n, mnist.IMAGE_PIXELS)
        self.images = (0.5 * prototypes[self.labels] + 0.5 * noise).astype(np.float32)
        self.num_examples = n
        self._start = 0

    def next_batch(self, batch_size):
        start, self._start = self._start, (self._start + batch_size) % self.num_examples
        return self.images[start : start + batch_size], self.labels[start : start + batch_size]


def read_data_sets():
    rng = np.random.RandomState(5)
    prototypes = rng.rand(mnist.NUM_CLASSES, mnist.IMAGE_PIXELS)
    return argparse.Namespace(
        train=DataSet(120, rng, prototypes),
        validation=DataSet(40, rng, prototypes),
        test=DataSet(40, rng, prototypes),
    )


def placeholder_inputs(batch_size):
    """Placeholders for a batch of images and labels."""
    images_placeholder = tf.placeholder(tf.float32, shape=(batch_size, mnist.IMAGE_PIXELS))
    labels_placeholder = tf.placeholder(tf.int32, shape=(batch_size))
    return images_placeholder, labels_placeholder


def fill_feed_dict(data_set, images_pl, labels_pl):
    """The feed_dict of the next batch_size examples."""
    images_feed, labels_feed = data_set.next_batch(FLAGS.batch_size)
    feed_dict = {
        images_pl: images_feed,
        labels_pl: labels_feed,
    }
    return feed_dict


def do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_set):
    """Runs one evaluation against the full epoch of data; returns the precision."""
    true_count = 0  # Counts the number of correct predictions.
    steps_per_epoch = data_set.num_examples // FLAGS.batch_size
    num_examples = steps_per_epoch * FLAGS.batch_size
    for _step in range(steps_per_epoch):
        feed_dict = fill_feed_dict(data_set, images_placeholder, labels_placeholder)
        true_count += sess.run(eval_correct, feed_dict=feed_dict)
    precision = float(true_count) / num_examples
    print(
        "Num examples: %d  Num correct: %d  Precision @ 1: %0.04f"
        % (num_examples, true_count, precision)
    )
    return [int(true_count), precision]


def run_training():
    """Train MNIST for a number of steps."""
    data_sets = read_data_sets()
    evals, losses = [], []

    with tf.Graph().as_default():
        tf.set_random_seed(66478)
        images_placeholder, labels_placeholder = placeholder_inputs(FLAGS.batch_size)
        logits = mnist.inference(images_placeholder, FLAGS.hidden1, FLAGS.hidden2)
        loss = mnist.loss(logits, labels_placeholder)
        train_op = mnist.training(loss, FLAGS.learning_rate)
        eval_correct = mnist.evaluation(logits, labels_placeholder)
        summary = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
        sess = tf.Session()
        summary_writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(init)

        for step in range(FLAGS.max_steps):
            feed_dict = fill_feed_dict(data_sets.train, images_placeholder, labels_placeholder)
            _, loss_value = sess.run([train_op, loss], feed_dict=feed_dict)
            losses.append(float(loss_value))

            if step % 10 == 0:
                print("Step %d: loss = %.2f" % (step, loss_value))
                summary_str = sess.run(summary, feed_dict=feed_dict)
                summary_writer.add_summary(summary_str, step)
                summary_writer.flush()

            # Save a checkpoint and evaluate the model periodically.
            if (step + 1) % 20 == 0 or (step + 1) == FLAGS.max_steps:
                checkpoint_file = os.path.join(FLAGS.log_dir, "model.ckpt")
                saver.save(sess, checkpoint_file, global_step=step)
                print("Training Data Eval:")
                evals.append(
                    do_eval(
                        sess, eval_correct, images_placeholder, labels_placeholder, data_sets.train
                    )
                )
                print("Validation Data Eval:")
                evals.append(
                    do_eval(
                        sess,
                        eval_correct,
                        images_placeholder,
                        labels_placeholder,
                        data_sets.validation,
                    )
                )
                print("Test Data Eval:")
                evals.append(
                    do_eval(
                        sess, eval_correct, images_placeholder, labels_placeholder, data_sets.test
                    )
                )
        summary_writer.close()

        # Back to the first checkpoint: its step and its precision on the test set.
        state = tf.train.get_checkpoint_state(FLAGS.log_dir)
        saver.restore(sess, state.all_model_checkpoint_paths[0])
        restored_step = sess.run(tf.train.get_global_step())
        restored_eval = do_eval(
            sess, eval_correct, images_placeholder, labels_placeholder, data_sets.test
        )
        sess.close()

    logged = []
    (event_file,) = glob.glob(os.path.join(FLAGS.log_dir, "events.out.tfevents.*"))
    for event in tf.train.summary_iterator(event_file):
        for value in event.summary.value:
            logged.append([event.step, value.tag, value.simple_value])
    return {
        "losses": losses,
        "evals": evals,
        "summaries": logged,
        "checkpoints": [os.path.basename(p) for p in state.all_model_checkpoint_paths],
        "latest": os.path.basename(state.model_checkpoint_path),
        "index_files": sorted(
            os.path.basename(p) for p in glob.glob(os.path.join(FLAGS.log_dir, "*.index"))
        ),
        "restored_step": int(restored_step),
        "restored_eval": restored_eval,
    }


def main(_):
    if tf.gfile.Exists(FLAGS.log_dir):
        tf.gfile.DeleteRecursively(FLAGS.log_dir)
    tf.gfile.MakeDirs(FLAGS.log_dir)
    results = run_training()
    shutil.rmtree(FLAGS.log_dir)
    print("results:", json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning_rate", type=float, default=0.05, help="Initial learning rate.")
    parser.add_argument("--max_steps", type=int, default=50, help="Number of steps to run trainer.")
    parser.add_argument(
        "--hidden1", type=int, default=32, help="Number of units in hidden layer 1."
    )
    parser.add_argument(
        "--hidden2", type=int, default=16, help="Number of units in hidden layer 2."
    )
    parser.add_argument("--batch_size", type=int, default=10, help="Batch size.")
    parser.add_argument(
        "--log_dir",
        type=str,
        default=os.path.join(tempfile.gettempdir(), f"fully_connected_feed_{os.getpid()}"),
        help="Directory to put the log data.",
    )
    FLAGS, unparsed = parser.parse_known_args()
    tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
