"""*TensorFlow Machine Learning Cookbook* (1st ed.), chapter 3: linear regression by the
matrix inverse and by Cholesky decomposition (``tf.cholesky``, ``tf.matrix_solve``),
Deming (total) regression, lasso and ridge with the book's heaviside trick
(``tf.minimum``/``tf.exp``), elastic net over three features, and logistic regression.

The data is synthetic (no iris or birthweight download): look-alike petal and sepal columns
drawn with numpy, and a low-birthweight table of seven made-up features.
"""

# The book's own names (``tA_A`` for A^T A) and its step counters.
# ruff: noqa: N816, B007

import json

import numpy as np

import teachflow as tf

results = {}

# Matrix inverse and Cholesky decomposition on a noisy line.
sess = tf.Session()
x_vals = np.linspace(0, 10, 100)
np.random.seed(3)
y_vals = x_vals + np.random.normal(0, 1, 100)
x_vals_column = np.transpose(np.matrix(x_vals))
ones_column = np.transpose(np.matrix(np.repeat(1, 100)))
A = np.column_stack((x_vals_column, ones_column))
b = np.transpose(np.matrix(y_vals))
A_tensor = tf.constant(A)
b_tensor = tf.constant(b)
tA_A = tf.matmul(tf.transpose(A_tensor), A_tensor)
tA_A_inv = tf.matrix_inverse(tA_A)
product = tf.matmul(tA_A_inv, tf.transpose(A_tensor))
solution = tf.matmul(product, b_tensor)
solution_eval = sess.run(solution)
results["inverse"] = [float(solution_eval[0][0]), float(solution_eval[1][0])]

L = tf.cholesky(tA_A)
tA_b = tf.matmul(tf.transpose(A_tensor), b)
sol1 = tf.matrix_solve(L, tA_b)
sol2 = tf.matrix_solve(tf.transpose(L), sol1)
solution_eval = sess.run(sol2)
results["cholesky"] = [float(solution_eval[0][0]), float(solution_eval[1][0])]
results["cholesky_dtype"] = repr(L.dtype)
print("slope: " + str(results["cholesky"][0]), "y_intercept: " + str(results["cholesky"][1]))
sess.close()

# Look-alike iris: petal width (x) against sepal length (y).
np.random.seed(5)
petal_width = np.random.uniform(0.1, 2.5, 150)
sepal_length = 4.3 + 0.9 * petal_width + np.random.normal(0, 0.35, 150)
x_vals = petal_width
y_vals = sepal_length


