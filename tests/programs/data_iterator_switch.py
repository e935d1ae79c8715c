"""Switching one model between a training and a validation dataset, the two ways TF1
courses teach: a reinitializable iterator (Iterator.from_structure + make_initializer) and
a feedable one (Iterator.from_string_handle fed with each iterator's string_handle())."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(5)
train_x = rng.randn(60, 2).astype(np.float32)
train_y = (train_x[:, :1] * 3.0 - train_x[:, 1:] + 1.0).astype(np.float32)
val_x = rng.randn(20, 2).astype(np.float32)
val_y = (val_x[:, :1] * 3.0 - val_x[:, 1:] + 1.0).astype(np.float32)

train_ds = tf.data.Dataset.from_tensor_slices((train_x, train_y)).shuffle(60, seed=2).batch(10)
val_ds = tf.data.Dataset.from_tensor_slices((val_x, val_y)).batch(10)

# A reinitializable iterator: one structure, an initializer per dataset.
iterator = tf.data.Iterator.from_structure(train_ds.output_types, train_ds.output_shapes)
x, y = iterator.get_next()
train_init = iterator.make_initializer(train_ds)
val_init = iterator.make_initializer(val_ds)

with tf.variable_scope("model"):
    W = tf.get_variable("W", [2, 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)


def run_epoch(sess, init, ops, feed=None):
    sess.run(init)
    losses = []
    while True:
        try:
            losses.append(float(sess.run(ops, feed)[-1]))
        except tf.errors.OutOfRangeError:
            return losses


# A feedable iterator: which iterator get_next reads is fed as a string handle.
handle = tf.placeholder(tf.string, shape=[])
feedable = tf.data.Iterator.from_string_handle(
    handle, train_ds.output_types, train_ds.output_shapes
)
fx, fy = feedable.get_next()
feed_loss = tf.reduce_mean(tf.square(tf.matmul(fx, W) + b - fy))
feed_train_op = tf.train.GradientDescentOptimizer(0.05).minimize(feed_loss)
train_iterator = train_ds.repeat().make_one_shot_iterator()
val_iterator = val_ds.make_initializable_iterator()

results = {"reinitializable": [], "feedable": []}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _epoch in range(3):
        train_losses = run_epoch(sess, train_init, [train_op, loss])
        val_losses = run_epoch(sess, val_init, [loss])
        results["reinitializable"].append({"train": train_losses, "val": val_losses})

    sess.run(tf.global_variables_initializer())
    train_handle, val_handle = sess.run(
        [train_iterator.string_handle(), val_iterator.string_handle()]
    )
    for _epoch in range(3):
        train_losses = [
            float(sess.run([feed_train_op, feed_loss], {handle: train_handle})[1]) for _ in range(6)
        ]
        val_losses = run_epoch(sess, val_iterator.initializer, [feed_loss], {handle: val_handle})
        results["feedable"].append({"train": train_losses, "val": val_losses})
    results["W"] = sess.run(W).tolist()
print("last validation loss:", results["feedable"][-1]["val"])

print("results:", json.dumps(results))
