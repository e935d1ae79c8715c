"""The model code of TensorFlow's TF1 cifar10 tutorial (models/tutorials/image/cifar10:
``cifar10.py``), trained a few steps as ``cifar10_train.py`` does and evaluated from its
checkpoint as ``cifar10_eval.py`` does.

``_variable_on_cpu`` and ``_variable_with_weight_decay`` (``tf.get_variable`` under
``tf.device('/cpu:0')``, each weight decay added with ``tf.add_to_collection('losses', ...)``
and summed by ``tf.add_n(tf.get_collection('losses'))``), ``tf.nn.lrn``, ``tf.nn.bias_add``,
``_activation_summary`` (a histogram and ``tf.nn.zero_fraction``), ``_add_loss_summaries``
(an ``ExponentialMovingAverage`` of every loss, raw and averaged scalars), the learning
rate by ``tf.train.exponential_decay(staircase=True)``, an ``ExponentialMovingAverage`` of
the variables with ``num_updates=global_step`` and ``train_op`` as a ``tf.no_op`` under
``tf.control_dependencies([apply_gradient_op, variables_averages_op])``. The evaluation
restores the averaged weights into the model with ``variables_to_restore()``.

The images are synthetic (no CIFAR-10 download) and smaller: 12x12 RGB pictures of noisy
colour patterns, fed through placeholders (the tutorial reads them with input queues), and
the layers are narrower. As in the tutorial's later versions, the variable averages are
applied after the gradients (under ``control_dependencies([apply_gradient_op])``): a
TF1 (ref) variable's read aliases its buffer, so on TensorFlow an average computed beside
the update reads the weights before or after it, run to run. For the same reason the
summaries are fetched in two parts: the gradients' histograms with the training step (the
gradients wait for the loss averages' update, so a run computing them updates the
averages), the rest in a run of its own before it (where the averaged losses' scalars
would otherwise race with that update; TensorFlow showed some before and some after).
"""

import json
import os
import re
import shutil
import tempfile

import numpy as np

import teachflow as tf

BATCH_SIZE = 16
IMAGE_SIZE = 12
NUM_CLASSES = 10
NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN = 64

# Constants describing the training process.
MOVING_AVERAGE_DECAY = 0.9999  # The decay to use for the moving average.
NUM_EPOCHS_PER_DECAY = 2.0  # Epochs after which learning rate decays.
LEARNING_RATE_DECAY_FACTOR = 0.1  # Learning rate decay factor.
INITIAL_LEARNING_RATE = 0.1  # Initial learning rate.

# If a model is trained with multiple GPUs, prefix all Op names with tower_name
# to differentiate the operations. Note that this prefix is removed from the
# names of the summaries when visualizing a model.
TOWER_NAME = "tower"


def _activation_summary(x):
    """A histogram of the activations and the fraction of them that are zero."""
    tensor_name = re.sub(f"{TOWER_NAME}_[0-9]*/", "", x.op.name)
    tf.summary.histogram(tensor_name + "/activations", x)
    tf.summary.scalar(tensor_name + "/sparsity", tf.nn.zero_fraction(x))


def _variable_on_cpu(name, shape, initializer):
    """A Variable stored on CPU memory."""
    with tf.device("/cpu:0"):
        var = tf.get_variable(name, shape, initializer=initializer, dtype=tf.float32)
    return var


def _variable_with_weight_decay(name, shape, stddev, wd):
    """A truncated-normal Variable whose l2 loss times wd (unless None) joins 'losses'."""
    var = _variable_on_cpu(
        name, shape, tf.truncated_normal_initializer(stddev=stddev, dtype=tf.float32)
    )
    if wd is not None:
        weight_decay = tf.multiply(tf.nn.l2_loss(var), wd, name="weight_loss")
        tf.add_to_collection("losses", weight_decay)
    return var


