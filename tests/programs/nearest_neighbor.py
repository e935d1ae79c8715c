"""Nearest neighbour: L1 distance to every training point, the closest by tf.arg_min."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(3)
train = rng.rand(60, 4).astype(np.float32)
train_labels = (train[:, 0] + train[:, 1] > 1.0).astype(np.int64)
test = rng.rand(20, 4).astype(np.float32)
test_labels = (test[:, 0] + test[:, 1] > 1.0).astype(np.int64)

xtr = tf.placeholder("float", [None, 4])
xte = tf.placeholder("float", [4])
distance = tf.reduce_sum(tf.abs(tf.add(xtr, tf.negative(xte))), reduction_indices=1)
pred = tf.arg_min(distance, 0)

accuracy = 0.0
nearest = []
with tf.Session() as sess:
    for i in range(len(test)):
        nn_index = sess.run(pred, feed_dict={xtr: train, xte: test[i, :]})
        nearest.append(int(nn_index))
        if train_labels[nn_index] == test_labels[i]:
            accuracy += 1.0 / len(test)
print("Done! Accuracy:", accuracy)

results = {"nearest": nearest, "accuracy": accuracy, "op": pred.op.type}
print("results:", json.dumps(results))
