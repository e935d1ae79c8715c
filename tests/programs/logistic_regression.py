"""Softmax (logistic) regression on three well-separated clouds of points: one-hot labels,
cross-entropy written out by hand, accuracy with tf.argmax."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(1)
centers = np.array([[0.0, 0.0], [3.0, 3.0], [0.0, 4.0]])
labels = np.repeat(np.arange(3), 30)
points = (centers[labels] + rng.randn(90, 2) * 0.7).astype(np.float32)
onehot = np.eye(3, dtype=np.float32)[labels]

x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 3])
W = tf.Variable(tf.zeros([2, 3]))
b = tf.Variable(tf.zeros([3]))
pred = tf.nn.softmax(tf.matmul(x, W) + b)
cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), reduction_indices=1))
optimizer = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
correct = tf.equal(tf.argmax(pred, 1), tf.arg_max(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

costs = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _epoch in range(40):
        for start in range(0, 90, 30):
            batch = slice(start, start + 30)
            _, c = sess.run([optimizer, cost], {x: points[batch], y: onehot[batch]})
        costs.append(float(c))
    acc = sess.run(accuracy, {x: points, y: onehot})
    w_value = sess.run(W)
print("Accuracy:", acc)

results = {"costs": costs[::8], "accuracy": float(acc), "W": w_value.tolist()}
print("results:", json.dumps(results))