def inference(images):
    """Build the CIFAR-10 model; returns the logits."""
    # conv1
    with tf.variable_scope("conv1") as scope:
        kernel = _variable_with_weight_decay("weights", shape=[5, 5, 3, 8], stddev=5e-2, wd=None)
        conv = tf.nn.conv2d(images, kernel, [1, 1, 1, 1], padding="SAME")
        biases = _variable_on_cpu("biases", [8], tf.constant_initializer(0.0))
        pre_activation = tf.nn.bias_add(conv, biases)
        conv1 = tf.nn.relu(pre_activation, name=scope.name)
        _activation_summary(conv1)

    # pool1
    pool1 = tf.nn.max_pool(
        conv1, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME", name="pool1"
    )
    # norm1
    norm1 = tf.nn.lrn(pool1, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name="norm1")

    # conv2
    with tf.variable_scope("conv2") as scope:
        kernel = _variable_with_weight_decay("weights", shape=[5, 5, 8, 8], stddev=5e-2, wd=None)
        conv = tf.nn.conv2d(norm1, kernel, [1, 1, 1, 1], padding="SAME")
        biases = _variable_on_cpu("biases", [8], tf.constant_initializer(0.1))
        pre_activation = tf.nn.bias_add(conv, biases)
        conv2 = tf.nn.relu(pre_activation, name=scope.name)
        _activation_summary(conv2)

    # norm2
    norm2 = tf.nn.lrn(conv2, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name="norm2")
    # pool2
    pool2 = tf.nn.max_pool(
        norm2, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME", name="pool2"
    )

    # local3
    with tf.variable_scope("local3") as scope:
        # Move everything into depth so we can perform a single matrix multiply.
        reshape = tf.reshape(pool2, [images.get_shape().as_list()[0], -1])
        dim = reshape.get_shape()[1].value
        weights = _variable_with_weight_decay("weights", shape=[dim, 32], stddev=0.04, wd=0.004)
        biases = _variable_on_cpu("biases", [32], tf.constant_initializer(0.1))
        local3 = tf.nn.relu(tf.matmul(reshape, weights) + biases, name=scope.name)
        _activation_summary(local3)

    # local4
    with tf.variable_scope("local4") as scope:
        weights = _variable_with_weight_decay("weights", shape=[32, 16], stddev=0.04, wd=0.004)
        biases = _variable_on_cpu("biases", [16], tf.constant_initializer(0.1))
        local4 = tf.nn.relu(tf.matmul(local3, weights) + biases, name=scope.name)
        _activation_summary(local4)

    # linear layer(WX + b); tf.nn.sparse_softmax_cross_entropy_with_logits takes the
    # unscaled logits and performs the softmax internally for efficiency.
    with tf.variable_scope("softmax_linear") as scope:
        weights = _variable_with_weight_decay(
            "weights", [16, NUM_CLASSES], stddev=1 / 16.0, wd=None
        )
        biases = _variable_on_cpu("biases", [NUM_CLASSES], tf.constant_initializer(0.0))
        softmax_linear = tf.add(tf.matmul(local4, weights), biases, name=scope.name)
        _activation_summary(softmax_linear)

    return softmax_linear


def loss(logits, labels):
    """The cross entropy plus every weight decay term: the total loss."""
    labels = tf.cast(labels, tf.int64)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits, name="cross_entropy_per_example"
    )
    cross_entropy_mean = tf.reduce_mean(cross_entropy, name="cross_entropy")
    tf.add_to_collection("losses", cross_entropy_mean)

    # The total loss is defined as the cross entropy loss plus all of the weight
    # decay terms (L2 loss).
    return tf.add_n(tf.get_collection("losses"), name="total_loss")


def _add_loss_summaries(total_loss):
    """Moving averages of all losses and their scalar summaries."""
    # Compute the moving average of all individual losses and the total loss.
    loss_averages = tf.train.ExponentialMovingAverage(0.9, name="avg")
    losses = tf.get_collection("losses")
    loss_averages_op = loss_averages.apply(losses + [total_loss])

    # Attach a scalar summary to all individual losses and the total loss; do the
    # same for the averaged version of the losses.
    for l in losses + [total_loss]:  # noqa: E741 - the tutorial's name
        # Name each loss as '(raw)' and name the moving average version of the loss
        # as the original loss name.
        tf.summary.scalar(l.op.name + " (raw)", l)
        tf.summary.scalar(l.op.name, loss_averages.average(l))

    return loss_averages_op


def train(total_loss, global_step):
    """Train CIFAR-10 model: returns the op for one step of training."""
    # Variables that affect learning rate.
    num_batches_per_epoch = NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN / BATCH_SIZE
    decay_steps = int(num_batches_per_epoch * NUM_EPOCHS_PER_DECAY)

    # Decay the learning rate exponentially based on the number of steps.
    lr = tf.train.exponential_decay(
        INITIAL_LEARNING_RATE,
        global_step,
        decay_steps,
        LEARNING_RATE_DECAY_FACTOR,
        staircase=True,
    )
    tf.summary.scalar("learning_rate", lr)

    # Generate moving averages of all losses and associated summaries.
    loss_averages_op = _add_loss_summaries(total_loss)

    # Compute gradients.
    with tf.control_dependencies([loss_averages_op]):
        opt = tf.train.GradientDescentOptimizer(lr)
        grads = opt.compute_gradients(total_loss)

    # Apply gradients.
    apply_gradient_op = opt.apply_gradients(grads, global_step=global_step)

    # Add histograms for trainable variables.
    for var in tf.trainable_variables():
        tf.summary.histogram(var.op.name, var)

    # Add histograms for gradients.
    for grad, var in grads:
        if grad is not None:
            tf.summary.histogram(var.op.name + "/gradients", grad)

    # Track the moving averages of all trainable variables.
    variable_averages = tf.train.ExponentialMovingAverage(MOVING_AVERAGE_DECAY, global_step)
    with tf.control_dependencies([apply_gradient_op]):
        variables_averages_op = variable_averages.apply(tf.trainable_variables())

    with tf.control_dependencies([apply_gradient_op, variables_averages_op]):
        train_op = tf.no_op(name="train")

    return train_op


