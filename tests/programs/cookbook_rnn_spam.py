"""TensorFlow Machine Learning Cookbook (1st ed.), chapter 9, "Implementing RNN for spam
prediction": word ids through ``tf.nn.embedding_lookup``, a ``BasicRNNCell`` unrolled by
``tf.nn.dynamic_rnn``, dropout on its outputs (a fed keep probability), the last time step
by ``tf.gather`` of the time-major outputs, ``sparse_softmax_cross_entropy_with_logits``
and RMSProp. Seeded initializers (the cell's included, so every TF1 engine draws the same
numbers); short made-up messages instead of the book's SMS download."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(21)
spam_words = "free win prize cash claim urgent offer click now txt".split()
ham_words = "home dinner meet tomorrow call later love work thanks ok".split()
texts, text_labels = [], []
for i in range(96):
    words = spam_words if i % 3 == 0 else ham_words
    length = rng.randint(3, 11)
    picked = list(rng.choice(words, length - 1)) + list(rng.choice(spam_words + ham_words, 1))
    texts.append(" ".join(picked))
    text_labels.append(1 if i % 3 == 0 else 0)

max_sequence_length, rnn_size, embedding_size = 10, 10, 8
batch_size, learning_rate = 32, 0.0005
vocab = ["<pad>"] + sorted(set(" ".join(texts).split()))
vocab_size = len(vocab)
text_processed = np.array(
    [
        [vocab.index(w) for w in t.split()] + [0] * (max_sequence_length - len(t.split()))
        for t in texts
    ]
)
text_processed = text_processed.astype(np.int32)
text_labels = np.array(text_labels, dtype=np.int32)
x_train, x_test = text_processed[:72], text_processed[72:]
y_train, y_test = text_labels[:72], text_labels[72:]

x_data = tf.placeholder(tf.int32, [None, max_sequence_length])
y_output = tf.placeholder(tf.int32, [None])
dropout_keep_prob = tf.placeholder(tf.float32)
embedding_mat = tf.Variable(tf.random_uniform([vocab_size, embedding_size], -1.0, 1.0, seed=1))
embedding_output = tf.nn.embedding_lookup(embedding_mat, x_data)
with tf.variable_scope("rnn_spam", initializer=tf.random_uniform_initializer(-0.3, 0.3, seed=2)):
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=rnn_size)
    output, state = tf.nn.dynamic_rnn(cell, embedding_output, dtype=tf.float32)
output = tf.nn.dropout(output, dropout_keep_prob, seed=3)
output = tf.transpose(output, [1, 0, 2])
last = tf.gather(output, int(output.get_shape()[0]) - 1)
weight = tf.Variable(tf.truncated_normal([rnn_size, 2], stddev=0.1, seed=4))
bias = tf.Variable(tf.constant(0.1, shape=[2]))
logits_out = tf.matmul(last, weight) + bias
losses = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits_out, labels=y_output)
loss = tf.reduce_mean(losses)
accuracy = tf.reduce_mean(
    tf.cast(tf.equal(tf.argmax(logits_out, 1), tf.cast(y_output, tf.int64)), tf.float32)
)
optimizer = tf.train.RMSPropOptimizer(learning_rate * 40)
train_step = optimizer.minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
train_loss, test_loss, test_accuracy = [], [], []
for epoch in range(6):
    shuffled_ix = rng.permutation(np.arange(len(x_train)))
    x_train, y_train = x_train[shuffled_ix], y_train[shuffled_ix]
    for i in range(len(x_train) // batch_size):
        x_batch = x_train[i * batch_size : (i + 1) * batch_size]
        y_batch = y_train[i * batch_size : (i + 1) * batch_size]
        sess.run(train_step, {x_data: x_batch, y_output: y_batch, dropout_keep_prob: 0.5})
    temp_train_loss = sess.run(loss, {x_data: x_batch, y_output: y_batch, dropout_keep_prob: 0.5})
    train_loss.append(float(temp_train_loss))
    test_dict = {x_data: x_test, y_output: y_test, dropout_keep_prob: 1.0}
    temp_test_loss, temp_test_acc = sess.run([loss, accuracy], feed_dict=test_dict)
    test_loss.append(float(temp_test_loss))
    test_accuracy.append(float(temp_test_acc))
    print(f"Epoch: {epoch + 1}, Test Loss: {temp_test_loss:.2}, Test Acc: {temp_test_acc:.2}")
final_state, last_output = sess.run([state, last], {x_data: x_test, dropout_keep_prob: 1.0})
sess.close()

results = {
    "train_loss": train_loss,
    "test_loss": test_loss,
    "test_accuracy": test_accuracy,
    "last_is_final_state": bool(np.allclose(final_state, last_output)),
    "variables": [v.op.name for v in tf.trainable_variables()],
    "last_shape": last.get_shape().as_list(),
}
print("results:", json.dumps(results))
