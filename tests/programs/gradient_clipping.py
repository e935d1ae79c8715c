"""Gradient clipping the TF1 way: compute_gradients, clip_by_global_norm (or per tensor by
value / by norm), apply_gradients; a steep loss whose raw gradients would explode."""

import json

import numpy as np

import teachflow as tf

x = tf.constant(np.linspace(0.0, 3.0, 8, dtype=np.float32))
y = 5.0 * x + 1.0
w = tf.Variable(20.0)
b = tf.Variable(-10.0)
loss = tf.reduce_mean(tf.square(w * x + b - y)) * 10.0
optimizer = tf.train.GradientDescentOptimizer(0.05)
grads_and_vars = optimizer.compute_gradients(loss, [w, b])
grads, variables = zip(*grads_and_vars)
clipped, global_norm = tf.clip_by_global_norm(grads, 5.0)
train_op = optimizer.apply_gradients(zip(clipped, variables))
by_value = [tf.clip_by_value(g, -1.0, 1.0) for g in grads]
by_norm = [tf.clip_by_norm(g, 2.0) for g in grads]

norms, losses = [], []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run([by_value, by_norm, tf.global_norm(clipped)])
    for _ in range(12):
        n, current, _ = sess.run([global_norm, loss, train_op])
        norms.append(float(n))
        losses.append(float(current))
    final = sess.run([w, b])
print("global norms:", norms[:3], "... final w, b:", final)

results = {
    "by_value": [float(v) for v in first[0]],
    "by_norm": [float(v) for v in first[1]],
    "clipped_norm": float(first[2]),
    "norms": norms,
    "losses": losses,
    "final": [float(v) for v in final],
    "names": [clipped[0].op.name, global_norm.op.name],
}
print("results:", json.dumps(results))