def synthetic_images(n, rng, patterns):
    labels = rng.randint(0, NUM_CLASSES, size=n).astype(np.int32)
    noise = rng.rand(n, IMAGE_SIZE, IMAGE_SIZE, 3)
    return (0.6 * patterns[labels] + 0.4 * noise).astype(np.float32), labels


rng = np.random.RandomState(10)
patterns = rng.rand(NUM_CLASSES, IMAGE_SIZE, IMAGE_SIZE, 3)
train_images, train_labels = synthetic_images(NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN, rng, patterns)
test_images, test_labels = synthetic_images(2 * BATCH_SIZE, rng, patterns)
train_dir = tempfile.mkdtemp(prefix="cifar10_train_")
max_steps = 20

# cifar10_train.py: train a few steps, with summaries every 5.
tf.reset_default_graph()
tf.set_random_seed(1234)
global_step = tf.train.get_or_create_global_step()
images = tf.placeholder(tf.float32, [BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, 3])
labels = tf.placeholder(tf.int32, [BATCH_SIZE])
logits = inference(images)
total_loss = loss(logits, labels)
train_op = train(total_loss, global_step)
summaries = tf.get_collection(tf.GraphKeys.SUMMARIES)
gradient_summary_op = tf.summary.merge([s for s in summaries if "/gradients" in s.op.name])
summary_op = tf.summary.merge([s for s in summaries if "/gradients" not in s.op.name])
saver = tf.train.Saver()

losses, logged = [], []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(max_steps):
        start = (step * BATCH_SIZE) % NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN
        feed = {
            images: train_images[start : start + BATCH_SIZE],
            labels: train_labels[start : start + BATCH_SIZE],
        }
        if step % 5 == 4:
            summary = tf.Summary.FromString(sess.run(summary_op, feed_dict=feed))
            _, loss_value, gradient_summary = sess.run(
                [train_op, total_loss, gradient_summary_op], feed_dict=feed
            )
            summary.MergeFrom(tf.Summary.FromString(gradient_summary))
            scalars = {v.tag: v.simple_value for v in summary.value if v.HasField("simple_value")}
            histograms = {
                v.tag: [v.histo.num, v.histo.sum] for v in summary.value if v.HasField("histo")
            }
            logged.append({"scalars": scalars, "histograms": histograms})
        else:
            _, loss_value = sess.run([train_op, total_loss], feed_dict=feed)
        losses.append(float(loss_value))
    saver.save(sess, os.path.join(train_dir, "model.ckpt"), global_step=global_step)
    model_weights = sess.run(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))
    names = [v.op.name for v in tf.global_variables()]
    shadows = [v for v in tf.global_variables() if v.op.name.endswith("/ExponentialMovingAverage")]
    averages = sess.run(shadows)
    averaged = [v.op.name for v in tf.moving_average_variables()]

# cifar10_eval.py: the averaged weights restored into the model, top-1 precision.
tf.reset_default_graph()
images = tf.placeholder(tf.float32, [BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, 3])
labels = tf.placeholder(tf.int32, [BATCH_SIZE])
logits = inference(images)
top_k_op = tf.nn.in_top_k(logits, labels, 1)
variable_averages = tf.train.ExponentialMovingAverage(MOVING_AVERAGE_DECAY)
variables_to_restore = variable_averages.variables_to_restore()
saver = tf.train.Saver(variables_to_restore)
with tf.Session() as sess:
    ckpt = tf.train.get_checkpoint_state(train_dir)
    saver.restore(sess, ckpt.model_checkpoint_path)
    eval_step = ckpt.model_checkpoint_path.split("/")[-1].split("-")[-1]
    true_count = 0
    for start in range(0, len(test_images), BATCH_SIZE):
        predictions = sess.run(
            top_k_op,
            feed_dict={
                images: test_images[start : start + BATCH_SIZE],
                labels: test_labels[start : start + BATCH_SIZE],
            },
        )
        true_count += int(np.sum(predictions))
    eval_logits = sess.run(logits, feed_dict={images: test_images[:BATCH_SIZE]})
shutil.rmtree(train_dir)

results = {
    "losses": losses,
    "summaries": logged,
    "variables": names,
    "weight_sums": [float(np.sum(w)) for w in model_weights],
    "average_sums": [float(np.sum(a)) for a in averages],
    "averaged": averaged,
    "restore_names": sorted(variables_to_restore),
    "eval_step": eval_step,
    "precision": true_count / len(test_images),
    "eval_logits": eval_logits[:2].tolist(),
}
print("results:", json.dumps(results))
