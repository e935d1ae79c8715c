"""Name scopes and modularity: a function building a ReLU unit called five times,
variables shared through variable_scope and reuse, and the names TF gives everything."""

import json

import teachflow as tf


def relu(X, threshold):
    with tf.name_scope("relu"):
        w_shape = (int(X.get_shape()[1]), 1)
        w = tf.Variable(tf.constant(0.5, shape=w_shape), name="weights")
        b = tf.Variable(0.0, name="bias")
        z = tf.add(tf.matmul(X, w), b, name="z")
        return tf.maximum(z, threshold, name="max")


def shared_relu(X):
    with tf.variable_scope("relu_shared", reuse=tf.AUTO_REUSE):
        threshold = tf.get_variable(
            "threshold", shape=(), initializer=tf.constant_initializer(0.25)
        )
        w = tf.get_variable(
            "weights", (int(X.get_shape()[1]), 1), initializer=tf.ones_initializer()
        )
        return tf.maximum(tf.matmul(X, w), threshold, name="max")


n_features = 3
X = tf.placeholder(tf.float32, shape=(None, n_features), name="X")
relus = [relu(X, 0.0) for _ in range(5)]
output = tf.add_n(relus, name="output")
shared = [shared_relu(X) for _ in range(3)]
shared_output = tf.add_n(shared, name="shared_output")

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = sess.run([output, shared_output], {X: [[1.0, -2.0, 0.5], [-1.0, -1.0, -1.0]]})

results = {
    "relu_names": [r.name for r in relus],
    "shared_names": [s.name for s in shared],
    "variables": [v.name for v in tf.global_variables()],
    "output": values[0].tolist(),
    "shared_output": values[1].tolist(),
}
print("results:", json.dumps(results))
