"""*TensorFlow Machine Learning Cookbook* (1st ed.), chapter 2: the loss-function recipe
(L2, L1, pseudo-Huber with ``tf.sqrt``, hinge, cross entropy, ``sigmoid_cross_entropy_with_logits``,
``weighted_cross_entropy_with_logits``, ``softmax_cross_entropy_with_logits_v2`` and its
sparse sibling), batch vs stochastic training of ``A`` in ``x * A = 10``, and "combining
everything": a binary classifier of setosa from petal length and width.

The data is synthetic (no iris download): two clusters of petals drawn with numpy that look
like setosa and the rest. The losses are sampled every 25th point of the book's 500.
"""

import json

import numpy as np

import teachflow as tf

sess = tf.Session()


def sampled(values):
    return [float(v) for v in values[::25]]


# Regression losses, predictions from -1 to 1 against a target of 0.
x_vals = tf.linspace(-1.0, 1.0, 500)
target = tf.constant(0.0)
l2_y_vals = tf.square(target - x_vals)
l2_y_out = sess.run(l2_y_vals)
l1_y_vals = tf.abs(target - x_vals)
l1_y_out = sess.run(l1_y_vals)
delta1 = tf.constant(0.25)
phuber1_y_vals = tf.multiply(
    tf.square(delta1), tf.sqrt(1.0 + tf.square((target - x_vals) / delta1)) - 1.0
)
phuber1_y_out = sess.run(phuber1_y_vals)
delta2 = tf.constant(5.0)
phuber2_y_vals = tf.multiply(
    tf.square(delta2), tf.sqrt(1.0 + tf.square((target - x_vals) / delta2)) - 1.0
)
phuber2_y_out = sess.run(phuber2_y_vals)

# Classification losses, predictions from -3 to 5 against a target of 1.
x_vals = tf.linspace(-3.0, 5.0, 500)
target = tf.constant(1.0)
targets = tf.fill([500], 1.0)
hinge_y_vals = tf.maximum(0.0, 1.0 - tf.multiply(target, x_vals))
hinge_y_out = sess.run(hinge_y_vals)
xentropy_y_vals = -tf.multiply(target, tf.log(x_vals)) - tf.multiply(
    (1.0 - target), tf.log(1.0 - x_vals)
)
xentropy_y_out = sess.run(xentropy_y_vals)
xentropy_sigmoid_y_vals = tf.nn.sigmoid_cross_entropy_with_logits(logits=x_vals, labels=targets)
xentropy_sigmoid_y_out = sess.run(xentropy_sigmoid_y_vals)
weight = tf.constant(0.5)
xentropy_weighted_y_vals = tf.nn.weighted_cross_entropy_with_logits(
    logits=x_vals, targets=targets, pos_weight=weight
)
xentropy_weighted_y_out = sess.run(xentropy_weighted_y_vals)

unscaled_logits = tf.constant([[1.0, -3.0, 10.0]])
target_dist = tf.constant([[0.1, 0.02, 0.88]])
softmax_xentropy = tf.nn.softmax_cross_entropy_with_logits_v2(
    logits=unscaled_logits, labels=target_dist
)
softmax_out = sess.run(softmax_xentropy)
print(softmax_out)
sparse_target_dist = tf.constant([2])
sparse_xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=unscaled_logits, labels=sparse_target_dist
)
sparse_out = sess.run(sparse_xentropy)
print(sparse_out)
sess.close()

# Batch vs stochastic training: x ~ N(1, 0.1), y = 10, so A should go to 10.
np.random.seed(42)
trained = {}
for batch_size in (1, 20):
    tf.reset_default_graph()
    tf.set_random_seed(42)  # a fresh graph has no seed of its own
    sess = tf.Session()
    x_vals = np.random.normal(1, 0.1, 100)
    y_vals = np.repeat(10.0, 100)
    x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    A = tf.Variable(tf.random_normal(shape=[1, 1]))
    my_output = tf.matmul(x_data, A)
    loss = tf.reduce_mean(tf.square(my_output - y_target))
    init = tf.global_variables_initializer()
    sess.run(init)
    my_opt = tf.train.GradientDescentOptimizer(0.02)
    train_step = my_opt.minimize(loss)
    loss_batch = []
    for i in range(100):
        rand_index = np.random.choice(100, size=batch_size)
        rand_x = np.transpose([x_vals[rand_index]])
        rand_y = np.transpose([y_vals[rand_index]])
        sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
        if (i + 1) % 5 == 0:
            temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
            loss_batch.append(float(temp_loss))
    trained[batch_size] = {"A": float(sess.run(A)[0, 0]), "loss": loss_batch}
    print("Batch size", batch_size, "A =", trained[batch_size]["A"])
    sess.close()

# Combining everything: is this petal a setosa? (look-alike iris data)
tf.reset_default_graph()
np.random.seed(1)
tf.set_random_seed(1)
setosa = np.random.normal([1.46, 0.25], [0.17, 0.1], size=(50, 2))
others = np.random.normal([4.9, 1.7], [0.8, 0.4], size=(100, 2))
binary_target = np.array([1.0] * 50 + [0.0] * 100)
iris_2d = np.concatenate([setosa, others])

batch_size = 20
sess = tf.Session()
x1_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
x2_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[1, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
my_mult = tf.matmul(x2_data, A)
my_add = tf.add(my_mult, b)
my_output = tf.subtract(x1_data, my_add)
xentropy = tf.nn.sigmoid_cross_entropy_with_logits(logits=my_output, labels=y_target)
my_opt = tf.train.GradientDescentOptimizer(0.05)
train_step = my_opt.minimize(xentropy)
init = tf.global_variables_initializer()
sess.run(init)
for i in range(300):
    rand_index = np.random.choice(len(iris_2d), size=batch_size)
    rand_x = iris_2d[rand_index]
    rand_x1 = np.array([[x[0]] for x in rand_x])
    rand_x2 = np.array([[x[1]] for x in rand_x])
    rand_y = np.array([[y] for y in binary_target[rand_index]])
    sess.run(train_step, feed_dict={x1_data: rand_x1, x2_data: rand_x2, y_target: rand_y})
    if (i + 1) % 100 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)) + ", b = " + str(sess.run(b)))
[[slope]] = sess.run(A)
[[intercept]] = sess.run(b)
prediction = tf.round(tf.sigmoid(my_output))
predictions = sess.run(
    prediction,
    feed_dict={x1_data: iris_2d[:, :1], x2_data: iris_2d[:, 1:], y_target: binary_target[:, None]},
)
accuracy = float(np.mean(predictions[:, 0] == binary_target))

results = {
    "l2": sampled(l2_y_out),
    "l1": sampled(l1_y_out),
    "phuber1": sampled(phuber1_y_out),
    "phuber2": sampled(phuber2_y_out),
    "hinge": sampled(hinge_y_out),
    "xentropy_defined": sampled(xentropy_y_out[np.isfinite(xentropy_y_out)]),
    "xentropy_nan_count": int(np.isnan(xentropy_y_out).sum()),
    "xentropy_sigmoid": sampled(xentropy_sigmoid_y_out),
    "xentropy_weighted": sampled(xentropy_weighted_y_out),
    "softmax": [float(v) for v in softmax_out],
    "sparse_softmax": [float(v) for v in sparse_out],
    "stochastic": trained[1],
    "batch": trained[20],
    "setosa_line": [float(slope), float(intercept)],
    "setosa_accuracy": accuracy,
}
print("results:", json.dumps(results))
