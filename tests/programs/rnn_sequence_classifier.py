"""An LSTM reads sequences of different lengths (dynamic_rnn with sequence_length) and
says whether each sequence's values add up to more than zero: the final state's h through
a softmax layer, Adam, accuracy on the training set."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(3)
n, max_steps = 64, 8
values = rng.uniform(-1, 1, (n, max_steps, 1)).astype(np.float32)
lengths = rng.randint(2, max_steps + 1, n).astype(np.int32)
mask = np.arange(max_steps)[None, :] < lengths[:, None]
values[~mask] = 0.0  # padding after each sequence's end
labels = (values[:, :, 0].sum(axis=1) > 0).astype(np.int32)

x = tf.placeholder(tf.float32, [None, max_steps, 1], name="x")
seq_len = tf.placeholder(tf.int32, [None], name="seq_len")
y = tf.placeholder(tf.int32, [None], name="y")
# An explicit seeded initializer: the same numbers in every TF1 engine.
with tf.variable_scope("model", initializer=tf.random_uniform_initializer(-0.3, 0.3, seed=5)):
    cell = tf.nn.rnn_cell.BasicLSTMCell(8)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seq_len, dtype=tf.float32)
    w = tf.get_variable("softmax_w", [8, 2])
    b = tf.get_variable("softmax_b", [2], initializer=tf.zeros_initializer())
logits = tf.matmul(state.h, w) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
correct = tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

feed = {x: values, seq_len: lengths, y: labels}
losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(60):
        _, step_loss = sess.run([train_op, loss], feed)
        if step % 10 == 0:
            losses.append(float(step_loss))
    acc, out = sess.run([accuracy, outputs], feed)
print("Accuracy:", acc)

results = {
    "losses": losses,
    "accuracy": float(acc),
    "variables": [v.op.name for v in tf.trainable_variables()],
    "outputs_shape": list(out.shape),
    "padding_outputs_are_zero": bool((out[~mask] == 0).all()),
}
print("results:", json.dumps(results))
