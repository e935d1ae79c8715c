"""*TensorFlow Machine Learning Cookbook* (1st ed.), chapter 4: a linear soft-margin SVM
(``tf.maximum(0., 1. - y * f)`` plus an L2 term, ``tf.sign`` predictions), the Gaussian
kernel SVM of two circles (pairwise squared distances from ``tf.matmul`` and
``tf.transpose``, ``tf.exp``, the dual loss), and the one-vs-all multiclass kernel SVM,
whose ``reshape_matmul`` multiplies 3-D tensors with ``tf.matmul`` and predicts with
``tf.arg_max``.

The data is synthetic (no iris or scikit-learn download): look-alike iris columns and two
noisy circles drawn with numpy.
"""

# The book's own names (``rA``, ``rB`` for the squared norms).
# ruff: noqa: N816

import json

import numpy as np

import teachflow as tf

results = {}

# Look-alike iris: sepal length and petal width of three species, 50 each.
np.random.seed(41)
means = [[5.0, 0.25], [5.9, 1.3], [6.6, 2.0]]
spreads = [[0.35, 0.1], [0.5, 0.2], [0.6, 0.27]]
iris_data = np.concatenate([np.random.normal(m, s, size=(50, 2)) for m, s in zip(means, spreads)])
iris_target = np.repeat([0, 1, 2], 50)

