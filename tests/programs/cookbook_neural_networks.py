"""TensorFlow Machine Learning Cookbook (1st ed.), chapter 6, neural networks: operational
gates trained by gradient descent (``tf.multiply``, then ``a * x + b``), the chapter's 1-D
layers (a "convolution" as ``tf.expand_dims`` to 4-D, ``tf.nn.conv2d`` and ``tf.squeeze``,
ReLU, ``tf.nn.max_pool`` over a width, a fully connected layer whose weight shape is
``tf.stack``-ed from ``tf.shape``) and the tic-tac-toe MLP (sigmoid hidden layer,
``sparse_softmax_cross_entropy_with_logits``). Seeded; synthetic boards instead of the
book's file."""

import json

import numpy as np

import teachflow as tf

results = {}
sess = tf.Session()
tf.set_random_seed(5)

# -- gates ---------------------------------------------------------------------------------
a = tf.Variable(tf.constant(4.0))
x_val = 5.0
x_data = tf.placeholder(dtype=tf.float32)
multiplication = tf.multiply(a, x_data)
loss = tf.square(tf.subtract(multiplication, 50.0))
init = tf.global_variables_initializer()
sess.run(init)
my_opt = tf.train.GradientDescentOptimizer(0.01)
train_step = my_opt.minimize(loss)
gate = []
for _ in range(10):
    sess.run(train_step, feed_dict={x_data: x_val})
    a_val = sess.run(a)
    mult_output = sess.run(multiplication, feed_dict={x_data: x_val})
    gate.append([float(a_val), float(mult_output)])
print(str(a_val) + " * " + str(x_val) + " = " + str(mult_output))

a = tf.Variable(tf.constant(1.0))
b = tf.Variable(tf.constant(1.0))
two_gate = tf.add(tf.multiply(a, x_data), b)
loss = tf.square(tf.subtract(two_gate, 50.0))
train_step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
sess.run(tf.global_variables_initializer())
for _ in range(10):
    sess.run(train_step, feed_dict={x_data: x_val})
a_val, b_val = sess.run(a), sess.run(b)
two_gate_output = sess.run(two_gate, feed_dict={x_data: x_val})
results["gates"] = {"one": gate, "two": [float(a_val), float(b_val), float(two_gate_output)]}

# -- 1-D layers -------------------------------------------------------------------------------
data_size = 25
data_1d = np.random.RandomState(13).normal(size=data_size).astype(np.float32)
x_input_1d = tf.placeholder(dtype=tf.float32, shape=[data_size])


def conv_layer_1d(input_1d, my_filter):
    input_2d = tf.expand_dims(input_1d, 0)
    input_3d = tf.expand_dims(input_2d, 0)
    input_4d = tf.expand_dims(input_3d, 3)
    convolution_output = tf.nn.conv2d(
        input_4d, filter=my_filter, strides=[1, 1, 1, 1], padding="VALID"
    )
    conv_output_1d = tf.squeeze(convolution_output)
    return conv_output_1d


my_filter = tf.Variable(tf.random_normal(shape=[1, 5, 1, 1]))
my_convolution_output = conv_layer_1d(x_input_1d, my_filter)


def activation(input_1d):
    return tf.nn.relu(input_1d)


my_activation_output = activation(my_convolution_output)


def max_pool(input_1d, width):
    input_2d = tf.expand_dims(input_1d, 0)
    input_3d = tf.expand_dims(input_2d, 0)
    input_4d = tf.expand_dims(input_3d, 3)
    pool_output = tf.nn.max_pool(
        input_4d, ksize=[1, 1, width, 1], strides=[1, 1, 1, 1], padding="VALID"
    )
    pool_output_1d = tf.squeeze(pool_output)
    return pool_output_1d


my_maxpool_output = max_pool(my_activation_output, width=5)


def fully_connected(input_layer, num_outputs):
    weight_shape = tf.squeeze(tf.stack([tf.shape(input_layer), [num_outputs]]))
    weight = tf.random_normal(weight_shape, stddev=0.1)
    bias = tf.random_normal(shape=[num_outputs])
    input_layer_2d = tf.expand_dims(input_layer, 0)
    full_output = tf.add(tf.matmul(input_layer_2d, weight), bias)
    full_output_1d = tf.squeeze(full_output)
    return full_output_1d


my_full_output = fully_connected(my_maxpool_output, 5)
sess.run(tf.global_variables_initializer())
feed_dict = {x_input_1d: data_1d}
conv, act, pool, full = sess.run(
    [my_convolution_output, my_activation_output, my_maxpool_output, my_full_output], feed_dict
)
print("Input = array of length 25; Convolution w/ filter, length = 5, stride size = 1")
print(conv)
results["layers_1d"] = {
    "convolution": conv.tolist(),
    "activation": act.tolist(),
    "max_pool": pool.tolist(),
    "fully_connected": full.tolist(),
    "shapes": [t.shape.as_list() for t in (my_convolution_output, my_maxpool_output)],
}

# -- tic-tac-toe: which square to play -----------------------------------------------------
rng = np.random.RandomState(3)
boards = rng.randint(-1, 2, (120, 9)).astype(np.float32)
# The move: the first free square of the row where the opponent (-1) is strongest.
moves = []
for board in boards:
    free = np.flatnonzero(board == 0)
    threat = [-(board[3 * (i // 3) : 3 * (i // 3) + 3]).sum() for i in free]
    moves.append(int(free[int(np.argmax(threat))]) if len(free) else 4)
moves = np.array(moves, dtype=np.int32)
batch_size = 50


def init_weights(shape):
    return tf.Variable(tf.random_normal(shape))


def model(X, A1, A2, bias1, bias2):
    layer1 = tf.nn.sigmoid(tf.add(tf.matmul(X, A1), bias1))
    layer2 = tf.add(tf.matmul(layer1, A2), bias2)
    return layer2


X = tf.placeholder(dtype=tf.float32, shape=[None, 9])
Y = tf.placeholder(dtype=tf.int32, shape=[None])
A1 = init_weights([9, 81])
bias1 = init_weights([81])
A2 = init_weights([81, 9])
bias2 = init_weights([9])
model_output = model(X, A1, A2, bias1, bias2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=model_output, labels=Y))
train_step = tf.train.GradientDescentOptimizer(0.025).minimize(loss)
prediction = tf.argmax(model_output, 1)
sess.run(tf.global_variables_initializer())
loss_vec = []
for i in range(40):
    rand_indices = rng.choice(range(len(boards)), batch_size, replace=False)
    feed = {X: boards[rand_indices], Y: moves[rand_indices]}
    _, temp_loss = sess.run([train_step, loss], feed_dict=feed)
    if i % 10 == 0:
        loss_vec.append(float(temp_loss))
test_boards = [[-1, 0, 0, 1, -1, -1, 0, 0, 1], [0, 0, 0, 0, -1, 0, 0, 0, 0]]
predicted = sess.run(prediction, feed_dict={X: test_boards})
print("Model prediction:", predicted)
results["tic_tac_toe"] = {"losses": loss_vec, "predictions": predicted.tolist()}
sess.close()

print("results:", json.dumps(results))
