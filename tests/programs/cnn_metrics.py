"""A convolutional network as *Hands-On Machine Learning* (1st ed.) chapter 13 writes it:
``tf.layers.conv2d`` twice, ``tf.nn.max_pool``, a dense layer, softmax, Adam, accuracy with
``tf.nn.in_top_k``, and streaming evaluation with ``tf.metrics.accuracy`` and
``tf.metrics.mean`` over batches (their counters are local variables, initialized by
``tf.local_variables_initializer``).

The images are synthetic (no MNIST download): 8x8 pictures of a bar that is horizontal,
vertical or diagonal, with a little noise.
"""

import json

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


def bars(n, rng):
    """n 8x8 images of one bar each; the label says which way it runs."""
    labels = rng.randint(0, 3, size=n).astype(np.int32)
    images = 0.1 * rng.rand(n, 8, 8).astype(np.float32)
    for i, (label, pos) in enumerate(zip(labels, rng.randint(1, 7, size=n))):
        if label == 0:
            images[i, pos, :] += 1.0
        elif label == 1:
            images[i, :, pos] += 1.0
        else:
            images[i, np.arange(8), np.arange(8)] += 1.0
    return images.reshape(n, 64), labels


rng = np.random.RandomState(13)
X_train, y_train = bars(96, rng)
X_test, y_test = bars(48, rng)

height, width, channels = 8, 8, 1
n_inputs = height * width
conv1_fmaps, conv1_ksize, conv1_stride, conv1_pad = 6, 3, 1, "SAME"
conv2_fmaps, conv2_ksize, conv2_stride, conv2_pad = 8, 3, 2, "SAME"
pool3_fmaps = conv2_fmaps
n_fc1, n_outputs = 16, 3

reset_graph()
with tf.name_scope("inputs"):
    X = tf.placeholder(tf.float32, shape=[None, n_inputs], name="X")
    X_reshaped = tf.reshape(X, shape=[-1, height, width, channels])
    y = tf.placeholder(tf.int32, shape=[None], name="y")

conv1 = tf.layers.conv2d(
    X_reshaped,
    filters=conv1_fmaps,
    kernel_size=conv1_ksize,
    strides=conv1_stride,
    padding=conv1_pad,
    activation=tf.nn.relu,
    name="conv1",
)
conv2 = tf.layers.conv2d(
    conv1,
    filters=conv2_fmaps,
    kernel_size=conv2_ksize,
    strides=conv2_stride,
    padding=conv2_pad,
    activation=tf.nn.relu,
    name="conv2",
)

with tf.name_scope("pool3"):
    pool3 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    pool3_flat = tf.reshape(pool3, shape=[-1, pool3_fmaps * 2 * 2])

with tf.name_scope("fc1"):
    fc1 = tf.layers.dense(pool3_flat, n_fc1, activation=tf.nn.relu, name="fc1")

with tf.name_scope("output"):
    logits = tf.layers.dense(fc1, n_outputs, name="output")
    Y_proba = tf.nn.softmax(logits, name="Y_proba")

with tf.name_scope("train"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y)
    loss = tf.reduce_mean(xentropy)
    optimizer = tf.train.AdamOptimizer(learning_rate=0.01)
    training_op = optimizer.minimize(loss)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    predictions = tf.argmax(Y_proba, axis=1, output_type=tf.int32)
    stream_accuracy, stream_accuracy_update = tf.metrics.accuracy(y, predictions)
    stream_loss, stream_loss_update = tf.metrics.mean(xentropy)

with tf.name_scope("init_and_save"):
    init = tf.global_variables_initializer()
    local_init = tf.local_variables_initializer()

n_epochs, batch_size = 3, 32
history = []
with tf.Session() as sess:
    init.run()
    for epoch in range(n_epochs):
        for start in range(0, len(X_train), batch_size):
            X_batch = X_train[start : start + batch_size]
            y_batch = y_train[start : start + batch_size]
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
        acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
        history.append([float(acc_batch), float(acc_test)])
        print(epoch, "Last batch accuracy:", acc_batch, "Test accuracy:", acc_test)

    local_init.run()
    streamed = []
    for start in range(0, len(X_test), 16):
        feed = {X: X_test[start : start + 16], y: y_test[start : start + 16]}
        sess.run([stream_accuracy_update, stream_loss_update], feed_dict=feed)
        streamed.append([float(v) for v in sess.run([stream_accuracy, stream_loss])])
    full_loss = sess.run(tf.reduce_mean(xentropy), feed_dict={X: X_test, y: y_test})
    proba = Y_proba.eval(feed_dict={X: X_test[:2]})

results = {
    "history": history,
    "streamed": streamed,
    "full_test_loss": float(full_loss),
    "proba": [[float(v) for v in row] for row in proba],
    "shapes": [conv1.shape.as_list(), conv2.shape.as_list(), pool3.shape.as_list()],
    "local_variables": sorted(v.op.name for v in tf.local_variables()),
    "conv_names": [conv1.op.name, conv2.op.name, pool3.op.name],
}
print("results:", json.dumps(results))
