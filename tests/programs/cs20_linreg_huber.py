"""Stanford CS20 (2018), lecture 3 (``03_linreg_placeholder.py`` and ``03_linreg_dataset.py``):
linear regression of life expectancy on birth rate, with the lecture's Huber loss written
out of ``tf.abs``, ``tf.square``, ``tf.less`` and ``tf.where``. First one sample at a time
through placeholders, then the same model fed by ``tf.data.Dataset.from_tensor_slices`` and
``make_initializable_iterator``, read to ``OutOfRangeError`` each epoch.

The data is synthetic (no birth_life_2010.txt): 60 countries on a noisy line, a few outliers
that the Huber loss is meant to shrug off.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(2010)
n_samples = 60
birth_rates = rng.uniform(1.0, 7.0, n_samples).astype(np.float32)
life_exps = (84.0 - 6.0 * birth_rates + rng.randn(n_samples) * 2.0).astype(np.float32)
life_exps[::15] -= 25.0  # outliers
data = np.stack([birth_rates, life_exps], axis=1)


def huber_loss(labels, predictions, delta=14.0):
    residual = tf.abs(labels - predictions)
    small_res = 0.5 * tf.square(residual)
    large_res = delta * residual - 0.5 * tf.square(delta)
    return tf.where(tf.less(residual, delta), small_res, large_res)


# Step 1-5: placeholders, weights, the model, the loss, the optimizer.
X = tf.placeholder(tf.float32, name="X")
Y = tf.placeholder(tf.float32, name="Y")
w = tf.get_variable("weights", initializer=tf.constant(0.0))
b = tf.get_variable("bias", initializer=tf.constant(0.0))
Y_predicted = w * X + b
loss = huber_loss(Y, Y_predicted)
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss)

placeholder_losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    writer = None  # the lecture writes the graph for TensorBoard here
    for i in range(30):
        total_loss = 0
        for x, y in data:
            _, l = sess.run([optimizer, loss], feed_dict={X: x, Y: y})
            total_loss += l
        print(f"Epoch {i}: {total_loss / n_samples}")
        placeholder_losses.append(float(total_loss / n_samples))
    w_out, b_out = sess.run([w, b])
print("placeholders: w = %f, b = %f" % (w_out, b_out))

# The same model read from a tf.data.Dataset (03_linreg_dataset.py).
tf.reset_default_graph()
dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
iterator = dataset.make_initializable_iterator()
X, Y = iterator.get_next()

w = tf.get_variable("weights", initializer=tf.constant(0.0))
b = tf.get_variable("bias", initializer=tf.constant(0.0))
Y_predicted = X * w + b
loss = huber_loss(Y, Y_predicted)
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss)

dataset_losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(30):
        sess.run(iterator.initializer)  # initialize the iterator
        total_loss = 0
        try:
            while True:
                _, l = sess.run([optimizer, loss])
                total_loss += l
        except tf.errors.OutOfRangeError:
            pass
        print(f"Epoch {i}: {total_loss / n_samples}")
        dataset_losses.append(float(total_loss / n_samples))
    w_ds, b_ds = sess.run([w, b])
print("dataset: w = %f, b = %f" % (w_ds, b_ds))

results = {
    "placeholder_losses": placeholder_losses,
    "placeholder_wb": [float(w_out), float(b_out)],
    "dataset_losses": dataset_losses,
    "dataset_wb": [float(w_ds), float(b_ds)],
    "output_types": [repr(t) for t in (X.dtype, Y.dtype)],
}
print("results:", json.dumps(results))
