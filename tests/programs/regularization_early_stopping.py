"""Regularization and early stopping, as *Hands-On Machine Learning* (1st ed.) chapter 11
writes them: an l2 penalty on every kernel through ``kernel_regularizer`` (collected in
``REGULARIZATION_LOSSES``, summed by ``tf.losses.get_regularization_loss``), leaky ReLU and
SELU activations, Nesterov momentum, and early stopping that saves the best model with a
``Saver`` and restores it at the end.

The data is synthetic (no MNIST download): 8-feature points whose class is one of 3 regions.
"""

import json
import os
import tempfile
from functools import partial

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(7)
X_train = rng.randn(160, 8).astype(np.float32)
y_train = (X_train[:, 0] - X_train[:, 3] > 0.2).astype(np.int32) + (X_train[:, 5] > 0.8)
X_valid = rng.randn(60, 8).astype(np.float32)
y_valid = (X_valid[:, 0] - X_valid[:, 3] > 0.2).astype(np.int32) + (X_valid[:, 5] > 0.8)
best_path = os.path.join(tempfile.mkdtemp(), "my_best_model.ckpt")

reset_graph()
n_inputs, n_hidden1, n_hidden2, n_outputs = 8, 16, 12, 3
scale = 0.001
learning_rate = 0.05

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")

my_dense_layer = partial(
    tf.layers.dense,
    kernel_initializer=tf.variance_scaling_initializer(),
    kernel_regularizer=lambda w: scale * tf.nn.l2_loss(w),
)
with tf.name_scope("dnn"):
    hidden1 = my_dense_layer(X, n_hidden1, activation=tf.nn.leaky_relu, name="hidden1")
    hidden2 = my_dense_layer(hidden1, n_hidden2, activation=tf.nn.selu, name="hidden2")
    logits = my_dense_layer(hidden2, n_outputs, activation=None, name="outputs")

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    base_loss = tf.reduce_mean(xentropy, name="avg_xentropy")
    reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    loss = tf.add_n([base_loss] + reg_losses, name="loss")
    reg_loss_total = tf.losses.get_regularization_loss()

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")

with tf.name_scope("train"):
    optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=0.9, use_nesterov=True)
    training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()
saver = tf.train.Saver()

n_epochs, batch_size = 40, 40
max_checks_without_progress = 3
checks_without_progress = 0
best_loss = np.inf
history = []
with tf.Session() as sess:
    init.run()
    first_reg = reg_loss_total.eval()
    for epoch in range(n_epochs):
        for start in range(0, len(X_train), batch_size):
            sess.run(
                training_op,
                feed_dict={
                    X: X_train[start : start + batch_size],
                    y: y_train[start : start + batch_size],
                },
            )
        loss_val, acc_val = sess.run([loss, accuracy], feed_dict={X: X_valid, y: y_valid})
        history.append([float(loss_val), float(acc_val)])
        if loss_val < best_loss:
            save_path = saver.save(sess, best_path)
            best_loss = loss_val
            checks_without_progress = 0
        else:
            checks_without_progress += 1
            if checks_without_progress > max_checks_without_progress:
                print("Early stopping!")
                break
        print(epoch, "Validation loss:", loss_val, "accuracy:", acc_val)
    last_loss = loss.eval(feed_dict={X: X_valid, y: y_valid})

with tf.Session() as sess:
    saver.restore(sess, best_path)
    restored_loss, restored_acc = sess.run([loss, accuracy], feed_dict={X: X_valid, y: y_valid})
    restored_reg = sess.run(reg_loss_total)

results = {
    "first_reg": float(first_reg),
    "history": history,
    "epochs_run": len(history),
    "best_loss": float(best_loss),
    "last_loss": float(last_loss),
    "restored": [float(restored_loss), float(restored_acc), float(restored_reg)],
    "reg_losses": len(reg_losses),
    "momentum_slots": sorted(optimizer.get_slot_names()),
    "global_variables": [v.op.name for v in tf.global_variables()],
}
print("results:", json.dumps(results))
