"""Chapter 9 of *Hands-On Machine Learning* (1st ed.), "Up and Running with TensorFlow", as its
notebook writes it: sessions three ways (``sess.run``, ``x.initializer.run()`` with
``f.eval()``, ``tf.InteractiveSession``), default and private graphs, node values evaluated
twice, the Normal Equation in float64 with ``tf.matrix_inverse``, batch gradient descent
three ways (manual gradients, ``tf.gradients``, an optimizer), mini-batch gradient descent
fed through placeholders, and ``tf.train.write_graph``.

The housing data is synthetic (no download): 200 districts, 8 scaled features.
"""

import json
import os
import tempfile

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


# -- creating a graph and running it in a session --------------------------------------------
reset_graph()
x = tf.Variable(3, name="x")
y = tf.Variable(4, name="y")
f = x * x * y + y + 2

sess = tf.Session()
sess.run(x.initializer)
sess.run(y.initializer)
result_run = sess.run(f)
sess.close()

with tf.Session() as sess:
    x.initializer.run()
    y.initializer.run()
    result_eval = f.eval()

init = tf.global_variables_initializer()
sess = tf.InteractiveSession()
init.run()
result_interactive = f.eval()
sess.close()

# -- managing graphs ---------------------------------------------------------------------------
reset_graph()
x1 = tf.Variable(1)
x1_in_default = x1.graph is tf.get_default_graph()
graph = tf.Graph()
with graph.as_default():
    x2 = tf.Variable(2)
    inner = tf.Graph()
    with inner.as_default():
        x3 = tf.constant(3)
    back_in_graph = tf.get_default_graph() is graph
graphs = [x2.graph is graph, x2.graph is tf.get_default_graph(), x3.graph is inner]

# -- lifecycle of a node value -----------------------------------------------------------------
w = tf.constant(3)
x = w + 2
y = x + 5
z = x * 3
with tf.Session() as sess:
    twice = [int(y.eval()), int(z.eval())]
with tf.Session() as sess:
    y_val, z_val = sess.run([y, z])

# -- linear regression: the Normal Equation ----------------------------------------------------
rng = np.random.RandomState(42)
m, n = 200, 8
housing_data = rng.randn(m, n)
housing_target = housing_data @ np.linspace(0.5, -0.3, n) + 2.0 + 0.1 * rng.randn(m)
housing_data_plus_bias = np.c_[np.ones((m, 1)), housing_data]

reset_graph()
X = tf.constant(housing_data_plus_bias, dtype=tf.float64, name="X")
y = tf.constant(housing_target.reshape(-1, 1), dtype=tf.float64, name="y")
XT = tf.transpose(X)
theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)
with tf.Session() as sess:
    theta_normal = theta.eval()

# -- batch gradient descent: manual gradients, autodiff, an optimizer --------------------------
scaled_housing_data_plus_bias = housing_data_plus_bias.astype(np.float32)
n_epochs = 20
learning_rate = 0.1


def batch_gd(gradients_of):
    reset_graph()
    X = tf.constant(scaled_housing_data_plus_bias, dtype=tf.float32, name="X")
    y = tf.constant(housing_target.reshape(-1, 1), dtype=tf.float32, name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    error = y_pred - y
    mse = tf.reduce_mean(tf.square(error), name="mse")
    training_op = gradients_of(X, theta, error, mse)
    init = tf.global_variables_initializer()
    mses = []
    with tf.Session() as sess:
        sess.run(init)
        theta_start = theta.eval()
        for epoch in range(n_epochs):
            if epoch % 5 == 0:
                mses.append(float(mse.eval()))
            sess.run(training_op)
        best_theta = theta.eval()
    return theta_start, mses, best_theta


def manual(X, theta, error, mse):
    gradients = 2 / m * tf.matmul(tf.transpose(X), error)
    return tf.assign(theta, theta - learning_rate * gradients)


def autodiff(X, theta, error, mse):
    gradients = tf.gradients(mse, [theta])[0]
    return tf.assign(theta, theta - learning_rate * gradients)


def optimizer(X, theta, error, mse):
    return tf.train.MomentumOptimizer(learning_rate=0.05, momentum=0.9).minimize(mse)


theta_start, mses_manual, theta_manual = batch_gd(manual)
_, mses_autodiff, theta_autodiff = batch_gd(autodiff)
_, mses_optimizer, theta_optimizer = batch_gd(optimizer)

# -- mini-batch gradient descent through placeholders ------------------------------------------
reset_graph()
X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
y_pred = tf.matmul(X, theta, name="predictions")
error = y_pred - y
mse = tf.reduce_mean(tf.square(error), name="mse")
training_op = tf.train.GradientDescentOptimizer(learning_rate=0.05).minimize(mse)
init = tf.global_variables_initializer()

batch_size = 50
n_batches = int(np.ceil(m / batch_size))


def fetch_batch(epoch, batch_index, batch_size):
    np.random.seed(epoch * n_batches + batch_index)
    indices = np.random.randint(m, size=batch_size)
    X_batch = scaled_housing_data_plus_bias[indices]
    y_batch = housing_target.reshape(-1, 1)[indices]
    return X_batch, y_batch


with tf.Session() as sess:
    sess.run(init)
    for epoch in range(5):
        for batch_index in range(n_batches):
            X_batch, y_batch = fetch_batch(epoch, batch_index, batch_size)
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    theta_minibatch = theta.eval()
    full_mse = mse.eval(
        feed_dict={X: scaled_housing_data_plus_bias, y: housing_target.reshape(-1, 1)}
    )

logdir = tempfile.mkdtemp()
graph_path = tf.train.write_graph(tf.get_default_graph(), logdir, "graph.pbtxt")
graph_text = open(graph_path).read()
binary_path = tf.train.write_graph(
    tf.get_default_graph().as_graph_def(), logdir, "graph.pb", as_text=False
)
print("Best theta:", theta_minibatch.ravel())


def column(values):
    return [float(v) for v in np.ravel(values)]


results = {
    "results": [int(result_run), int(result_eval), int(result_interactive)],
    "x1_in_default": x1_in_default,
    "graphs": graphs,
    "back_in_graph": back_in_graph,
    "twice": twice,
    "y_z": [int(y_val), int(z_val)],
    "theta_normal": column(theta_normal),
    "theta_start": column(theta_start),
    "mses_manual": mses_manual,
    "mses_autodiff": mses_autodiff,
    "mses_optimizer": mses_optimizer,
    "theta_manual": column(theta_manual),
    "theta_autodiff": column(theta_autodiff),
    "theta_optimizer": column(theta_optimizer),
    "theta_minibatch": column(theta_minibatch),
    "full_mse": float(full_mse),
    "graph_files": [os.path.basename(graph_path), os.path.basename(binary_path)],
    "graph_text_has_theta": 'name: "theta"' in graph_text,
}
print("results:", json.dumps(results))
