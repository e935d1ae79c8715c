"""Reusing a trained model, as *Hands-On Machine Learning* (1st ed.) chapter 11 does: train and
save a DNN, then in fresh graphs import its meta graph and pick tensors and operations by name,
keep the important ones in a collection, add new layers on top of the restored ones, restore
only some layers with a Saver built from a name -> variable dict, freeze the lower layers
(``var_list``) and stop the gradient below them, and cache the frozen layer's outputs.

The data is synthetic (no MNIST download): 10-feature points whose class is one of 3 regions.
"""

import json
import os
import tempfile

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(11)
X_train = rng.rand(120, 10).astype(np.float32)
y_train = (X_train[:, 0] + X_train[:, 1] > 1.0).astype(np.int32) + (X_train[:, 2] > 0.6)
X_valid = rng.rand(40, 10).astype(np.float32)
y_valid = (X_valid[:, 0] + X_valid[:, 1] > 1.0).astype(np.int32) + (X_valid[:, 2] > 0.6)
model_dir = tempfile.mkdtemp()
model_path = os.path.join(model_dir, "my_model_final.ckpt")
n_inputs, n_hidden1, n_hidden2, n_hidden3, n_hidden4, n_outputs = 10, 16, 12, 10, 8, 3
learning_rate = 0.5
n_steps = 20

reset_graph()
X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")
    hidden3 = tf.layers.dense(hidden2, n_hidden3, activation=tf.nn.relu, name="hidden3")
    hidden4 = tf.layers.dense(hidden3, n_hidden4, activation=tf.nn.relu, name="hidden4")
    logits = tf.layers.dense(hidden4, n_outputs, name="outputs")
with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")
with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    training_op = optimizer.minimize(loss)
init = tf.global_variables_initializer()
saver = tf.train.Saver()

trained_losses = []
with tf.Session() as sess:
    init.run()
    for _ in range(n_steps):
        _, loss_val = sess.run([training_op, loss], feed_dict={X: X_train, y: y_train})
        trained_losses.append(float(loss_val))
    trained_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
    trained_hidden3 = sess.run(hidden3, feed_dict={X: X_valid[:3]})
    save_path = saver.save(sess, model_path)
print("trained:", trained_losses[-1], trained_accuracy)

# Import the whole graph and pick what we need by name.
reset_graph()
saver = tf.train.import_meta_graph(model_path + ".meta")
X = tf.get_default_graph().get_tensor_by_name("X:0")
y = tf.get_default_graph().get_tensor_by_name("y:0")
accuracy = tf.get_default_graph().get_tensor_by_name("eval/accuracy:0")
training_op = tf.get_default_graph().get_operation_by_name("train/GradientDescent")
for op in (X, y, accuracy, training_op):
    tf.add_to_collection("my_important_ops", op)
X, y, accuracy, training_op = tf.get_collection("my_important_ops")
imported_names = [X.name, y.name, accuracy.name, training_op.name, training_op.type]
with tf.Session() as sess:
    saver.restore(sess, model_path)
    imported_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
    for _ in range(3):
        sess.run(training_op, feed_dict={X: X_train, y: y_train})
    imported_trained_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})