def fit(loss_of, learning_rate, steps, seed, batch_size=50):
    """The book's training loop around one loss: y = A x + b, fed random batches."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    sess = tf.Session()
    x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
    A = tf.Variable(tf.random_normal(shape=[1, 1]))
    b = tf.Variable(tf.random_normal(shape=[1, 1]))
    model_output = tf.add(tf.matmul(x_data, A), b)
    loss = loss_of(x_data, y_target, A, b, model_output)
    my_opt = tf.train.GradientDescentOptimizer(learning_rate)
    train_step = my_opt.minimize(loss)
    init = tf.global_variables_initializer()
    sess.run(init)
    loss_vec = []
    for i in range(steps):
        rand_index = np.random.choice(len(x_vals), size=batch_size)
        rand_x = np.transpose([x_vals[rand_index]])
        rand_y = np.transpose([y_vals[rand_index]])
        sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
        temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
        loss_vec.append(float(np.ravel(temp_loss)[0]))
    [[slope]] = sess.run(A)
    [[y_intercept]] = sess.run(b)
    sess.close()
    return {"line": [float(slope), float(y_intercept)], "loss": loss_vec[::10]}


def deming_loss(x_data, y_target, A, b, model_output):
    # Distance of each point to the line, not the vertical residual.
    deming_numerator = tf.abs(tf.subtract(y_target, tf.add(tf.matmul(x_data, A), b)))
    deming_denominator = tf.sqrt(tf.add(tf.square(A), 1))
    return tf.reduce_mean(tf.truediv(deming_numerator, deming_denominator))


def lasso_loss(x_data, y_target, A, b, model_output):
    # A steep step (heaviside) that makes the slope cost 99 once it passes 0.9.
    lasso_param = tf.constant(0.9)
    heavyside_step = tf.truediv(
        1.0, tf.add(1.0, tf.exp(tf.multiply(-100.0, tf.subtract(A, lasso_param))))
    )
    regularization_param = tf.multiply(heavyside_step, 99.0)
    return tf.add(tf.reduce_mean(tf.square(y_target - model_output)), regularization_param)


def ridge_loss(x_data, y_target, A, b, model_output):
    ridge_param = tf.constant(1.0)
    ridge_loss = tf.reduce_mean(tf.square(A))
    return tf.expand_dims(
        tf.add(
            tf.reduce_mean(tf.square(y_target - model_output)), tf.multiply(ridge_param, ridge_loss)
        ),
        0,
    )


np.random.seed(7)
results["deming"] = fit(deming_loss, 0.1, 100, seed=7)
# A seed whose first slope is past 0.9: from far below it, exp(-100 (A - 0.9)) overflows
# float32 and the step's gradient is NaN, in TensorFlow as here.
results["lasso"] = fit(lasso_loss, 0.001, 100, seed=14)
results["ridge"] = fit(ridge_loss, 0.001, 100, seed=9)
print("Deming:", results["deming"]["line"], "lasso:", results["lasso"]["line"])

# Elastic net: sepal length from three other columns.
tf.reset_default_graph()
tf.set_random_seed(10)
sess = tf.Session()
np.random.seed(10)
sepal_width = np.random.normal(3.05, 0.43, 150)
petal_length = 1.0 + 2.2 * petal_width + np.random.normal(0, 0.3, 150)
x_vals = np.array([[x1, x2, x3] for x1, x2, x3 in zip(sepal_width, petal_length, petal_width)])
y_vals = sepal_length
batch_size = 50
x_data = tf.placeholder(shape=[None, 3], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[3, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
model_output = tf.add(tf.matmul(x_data, A), b)
elastic_param1 = tf.constant(1.0)
elastic_param2 = tf.constant(1.0)
l1_a_loss = tf.reduce_mean(tf.abs(A))
l2_a_loss = tf.reduce_mean(tf.square(A))
e1_term = tf.multiply(elastic_param1, l1_a_loss)
e2_term = tf.multiply(elastic_param2, l2_a_loss)
loss = tf.expand_dims(
    tf.add(tf.add(tf.reduce_mean(tf.square(y_target - model_output)), e1_term), e2_term), 0
)
init = tf.global_variables_initializer()
sess.run(init)
my_opt = tf.train.GradientDescentOptimizer(0.001)
train_step = my_opt.minimize(loss)
loss_vec = []
for i in range(200):
    rand_index = np.random.choice(len(x_vals), size=batch_size)
    rand_x = x_vals[rand_index]
    rand_y = np.transpose([y_vals[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(float(temp_loss[0]))
[[sw_coef], [pl_coef], [pw_ceof]] = sess.run(A)
[y_intercept] = sess.run(b)
results["elastic_net"] = {
    "coefficients": [float(sw_coef), float(pl_coef), float(pw_ceof), float(y_intercept[0])],
    "loss": loss_vec[::20],
}
sess.close()

# Logistic regression: low birthweight from seven features, min-max normalised.
tf.reset_default_graph()
tf.set_random_seed(11)
np.random.seed(11)
sess = tf.Session()
n = 189
features = np.column_stack(
    [
        np.random.randint(14, 45, n),  # AGE
        np.random.randint(80, 250, n),  # LWT
        np.random.randint(1, 4, n),  # RACE
        np.random.randint(0, 2, n),  # SMOKE
        np.random.randint(0, 3, n),  # PTL
        np.random.randint(0, 2, n),  # HT
        np.random.randint(0, 2, n),  # UI
    ]
).astype(float)
risk = -0.02 * features[:, 1] + 0.8 * features[:, 3] + 1.2 * features[:, 5] + 1.5
y_vals = (risk + np.random.normal(0, 0.8, n) > 0).astype(float)
x_vals = features
train_indices = np.random.choice(len(x_vals), round(len(x_vals) * 0.8), replace=False)
test_indices = np.array(list(set(range(len(x_vals))) - set(train_indices)))
x_vals_train = x_vals[train_indices]
x_vals_test = x_vals[test_indices]
y_vals_train = y_vals[train_indices]
y_vals_test = y_vals[test_indices]


def normalize_cols(m):
    col_max = m.max(axis=0)
    col_min = m.min(axis=0)
    return (m - col_min) / (col_max - col_min)


x_vals_train = np.nan_to_num(normalize_cols(x_vals_train))
x_vals_test = np.nan_to_num(normalize_cols(x_vals_test))
batch_size = 25
x_data = tf.placeholder(shape=[None, 7], dtype=tf.float32)
y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
A = tf.Variable(tf.random_normal(shape=[7, 1]))
b = tf.Variable(tf.random_normal(shape=[1, 1]))
model_output = tf.add(tf.matmul(x_data, A), b)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=model_output, labels=y_target))
init = tf.global_variables_initializer()
sess.run(init)
my_opt = tf.train.GradientDescentOptimizer(0.01)
train_step = my_opt.minimize(loss)
prediction = tf.round(tf.sigmoid(model_output))
predictions_correct = tf.cast(tf.equal(prediction, y_target), tf.float32)
accuracy = tf.reduce_mean(predictions_correct)
loss_vec = []
train_acc = []
test_acc = []
for i in range(300):
    rand_index = np.random.choice(len(x_vals_train), size=batch_size)
    rand_x = x_vals_train[rand_index]
    rand_y = np.transpose([y_vals_train[rand_index]])
    sess.run(train_step, feed_dict={x_data: rand_x, y_target: rand_y})
    temp_loss = sess.run(loss, feed_dict={x_data: rand_x, y_target: rand_y})
    loss_vec.append(float(temp_loss))
    temp_acc_train = sess.run(
        accuracy, feed_dict={x_data: x_vals_train, y_target: np.transpose([y_vals_train])}
    )
    train_acc.append(float(temp_acc_train))
    temp_acc_test = sess.run(
        accuracy, feed_dict={x_data: x_vals_test, y_target: np.transpose([y_vals_test])}
    )
    test_acc.append(float(temp_acc_test))
    if (i + 1) % 100 == 0:
        print("Loss = " + str(temp_loss))
results["logistic"] = {
    "loss": loss_vec[::30],
    "train_acc": train_acc[::30],
    "test_acc": test_acc[::30],
    "A": [float(a) for a in sess.run(A)[:, 0]],
}
sess.close()
print("results:", json.dumps(results))
