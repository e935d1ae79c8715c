"""A multilayer perceptron written with raw ops: two hidden ReLU layers, weights in a dict,
softmax cross-entropy, Adam. Weights start from a fixed pattern (no random numbers)."""

import json

import numpy as np

import teachflow as tf

n_input, n_hidden_1, n_hidden_2, n_classes = 4, 8, 6, 3
rng = np.random.RandomState(5)
inputs = rng.rand(48, n_input).astype(np.float32)
classes = (inputs[:, 0] * 2 + inputs[:, 2] > 1.2).astype(np.int64) + (inputs[:, 3] > 0.7)
onehot = np.eye(n_classes, dtype=np.float32)[classes]


def pattern(shape, phase):
    n = int(np.prod(shape))
    return (0.5 * np.sin(np.arange(n) * 0.9 + phase)).reshape(shape).astype(np.float32)


X = tf.placeholder("float", [None, n_input])
Y = tf.placeholder("float", [None, n_classes])
weights = {
    "h1": tf.Variable(pattern([n_input, n_hidden_1], 0.0)),
    "h2": tf.Variable(pattern([n_hidden_1, n_hidden_2], 1.0)),
    "out": tf.Variable(pattern([n_hidden_2, n_classes], 2.0)),
}
biases = {
    "b1": tf.Variable(tf.zeros([n_hidden_1])),
    "b2": tf.Variable(tf.zeros([n_hidden_2])),
    "out": tf.Variable(tf.zeros([n_classes])),
}


def multilayer_perceptron(x):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["h1"]), biases["b1"]))
    layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"]))
    return tf.matmul(layer_2, weights["out"]) + biases["out"]


logits = multilayer_perceptron(X)
loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=Y))
train_op = tf.train.AdamOptimizer(learning_rate=0.05).minimize(loss_op)
correct_pred = tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 31):
        _, loss = sess.run([train_op, loss_op], feed_dict={X: inputs, Y: onehot})
        losses.append(float(loss))
        if step % 10 == 0:
            print("Step " + str(step) + ", Minibatch Loss= " + f"{loss:.4f}")
    acc = sess.run(accuracy, feed_dict={X: inputs, Y: onehot})
    out_weights = sess.run(weights["out"])
print("Optimization Finished! Accuracy:", acc)

results = {"losses": losses, "accuracy": float(acc), "out_weights": out_weights.tolist()}
print("results:", json.dumps(results))
