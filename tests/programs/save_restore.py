"""Save and restore: train a little, save with tf.train.Saver, rebuild the graph, restore
into a fresh session and carry on where it stopped."""

import json
import os
import tempfile

import numpy as np

import teachflow as tf

data = np.linspace(-1.0, 1.0, 21).astype(np.float32)
target = 2.0 * data - 0.5
model_path = os.path.join(tempfile.mkdtemp(), "model.ckpt")


def build():
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    w = tf.Variable(0.1, name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(w * x + b - y))
    step = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    return x, y, w, b, loss, step


x, y, w, b, loss, step = build()
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(5):
        sess.run(step, {x: data, y: target})
    saved = sess.run([w, b])
    save_path = saver.save(sess, model_path)
print(f"Model saved in file: {os.path.basename(save_path)}")

tf.reset_default_graph()
x, y, w, b, loss, step = build()
saver = tf.train.Saver()
with tf.Session() as sess:
    saver.restore(sess, model_path)
    restored = sess.run([w, b])
    for _ in range(5):
        sess.run(step, {x: data, y: target})
    final = sess.run([w, b, loss], {x: data, y: target})
print("Restored:", restored, "final loss:", final[2])

results = {
    "saved": [float(v) for v in saved],
    "restored": [float(v) for v in restored],
    "final": [float(v) for v in final],
    "checkpoint_variables": sorted(name for name, _ in tf.train.list_variables(model_path)),
}
print("results:", json.dumps(results))