# New layers on top of the imported hidden3.
reset_graph()
saver = tf.train.import_meta_graph(model_path + ".meta")
X = tf.get_default_graph().get_tensor_by_name("X:0")
y = tf.get_default_graph().get_tensor_by_name("y:0")
hidden3 = tf.get_default_graph().get_tensor_by_name("dnn/hidden3/Relu:0")
new_hidden4 = tf.layers.dense(
    hidden3,
    n_hidden4,
    activation=tf.nn.relu,
    name="new_hidden4",
    kernel_initializer=tf.zeros_initializer(),
)
new_logits = tf.layers.dense(new_hidden4, n_outputs, name="new_outputs")
with tf.name_scope("new_loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=new_logits)
    loss = tf.reduce_mean(xentropy, name="loss")
with tf.name_scope("new_train"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    training_op = optimizer.minimize(loss)
init = tf.global_variables_initializer()
with tf.Session() as sess:
    init.run()
    saver.restore(sess, model_path)
    imported_hidden3 = sess.run(hidden3, feed_dict={X: X_valid[:3]})
    new_layer_losses = []
    for _ in range(5):
        _, loss_val = sess.run([training_op, loss], feed_dict={X: X_train, y: y_train})
        new_layer_losses.append(float(loss_val))

# Rebuild the model in Python, restore only hidden1-3, freeze hidden1-2.
reset_graph()
X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")
    hidden3 = tf.layers.dense(hidden2, n_hidden3, activation=tf.nn.relu, name="hidden3")
    hidden4 = tf.layers.dense(hidden3, n_hidden4, activation=tf.nn.relu, name="hidden4")
    logits = tf.layers.dense(hidden4, n_outputs, name="outputs")
with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")
with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    train_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="hidden[34]|outputs")
    training_op = optimizer.minimize(loss, var_list=train_vars)
reuse_vars = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")
reuse_vars_dict = dict([(var.op.name, var) for var in reuse_vars])
restore_saver = tf.train.Saver(reuse_vars_dict)
init = tf.global_variables_initializer()
with tf.Session() as sess:
    init.run()
    restore_saver.restore(sess, model_path)
    kernel1_before = hidden1.graph.get_tensor_by_name("hidden1/kernel:0").eval()
    for _ in range(5):
        sess.run(training_op, feed_dict={X: X_train, y: y_train})
    kernel1_after = hidden1.graph.get_tensor_by_name("hidden1/kernel:0").eval()
    frozen_loss = loss.eval(feed_dict={X: X_train, y: y_train})

# The same freeze with tf.stop_gradient, training on cached hidden2 outputs.
reset_graph()
X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")
    hidden2_stop = tf.stop_gradient(hidden2)
    hidden3 = tf.layers.dense(hidden2_stop, n_hidden3, activation=tf.nn.relu, name="hidden3")
    hidden4 = tf.layers.dense(hidden3, n_hidden4, activation=tf.nn.relu, name="hidden4")
    logits = tf.layers.dense(hidden4, n_outputs, name="outputs")
with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")
with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    training_op = optimizer.minimize(loss)
reuse_vars = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")
restore_saver = tf.train.Saver(dict([(var.op.name, var) for var in reuse_vars]))
init = tf.global_variables_initializer()
stopped_grads = [g is None for g in tf.gradients(loss, tf.trainable_variables())]
with tf.Session() as sess:
    init.run()
    restore_saver.restore(sess, model_path)
    h2_cache = sess.run(hidden2, feed_dict={X: X_train})
    for _ in range(5):
        sess.run(training_op, feed_dict={hidden2: h2_cache, y: y_train})
    cached_loss = loss.eval(feed_dict={X: X_train, y: y_train})
print("frozen:", frozen_loss, "cached:", cached_loss)

results = {
    "trained_losses": trained_losses,
    "trained_accuracy": float(trained_accuracy),
    "imported_names": imported_names,
    "imported_accuracy": float(imported_accuracy),
    "imported_trained_accuracy": float(imported_trained_accuracy),
    "hidden3_matches": bool(np.array_equal(trained_hidden3, imported_hidden3)),
    "new_layer_losses": new_layer_losses,
    "reuse_vars": sorted(reuse_vars_dict),
    "train_vars": [v.op.name for v in train_vars],
    "frozen_kernel_unchanged": bool(np.array_equal(kernel1_before, kernel1_after)),
    "frozen_loss": float(frozen_loss),
    "stopped_grads": stopped_grads,
    "cached_loss": float(cached_loss),
    "checkpoint_variables": sorted(name for name, _ in tf.train.list_variables(model_path)),
}
print("results:", json.dumps(results))
