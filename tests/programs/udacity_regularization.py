"""Udacity *Deep Learning*, assignment 3 (``3_regularization.ipynb``), as the notebook's
solutions write it: a one-hidden-layer ReLU network trained by minibatch SGD with an
``tf.nn.l2_loss`` penalty on the weights, the extreme case of overfitting (a few batches
only), ``tf.nn.dropout`` on the hidden layer during training, and a learning rate from
``tf.train.exponential_decay`` stepped by ``global_step``.

The data is synthetic (no notMNIST download): 8x8 "letters", one noisy template per class.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import numpy as np

import teachflow as tf

image_size = 8
num_labels = 4
rng = np.random.RandomState(5)
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


batch_size = 32
num_hidden = 32
beta = 0.002


def run(keep_prob, decay, num_batches=None, num_steps=41):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(11)
        tf_train_dataset = tf.placeholder(tf.float32, shape=(batch_size, image_size * image_size))
        tf_train_labels = tf.placeholder(tf.float32, shape=(batch_size, num_labels))
        tf_valid_dataset = tf.constant(valid_dataset)
        tf_test_dataset = tf.constant(test_dataset)

        weights1 = tf.Variable(
            tf.truncated_normal([image_size * image_size, num_hidden], stddev=0.1)
        )
        biases1 = tf.Variable(tf.zeros([num_hidden]))
        weights2 = tf.Variable(tf.truncated_normal([num_hidden, num_labels], stddev=0.1))
        biases2 = tf.Variable(tf.zeros([num_labels]))

        def model(data, train=False):
            hidden = tf.nn.relu(tf.matmul(data, weights1) + biases1)
            if train and keep_prob < 1.0:
                hidden = tf.nn.dropout(hidden, keep_prob)
            return tf.matmul(hidden, weights2) + biases2

        logits = model(tf_train_dataset, train=True)
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=tf_train_labels, logits=logits)
        )
        loss = loss + beta * (tf.nn.l2_loss(weights1) + tf.nn.l2_loss(weights2))

        if decay:
            global_step = tf.Variable(0)  # count the number of steps taken.
            learning_rate = tf.train.exponential_decay(0.5, global_step, 10, 0.8, staircase=True)
            optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(
                loss, global_step=global_step
            )
        else:
            learning_rate = tf.constant(0.5)
            optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

        train_prediction = tf.nn.softmax(logits)
        valid_prediction = tf.nn.softmax(model(tf_valid_dataset))
        test_prediction = tf.nn.softmax(model(tf_test_dataset))

    log = []
    with tf.Session(graph=graph) as session:
        tf.global_variables_initializer().run()
        for step in range(num_steps):
            if num_batches is None:
                offset = (step * batch_size) % (train_labels.shape[0] - batch_size)
            else:  # overfitting: the same few batches again and again
                offset = (step % num_batches) * batch_size
            batch_data = train_dataset[offset : (offset + batch_size), :]
            batch_labels = train_labels[offset : (offset + batch_size), :]
            feed_dict = {tf_train_dataset: batch_data, tf_train_labels: batch_labels}
            _, l, predictions, lr = session.run(
                [optimizer, loss, train_prediction, learning_rate], feed_dict=feed_dict
            )
            if step % 10 == 0:
                print("Minibatch loss at step %d: %f (learning rate %g)" % (step, l, lr))
                log.append(
                    [
                        float(l),
                        float(lr),
                        accuracy(predictions, batch_labels),
                        accuracy(valid_prediction.eval(), valid_labels),
                    ]
                )
        log.append(accuracy(test_prediction.eval(), test_labels))
        print("Test accuracy: %.1f%%" % log[-1])
    return log


results = {
    "l2": run(keep_prob=1.0, decay=False),
    "overfit": run(keep_prob=1.0, decay=False, num_batches=3),
    "overfit_dropout": run(keep_prob=0.5, decay=False, num_batches=3),
    "dropout_decay": run(keep_prob=0.5, decay=True),
}
print("results:", json.dumps(results))
