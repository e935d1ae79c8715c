"""Batch normalization and gradient clipping, as *Hands-On Machine Learning* (1st ed.)
chapter 11 writes them: a ``training`` placeholder with a default, He initialization
(``tf.variance_scaling_initializer``), ``tf.layers.batch_normalization`` through
``functools.partial``, ELU activations, the moving-average updates run with the training op
(``UPDATE_OPS``), and gradients clipped by value before ``apply_gradients``.

The data is synthetic (no MNIST download): 12-feature points whose class is one of 3 regions.
"""

import json
from functools import partial

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(3)
X_train = rng.randn(150, 12).astype(np.float32)
y_train = (X_train[:, 0] > 0.3).astype(np.int32) + (X_train[:, 1] + X_train[:, 2] > 0.5)
X_valid = rng.randn(50, 12).astype(np.float32)
y_valid = (X_valid[:, 0] > 0.3).astype(np.int32) + (X_valid[:, 1] + X_valid[:, 2] > 0.5)

reset_graph()
n_inputs, n_hidden1, n_hidden2, n_outputs = 12, 20, 10, 3
batch_norm_momentum = 0.9
learning_rate = 0.05
threshold = 1.0
n_epochs, batch_size = 4, 50

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
training = tf.placeholder_with_default(False, shape=(), name="training")

with tf.name_scope("dnn"):
    he_init = tf.variance_scaling_initializer()
    my_batch_norm_layer = partial(
        tf.layers.batch_normalization, training=training, momentum=batch_norm_momentum
    )
    my_dense_layer = partial(tf.layers.dense, kernel_initializer=he_init)
    hidden1 = my_dense_layer(X, n_hidden1, name="hidden1")
    bn1 = tf.nn.elu(my_batch_norm_layer(hidden1))
    hidden2 = my_dense_layer(bn1, n_hidden2, name="hidden2")
    bn2 = tf.nn.elu(my_batch_norm_layer(hidden2))
    logits_before_bn = my_dense_layer(bn2, n_outputs, name="outputs")
    logits = my_batch_norm_layer(logits_before_bn)

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")

with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    grads_and_vars = optimizer.compute_gradients(loss)
    capped_gvs = [
        (tf.clip_by_value(grad, -threshold, threshold), var) for grad, var in grads_and_vars
    ]
    extra_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(extra_update_ops):
        training_op = optimizer.apply_gradients(capped_gvs)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

epoch_accuracies, train_losses = [], []
with tf.Session() as sess:
    init.run()
    initial_kernel = sess.run("hidden1/kernel:0")
    for epoch in range(n_epochs):
        for start in range(0, len(X_train), batch_size):
            X_batch = X_train[start : start + batch_size]
            y_batch = y_train[start : start + batch_size]
            _, loss_val = sess.run(
                [training_op, loss], feed_dict={training: True, X: X_batch, y: y_batch}
            )
            train_losses.append(float(loss_val))
        accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
        epoch_accuracies.append(float(accuracy_val))
        print(epoch, "Validation accuracy:", accuracy_val)
    moving = sess.run(
        ["batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    )
    eval_loss = loss.eval(feed_dict={X: X_valid, y: y_valid})
    training_loss = loss.eval(feed_dict={X: X_valid, y: y_valid, training: True})

results = {
    "initial_kernel_std": float(initial_kernel.std()),
    "initial_kernel_head": [float(v) for v in initial_kernel.ravel()[:6]],
    "train_losses": train_losses,
    "epoch_accuracies": epoch_accuracies,
    "moving_mean": [float(v) for v in moving[0]],
    "moving_variance": [float(v) for v in moving[1]],
    "eval_loss": float(eval_loss),
    "training_loss": float(training_loss),
    "update_ops": len(extra_update_ops),
    "global_variables": [v.op.name for v in tf.global_variables()],
    "trainable_variables": [v.op.name for v in tf.trainable_variables()],
}
print("results:", json.dumps(results))
