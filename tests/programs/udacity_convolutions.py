"""Udacity *Deep Learning*, assignment 4 (``4_convolutions.ipynb``), as the notebook writes
it: two convolutions with ``[1, 2, 2, 1]`` strides and ``SAME`` padding, the reshape of the
last feature map (its static shape from ``get_shape().as_list()``) into a fully connected
layer; then the problem's variant, stride-1 convolutions each followed by a 2x2
``tf.nn.max_pool``.

The data is synthetic (no notMNIST download): 8x8 one-channel "letters", a noisy template
per class, shaped ``(n, image_size, image_size, num_channels)`` as ``reformat`` leaves them.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import numpy as np

import teachflow as tf

image_size = 8
num_labels = 4
num_channels = 1  # grayscale
rng = np.random.RandomState(9)
templates = rng.rand(num_labels, image_size, image_size, num_channels).astype(np.float32) - 0.5


def make_dataset(n):
    labels = rng.randint(num_labels, size=n)
    noise = 0.5 * rng.randn(n, image_size, image_size, num_channels)
    dataset = (templates[labels] + noise).astype(np.float32)
    return dataset, (np.arange(num_labels) == labels[:, None]).astype(np.float32)


train_dataset, train_labels = make_dataset(160)
valid_dataset, valid_labels = make_dataset(48)
test_dataset, test_labels = make_dataset(48)


def accuracy(predictions, labels):
    return 100.0 * np.sum(np.argmax(predictions, 1) == np.argmax(labels, 1)) / predictions.shape[0]


batch_size = 16
patch_size = 3
depth = 8
num_hidden = 16


def run(max_pool):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(4)
        # Input data.
        tf_train_dataset = tf.placeholder(
            tf.float32, shape=(batch_size, image_size, image_size, num_channels)
        )
        tf_train_labels = tf.placeholder(tf.float32, shape=(batch_size, num_labels))
        tf_valid_dataset = tf.constant(valid_dataset)
        tf_test_dataset = tf.constant(test_dataset)

        # Variables.
        layer1_weights = tf.Variable(
            tf.truncated_normal([patch_size, patch_size, num_channels, depth], stddev=0.1)
        )
        layer1_biases = tf.Variable(tf.zeros([depth]))
        layer2_weights = tf.Variable(
            tf.truncated_normal([patch_size, patch_size, depth, depth], stddev=0.1)
        )
        layer2_biases = tf.Variable(tf.constant(1.0, shape=[depth]))
        layer3_weights = tf.Variable(
            tf.truncated_normal([image_size // 4 * image_size // 4 * depth, num_hidden], stddev=0.1)
        )
        layer3_biases = tf.Variable(tf.constant(1.0, shape=[num_hidden]))
        layer4_weights = tf.Variable(tf.truncated_normal([num_hidden, num_labels], stddev=0.1))
        layer4_biases = tf.Variable(tf.constant(1.0, shape=[num_labels]))

        # Model.
        def model(data):
            if max_pool:
                conv = tf.nn.conv2d(data, layer1_weights, [1, 1, 1, 1], padding="SAME")
                hidden = tf.nn.relu(conv + layer1_biases)
                pool = tf.nn.max_pool(hidden, [1, 2, 2, 1], [1, 2, 2, 1], padding="SAME")
                conv = tf.nn.conv2d(pool, layer2_weights, [1, 1, 1, 1], padding="SAME")
                hidden = tf.nn.relu(conv + layer2_biases)
                hidden = tf.nn.max_pool(hidden, [1, 2, 2, 1], [1, 2, 2, 1], padding="SAME")
            else:
                conv = tf.nn.conv2d(data, layer1_weights, [1, 2, 2, 1], padding="SAME")
                hidden = tf.nn.relu(conv + layer1_biases)
                conv = tf.nn.conv2d(hidden, layer2_weights, [1, 2, 2, 1], padding="SAME")
                hidden = tf.nn.relu(conv + layer2_biases)
            shape = hidden.get_shape().as_list()
            reshape = tf.reshape(hidden, [shape[0], shape[1] * shape[2] * shape[3]])
            hidden = tf.nn.relu(tf.matmul(reshape, layer3_weights) + layer3_biases)
            return tf.matmul(hidden, layer4_weights) + layer4_biases

        # Training computation.
        logits = model(tf_train_dataset)
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=tf_train_labels, logits=logits)
        )

        # Optimizer.
        optimizer = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

        # Predictions for the training, validation, and test data.
        train_prediction = tf.nn.softmax(logits)
        valid_prediction = tf.nn.softmax(model(tf_valid_dataset))
        test_prediction = tf.nn.softmax(model(tf_test_dataset))

    log = []
    with tf.Session(graph=graph) as session:
        tf.global_variables_initializer().run()
        print("Initialized")
        for step in range(31):
            offset = (step * batch_size) % (train_labels.shape[0] - batch_size)
            batch_data = train_dataset[offset : (offset + batch_size), :, :, :]
            batch_labels = train_labels[offset : (offset + batch_size), :]
            feed_dict = {tf_train_dataset: batch_data, tf_train_labels: batch_labels}
            _, l, predictions = session.run(
                [optimizer, loss, train_prediction], feed_dict=feed_dict
            )
            if step % 10 == 0:
                print("Minibatch loss at step %d: %f" % (step, l))
                log.append(
                    [
                        float(l),
                        accuracy(predictions, batch_labels),
                        accuracy(valid_prediction.eval(), valid_labels),
                    ]
                )
        log.append(accuracy(test_prediction.eval(), test_labels))
        log.append(layer1_weights.eval()[:, :, 0, 0].tolist())
        print("Test accuracy: %.1f%%" % log[-2])
    return log


results = {"strided": run(max_pool=False), "max_pool": run(max_pool=True)}
print("results:", json.dumps(results))
