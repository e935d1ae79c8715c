"""Linear regression by the normal equation, theta = (X^T X)^-1 X^T y, on housing-like
data (a fixed numpy seed stands in for the California housing set)."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(42)
m, n = 200, 3
features = rng.rand(m, n) * [10.0, 5.0, 2.0]  # rooms, age (decades), distance
prices = 50.0 + features @ [12.0, -3.0, -7.5] + rng.randn(m) * 2.0
housing_data_plus_bias = np.c_[np.ones((m, 1)), features]

X = tf.constant(housing_data_plus_bias, dtype=tf.float32, name="X")
y = tf.constant(prices.reshape(-1, 1), dtype=tf.float32, name="y")
XT = tf.transpose(X)
theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)

# The same with tf.linalg names, in float64 ("double" as TF1 tutorials write it).
X64 = tf.placeholder("double", [None, n + 1])
y64 = tf.placeholder("double", [None, 1])
theta64 = tf.linalg.solve(
    tf.matmul(X64, X64, transpose_a=True), tf.matmul(X64, y64, transpose_a=True)
)

with tf.Session() as sess:
    theta_value = sess.run(theta)
    theta64_value = sess.run(theta64, {X64: housing_data_plus_bias, y64: prices.reshape(-1, 1)})
print("theta:", theta_value.ravel())

results = {
    "theta": theta_value.ravel().tolist(),
    "theta64": theta64_value.ravel().tolist(),
    "op": theta.op.inputs[0].op.inputs[0].op.type,
}
print("results:", json.dumps(results))
