"""Linear regression by gradient descent: W and b as variables, mean squared error,
GradientDescentOptimizer, the cost printed every few epochs."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(0)
train_x = rng.rand(17).astype(np.float32) * 10
train_y = (0.3 * train_x + 0.7 + rng.randn(17).astype(np.float32) * 0.2).astype(np.float32)
n_samples = train_x.shape[0]
learning_rate = 0.01
training_epochs = 50
display_step = 10

X = tf.placeholder("float")
Y = tf.placeholder("float")
W = tf.Variable(0.5, name="weight")
b = tf.Variable(-0.2, name="bias")
pred = tf.add(tf.multiply(X, W), b)
cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * n_samples)
optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(cost)
init = tf.global_variables_initializer()

costs = []
with tf.Session() as sess:
    sess.run(init)
    for epoch in range(training_epochs):
        for x, y in zip(train_x, train_y):
            sess.run(optimizer, feed_dict={X: x, Y: y})
        if (epoch + 1) % display_step == 0:
            c = sess.run(cost, feed_dict={X: train_x, Y: train_y})
            costs.append(float(c))
            print("Epoch:", f"{epoch + 1:04d}", "cost=", f"{c:.9f}")
    training_cost = sess.run(cost, feed_dict={X: train_x, Y: train_y})
    w_value, b_value = sess.run([W, b])
print("Training cost=", training_cost, "W=", w_value, "b=", b_value)

results = {
    "costs": costs,
    "training_cost": float(training_cost),
    "W": float(w_value),
    "b": float(b_value),
}
print("results:", json.dumps(results))
