"""Udacity *Deep Learning*, assignment 2 (``2_fullyconnected.ipynb``), as the notebook writes
it: a graph built under ``with graph.as_default()``, the training subset held as
``tf.constant``s, ``tf.truncated_normal`` weights, ``softmax_cross_entropy_with_logits``, full
batch gradient descent, then stochastic gradient descent with placeholders, and the
assignment's one-hidden-layer ReLU network; accuracy computed in numpy from
``predictions.eval()``.

The data is synthetic (no notMNIST download): 8x8 "letters", one noisy template per class,
already flattened and one-hot encoded as the notebook's ``reformat`` leaves them.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import numpy as np

import teachflow as tf

image_size = 8
num_labels = 4
rng = np.random.RandomState(3)
templates = rng.rand(num_labels, image_size * image_size).astype(np.float32) - 0.5


def make_dataset(n):
    labels = rng.randint(num_labels, size=n)
    noise = 0.6 * rng.randn(n, image_size * image_size)
    dataset = (templates[labels] + noise).astype(np.float32)
    return dataset, (np.arange(num_labels) == labels[:, None]).astype(np.float32)


train_dataset, train_labels = make_dataset(256)
valid_dataset, valid_labels = make_dataset(64)
test_dataset, test_labels = make_dataset(64)


def accuracy(predictions, labels):
    return 100.0 * np.sum(np.argmax(predictions, 1) == np.argmax(labels, 1)) / predictions.shape[0]


# Gradient descent on a training subset held in the graph.
train_subset = 200

graph = tf.Graph()
with graph.as_default():
    tf.set_random_seed(1)
    tf_train_dataset = tf.constant(train_dataset[:train_subset, :])
    tf_train_labels = tf.constant(train_labels[:train_subset])
    tf_valid_dataset = tf.constant(valid_dataset)
    tf_test_dataset = tf.constant(test_dataset)

    weights = tf.Variable(tf.truncated_normal([image_size * image_size, num_labels]))
    biases = tf.Variable(tf.zeros([num_labels]))

    logits = tf.matmul(tf_train_dataset, weights) + biases
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=tf_train_labels, logits=logits)
    )
    optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

    train_prediction = tf.nn.softmax(logits)
    valid_prediction = tf.nn.softmax(tf.matmul(tf_valid_dataset, weights) + biases)
    test_prediction = tf.nn.softmax(tf.matmul(tf_test_dataset, weights) + biases)

num_steps = 41
gd_log = []
with tf.Session(graph=graph) as session:
    tf.global_variables_initializer().run()
    print("Initialized")
    for step in range(num_steps):
        _, l, predictions = session.run([optimizer, loss, train_prediction])
        if step % 10 == 0:
            print("Loss at step %d: %f" % (step, l))
            train_acc = accuracy(predictions, train_labels[:train_subset, :])
            valid_acc = accuracy(valid_prediction.eval(), valid_labels)
            print("Training accuracy: %.1f%%" % train_acc)
            print("Validation accuracy: %.1f%%" % valid_acc)
            gd_log.append([float(l), train_acc, valid_acc])
    gd_test = accuracy(test_prediction.eval(), test_labels)
    print("Test accuracy: %.1f%%" % gd_test)
    gd_weights = weights.eval()


# Stochastic gradient descent: minibatches fed through placeholders; then the problem's
# one hidden layer of rectified linear units.
def sgd(hidden):
    batch_size = 32
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(2)
        tf_train_dataset = tf.placeholder(tf.float32, shape=(batch_size, image_size * image_size))
        tf_train_labels = tf.placeholder(tf.float32, shape=(batch_size, num_labels))
        tf_valid_dataset = tf.constant(valid_dataset)
        tf_test_dataset = tf.constant(test_dataset)

        if hidden:
            num_hidden = 16
            weights1 = tf.Variable(tf.truncated_normal([image_size * image_size, num_hidden]))
            biases1 = tf.Variable(tf.zeros([num_hidden]))
            weights2 = tf.Variable(tf.truncated_normal([num_hidden, num_labels]))
            biases2 = tf.Variable(tf.zeros([num_labels]))

            def model(data):
                return (
                    tf.matmul(tf.nn.relu(tf.matmul(data, weights1) + biases1), weights2) + biases2
                )
        else:
            weights = tf.Variable(tf.truncated_normal([image_size * image_size, num_labels]))
            biases = tf.Variable(tf.zeros([num_labels]))

            def model(data):
                return tf.matmul(data, weights) + biases

        logits = model(tf_train_dataset)
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=tf_train_labels, logits=logits)
        )
        optimizer = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        train_prediction = tf.nn.softmax(logits)
        valid_prediction = tf.nn.softmax(model(tf_valid_dataset))
        test_prediction = tf.nn.softmax(model(tf_test_dataset))

    log = []
    with tf.Session(graph=graph) as session:
        tf.global_variables_initializer().run()
        for step in range(41):
            offset = (step * batch_size) % (train_labels.shape[0] - batch_size)
            batch_data = train_dataset[offset : (offset + batch_size), :]
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
        print("Test accuracy: %.1f%%" % log[-1])
    return log


results = {
    "gd": gd_log,
    "gd_test": gd_test,
    "gd_weights_row0": gd_weights[0].tolist(),
    "sgd": sgd(hidden=False),
    "relu": sgd(hidden=True),
}
print("results:", json.dumps(results))
