"""A CNN trained on several GPUs: each GPU runs a tower (the same network, shared variables,
its own slice of the batch), the towers' gradients are averaged on the CPU
(``average_gradients``) and applied once. Variables live on the CPU (``assign_to_device``).

With no GPU, ``allow_soft_placement`` puts the towers on the CPU (as TensorFlow does on a
machine without GPUs); under teachflow, ``TEACHFLOW_SIMULATED_GPUS=2`` gives two simulated
GPUs, and ``log_device_placement`` prints where each op ran."""

import json
import sys

import numpy as np

import teachflow as tf

# Synthetic 8x8 images: a horizontal (class 0) or vertical (class 1) line, with noise.
rng = np.random.RandomState(21)
labels = rng.randint(2, size=128)
images = 0.2 * rng.rand(128, 8, 8, 1).astype(np.float32)
for n, (label, pos) in enumerate(zip(labels, rng.randint(1, 7, size=128))):
    if label == 0:
        images[n, pos, :, 0] += 1.0
    else:
        images[n, :, pos, 0] += 1.0
onehot = np.eye(2, dtype=np.float32)[labels]

num_gpus = 2
num_steps = 12
learning_rate = 0.01
batch_size = 16  # per tower
num_classes = 2

tf.set_random_seed(13)


def conv_net(x, n_classes, reuse):
    with tf.variable_scope("ConvNet", reuse=reuse):
        w1 = tf.get_variable("conv1/kernel", [3, 3, 1, 4])
        b1 = tf.get_variable("conv1/bias", [4], initializer=tf.zeros_initializer())
        x = tf.nn.relu(tf.nn.conv2d(x, w1, strides=[1, 1, 1, 1], padding="SAME") + b1)
        x = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        w2 = tf.get_variable("conv2/kernel", [3, 3, 4, 8])
        b2 = tf.get_variable("conv2/bias", [8], initializer=tf.zeros_initializer())
        x = tf.nn.relu(tf.nn.conv2d(x, w2, strides=[1, 1, 1, 1], padding="SAME") + b2)
        x = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        x = tf.reshape(x, [-1, 2 * 2 * 8])
        w3 = tf.get_variable("dense/kernel", [2 * 2 * 8, n_classes])
        b3 = tf.get_variable("dense/bias", [n_classes], initializer=tf.zeros_initializer())
        return tf.matmul(x, w3) + b3


def average_gradients(tower_grads):
    average_grads = []
    for grad_and_vars in zip(*tower_grads):
        grads = []
        for g, _ in grad_and_vars:
            expanded_g = tf.expand_dims(g, 0)
            grads.append(expanded_g)
        grad = tf.concat(grads, 0)
        grad = tf.reduce_mean(grad, 0)
        v = grad_and_vars[0][1]
        grad_and_var = (grad, v)
        average_grads.append(grad_and_var)
    return average_grads


PS_OPS = ["Variable", "VariableV2", "AutoReloadVariable"]


def assign_to_device(device, ps_device="/cpu:0"):
    def _assign(op):
        node_def = op if isinstance(op, tf.NodeDef) else op.node_def
        if node_def.op in PS_OPS:
            return "/" + ps_device
        else:
            return device

    return _assign


with tf.device("/cpu:0"):
    tower_grads = []
    reuse_vars = False
    X = tf.placeholder(tf.float32, [None, 8, 8, 1])
    Y = tf.placeholder(tf.float32, [None, num_classes])
    for i in range(num_gpus):
        with tf.device(assign_to_device(f"/gpu:{i}", ps_device="/cpu:0")):
            _x = X[i * batch_size : (i + 1) * batch_size]
            _y = Y[i * batch_size : (i + 1) * batch_size]
            logits_train = conv_net(_x, num_classes, reuse=reuse_vars)
            loss_op = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits_train, labels=_y)
            )
            optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
            grads = optimizer.compute_gradients(loss_op)
            if i == 0:
                logits_test = conv_net(X, num_classes, reuse=True)
                correct_pred = tf.equal(tf.argmax(logits_test, 1), tf.argmax(Y, 1))
                accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
            reuse_vars = True
            tower_grads.append(grads)
    tower_grads = average_gradients(tower_grads)
    train_op = optimizer.apply_gradients(tower_grads)

config = tf.ConfigProto(allow_soft_placement=True, log_device_placement="--log" in sys.argv)
losses = []
with tf.Session(config=config) as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(num_steps):
        start = (step * num_gpus * batch_size) % len(images)
        batch = slice(start, start + num_gpus * batch_size)
        _, loss = sess.run([train_op, loss_op], feed_dict={X: images[batch], Y: onehot[batch]})
        losses.append(float(loss))
        if step % 4 == 0:
            print(f"Step {step}: Minibatch Loss= {loss:.4f}")
    acc = sess.run(accuracy, feed_dict={X: images, Y: onehot})
    kernel = sess.run(tf.trainable_variables()[0])

results = {
    "losses": losses,
    "accuracy": float(acc),
    "variables": [v.name for v in tf.trainable_variables()],
    "conv1_kernel": kernel[:, :, 0, 0].tolist(),
}
print("results:", json.dumps(results))
