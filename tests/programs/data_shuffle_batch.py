"""A linear model trained from a tf.data pipeline: from_tensor_slices((x, y)), a seeded
shuffle, batch and repeat, read by a one-shot iterator. The losses match TensorFlow's only
if the shuffled order is TensorFlow's (its seeded draws)."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(3)
features = rng.randn(100, 3).astype(np.float32)
targets = (features @ np.array([[2.0], [-1.0], [0.5]]) + 0.3).astype(np.float32)

dataset = tf.data.Dataset.from_tensor_slices((features, targets))
dataset = dataset.shuffle(buffer_size=50, seed=7).batch(16).repeat()
x, y = dataset.make_one_shot_iterator().get_next()

W = tf.Variable(tf.zeros([3, 1]))
b = tf.Variable(tf.zeros([1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _step in range(40):
        _, value = sess.run([train_op, loss])
        losses.append(float(value))
    w_value, b_value = sess.run([W, b])
print("final loss:", losses[-1])

results = {"losses": losses[::4], "W": w_value.tolist(), "b": b_value.tolist()}
print("results:", json.dumps(results))