# Linear SVM: setosa or not.
tf.set_random_seed(41)
sess = tf.Session()
x_vals = np.array([[x[0], x[1]] for x in iris_data])
y_vals = np.array([1 if y == 0 else -1 for y in iris_target])
train_indices = np.random.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
test_indices = np.array(list(set(range(len(x_vals))) - set(train_indices)))
x_vals_train = x_vals[train_indices]
x_vals_test = x_vals[test_indices]
y_vals_train = y_vals[train_indices]
y_vals_test = y_vals[test_indices]
batch_size = 100
x_data = tf.placeholder(shape=[None, 2], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[2, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
model_output = tf.subtract(tf.matmul(x_data, A), b)
l2_norm = tf.reduce_sum(tf.square(A))
alpha = tf.constant([0.1])
classification_term = tf.reduce_mean(
    tf.maximum(0.0, tf.subtract(1.0, tf.multiply(model_output, y_target)))
)
loss = tf.add(classification_term, tf.multiply(alpha, l2_norm))
prediction = tf.sign(model_output)
accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, y_target), tf.float32))
my_opt = tf.train.GradientDescentOptimizer(0.01)
train_step = my_opt.minimize(loss)
init = tf.global_variables_initializer()
sess.run(init)
loss_vec = []
train_accuracy = []
test_accuracy = []
for i in range(200):
    rand_index = np.random.choice(len(x_vals_train), size=batch_size)
    rand_x = x_vals_train[rand_index]
    rand_y = np.transpose([y_vals_train[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(float(temp_loss[0]))
    train_acc_temp = sess.run(
        accuracy, feed_dict={x_data: x_vals_train, y_target: np.transpose([y_vals_train])}
    )
    train_accuracy.append(float(train_acc_temp))
    test_acc_temp = sess.run(
        accuracy, feed_dict={x_data: x_vals_test, y_target: np.transpose([y_vals_test])}
    )
    test_accuracy.append(float(test_acc_temp))
    if (i + 1) % 100 == 0:
        print("Step #" + str(i + 1) + " A = " + str(sess.run(A)) + " b = " + str(sess.run(b)))
        print("Loss = " + str(temp_loss))
[[a1], [a2]] = sess.run(A)
[[b_out]] = sess.run(b)
results["linear"] = {
    "A_b": [float(a1), float(a2), float(b_out)],
    "loss": loss_vec[::20],
    "train_accuracy": train_accuracy[::20],
    "test_accuracy": test_accuracy[::20],
}
sess.close()

# Gaussian kernel: two noisy circles (make_circles(factor=.5, noise=.1) look-alike).
tf.reset_default_graph()
tf.set_random_seed(42)
np.random.seed(42)
sess = tf.Session()
angles = np.random.uniform(0, 2 * np.pi, 350)
radii = np.where(np.arange(350) % 2 == 0, 1.0, 0.5)
data = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
data += np.random.normal(0, 0.1, data.shape)
labels = (np.arange(350) % 2 == 1).astype(int)
y_vals = np.array([1 if y == 1 else -1 for y in labels])
class1_x = [x[0] for i, x in enumerate(data) if y_vals[i] == 1]
class2_x = [x[0] for i, x in enumerate(data) if y_vals[i] == -1]
batch_size = 350
x_data = tf.placeholder(shape=[None, 2], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
prediction_grid = tf.placeholder(shape=[None, 2], dtype=tf.float32)
b = tf.Variable(tf.random_normal(shape=[1, batch_size]))
gamma = tf.constant(-50.0)
dist = tf.reduce_sum(tf.square(x_data), 1)
dist = tf.reshape(dist, [-1, 1])
sq_dists = tf.add(
    tf.subtract(dist, tf.multiply(2.0, tf.matmul(x_data, tf.transpose(x_data)))),
    tf.transpose(dist),
)
my_kernel = tf.exp(tf.multiply(gamma, tf.abs(sq_dists)))
model_output = tf.matmul(b, my_kernel)
first_term = tf.reduce_sum(b)
b_vec_cross = tf.matmul(tf.transpose(b), b)
y_target_cross = tf.matmul(y_target, tf.transpose(y_target))
second_term = tf.reduce_sum(tf.multiply(my_kernel, tf.multiply(b_vec_cross, y_target_cross)))
loss = tf.negative(tf.subtract(first_term, second_term))
rA = tf.reshape(tf.reduce_sum(tf.square(x_data), 1), [-1, 1])
rB = tf.reshape(tf.reduce_sum(tf.square(prediction_grid), 1), [-1, 1])
pred_sq_dist = tf.add(
    tf.subtract(rA, tf.multiply(2.0, tf.matmul(x_data, tf.transpose(prediction_grid)))),
    tf.transpose(rB),
)
pred_kernel = tf.exp(tf.multiply(gamma, tf.abs(pred_sq_dist)))
prediction_output = tf.matmul(tf.multiply(tf.transpose(y_target), b), pred_kernel)
prediction = tf.sign(prediction_output - tf.reduce_mean(prediction_output))
accuracy = tf.reduce_mean(
    tf.cast(tf.equal(tf.squeeze(prediction), tf.squeeze(y_target)), tf.float32)
)
my_opt = tf.train.GradientDescentOptimizer(0.002)
train_step = my_opt.minimize(loss)
init = tf.global_variables_initializer()
sess.run(init)
loss_vec = []
batch_accuracy = []
for i in range(100):
    rand_index = np.random.choice(len(data), size=batch_size)
    rand_x = data[rand_index]
    rand_y = np.transpose([y_vals[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(float(temp_loss))
    acc_temp = sess.run(
        accuracy, feed_dict={x_data: rand_x, y_target: rand_y, prediction_grid: rand_x}
    )
    batch_accuracy.append(float(acc_temp))
    if (i + 1) % 50 == 0:
        print("Step #" + str(i + 1))
        print("Loss = " + str(temp_loss))
x_min, x_max = data[:, 0].min() - 1, data[:, 0].max() + 1
y_min, y_max = data[:, 1].min() - 1, data[:, 1].max() + 1
xx, yy = np.meshgrid(np.linspace(x_min, x_max, 7), np.linspace(y_min, y_max, 7))
grid_points = np.c_[xx.ravel(), yy.ravel()]
[grid_predictions] = sess.run(
    prediction_output, feed_dict={x_data: rand_x, y_target: rand_y, prediction_grid: grid_points}
)
results["gaussian"] = {
    "loss": loss_vec[::10],
    "batch_accuracy": batch_accuracy[::10],
    "grid_output": [float(v) for v in grid_predictions],
    "class_sizes": [len(class1_x), len(class2_x)],
}
sess.close()

# One-vs-all multiclass kernel SVM on the three species.
tf.reset_default_graph()
tf.set_random_seed(43)
np.random.seed(43)
sess = tf.Session()
x_vals = np.array([[x[0], x[1]] for x in iris_data])
y_vals1 = np.array([1 if y == 0 else -1 for y in iris_target])
y_vals2 = np.array([1 if y == 1 else -1 for y in iris_target])
y_vals3 = np.array([1 if y == 2 else -1 for y in iris_target])
y_vals = np.array([y_vals1, y_vals2, y_vals3])
batch_size = 50
x_data = tf.placeholder(shape=[None, 2], dtype=tf.float32)
y_target = tf.placeholder(shape=[3, None], dtype=tf.float32)
prediction_grid = tf.placeholder(shape=[None, 2], dtype=tf.float32)
b = tf.Variable(tf.random_normal(shape=[3, batch_size]))
gamma = tf.constant(-10.0)
dist = tf.reduce_sum(tf.square(x_data), 1)
dist = tf.reshape(dist, [-1, 1])
sq_dists = tf.add(
    tf.subtract(dist, tf.multiply(2.0, tf.matmul(x_data, tf.transpose(x_data)))),
    tf.transpose(dist),
)
my_kernel = tf.exp(tf.multiply(gamma, tf.abs(sq_dists)))


def reshape_matmul(mat):
    v1 = tf.expand_dims(mat, 1)
    v2 = tf.reshape(v1, [3, batch_size, 1])
    return tf.matmul(v2, v1)


model_output = tf.matmul(b, my_kernel)
first_term = tf.reduce_sum(b)
b_vec_cross = tf.matmul(tf.transpose(b), b)
y_target_cross = reshape_matmul(y_target)
second_term = tf.reduce_sum(
    tf.multiply(my_kernel, tf.multiply(b_vec_cross, y_target_cross)), [1, 2]
)
loss = tf.reduce_sum(tf.negative(tf.subtract(first_term, second_term)))
rA = tf.reshape(tf.reduce_sum(tf.square(x_data), 1), [-1, 1])
rB = tf.reshape(tf.reduce_sum(tf.square(prediction_grid), 1), [-1, 1])
pred_sq_dist = tf.add(
    tf.subtract(rA, tf.multiply(2.0, tf.matmul(x_data, tf.transpose(prediction_grid)))),
    tf.transpose(rB),
)
pred_kernel = tf.exp(tf.multiply(gamma, tf.abs(pred_sq_dist)))
prediction_output = tf.matmul(tf.multiply(y_target, b), pred_kernel)
prediction = tf.arg_max(
    prediction_output - tf.expand_dims(tf.reduce_mean(prediction_output, 1), 1), 0
)
accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, tf.argmax(y_target, 0)), tf.float32))
my_opt = tf.train.GradientDescentOptimizer(0.01)
train_step = my_opt.minimize(loss)
init = tf.global_variables_initializer()
sess.run(init)
loss_vec = []
batch_accuracy = []
for i in range(100):
    rand_index = np.random.choice(len(x_vals), size=batch_size)
    rand_x = x_vals[rand_index]
    rand_y = y_vals[:, rand_index]
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(float(temp_loss))
    acc_temp = sess.run(
        accuracy, feed_dict={x_data: rand_x, y_target: rand_y, prediction_grid: rand_x}
    )
    batch_accuracy.append(float(acc_temp))
    if (i + 1) % 25 == 0:
        print("Step #" + str(i + 1))
        print("Loss = " + str(temp_loss))
grid_points = np.array([[x, y] for x in (4.5, 5.5, 6.5, 7.5) for y in (0.2, 1.0, 1.8, 2.6)])
grid_output = sess.run(
    prediction_output, feed_dict={x_data: rand_x, y_target: rand_y, prediction_grid: grid_points}
)
results["multiclass"] = {
    "loss": loss_vec[::10],
    "batch_accuracy": batch_accuracy[::10],
    "grid_output": [[float(v) for v in row] for row in grid_output],
    "cross_shape": y_target_cross.get_shape().as_list(),
}
sess.close()
print("results:", json.dumps(results))
