"""Learning-rate schedules: exponential decay of the rate as training advances (the rate
is an op reading global_step), with momentum, and the other schedules side by side."""

import json

import numpy as np

import teachflow as tf

global_step = tf.Variable(0, trainable=False, name="global_step")
starter_learning_rate = 0.1
learning_rate = tf.train.exponential_decay(
    starter_learning_rate, global_step, 10, 0.5, staircase=True
)
x = tf.constant(np.arange(6, dtype=np.float32))
w = tf.Variable(0.0)
loss = tf.reduce_mean(tf.square(w * x - 3.0 * x))
train_op = tf.train.MomentumOptimizer(learning_rate, 0.5).minimize(loss, global_step=global_step)
schedules = {
    "polynomial": tf.train.polynomial_decay(0.1, global_step, 30, 0.01, power=2.0),
    "inverse_time": tf.train.inverse_time_decay(0.1, global_step, 5, 0.5),
    "natural_exp": tf.train.natural_exp_decay(0.1, global_step, 5, 0.3),
    "cosine": tf.train.cosine_decay(0.1, global_step, 30),
    "piecewise": tf.train.piecewise_constant(global_step, [10, 20], [0.1, 0.05, 0.01]),
}

rates, weights = [], []
trace = {name: [] for name in schedules}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(25):
        rate, values = sess.run([learning_rate, schedules])
        rates.append(float(rate))
        for name, v in values.items():
            trace[name].append(float(v))
        sess.run(train_op)
        weights.append(float(sess.run(w)))
    step = int(sess.run(global_step))
print("step", step, "rate", rates[-1], "w", weights[-1])

results = {"rates": rates, "weights": weights, "step": step, "schedules": trace}
print("results:", json.dumps(results))
