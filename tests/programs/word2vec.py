"""Word2Vec (skip-gram) on a small synthetic corpus: skip-gram batches from a sliding window,
embeddings looked up with tf.nn.embedding_lookup, the NCE loss (its log-uniform sampler
draws TensorFlow's candidates under the seeds), and cosine similarity of a few words."""

import collections
import json

import numpy as np

import teachflow as tf

# A corpus with structure: sentences "a<i> b<i> c<i>" over five topics plus Zipf-like noise
# words, so words of one topic end up near each other. Word ids are ranks by frequency,
# as the log-uniform sampler expects.
rng = np.random.RandomState(7)
words = []
for _ in range(400):
    topic = rng.randint(5)
    words += [f"a{topic}", f"b{topic}", f"c{topic}"]
    words += [f"n{int(k)}" for k in rng.zipf(1.6, size=rng.randint(1, 3)) if k < 20]
count = collections.Counter(words).most_common()
dictionary = {word: rank for rank, (word, _) in enumerate(count)}
data = [dictionary[word] for word in words]
vocabulary_size = len(dictionary)

batch_size = 32
embedding_size = 16
skip_window = 1
num_skips = 2
num_sampled = 8
learning_rate = 0.5
num_steps = 60
valid_examples = np.array([dictionary[w] for w in ("a0", "b1", "c2", "a3")])
data_index = 0


def next_batch(batch_size, num_skips, skip_window):
    global data_index
    batch = np.ndarray(shape=(batch_size), dtype=np.int32)
    labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
    span = 2 * skip_window + 1
    buffer = collections.deque(maxlen=span)
    if data_index + span > len(data):
        data_index = 0
    buffer.extend(data[data_index : data_index + span])
    data_index += span
    for i in range(batch_size // num_skips):
        context_words = [w for w in range(span) if w != skip_window]
        words_to_use = [context_words[(i + k) % len(context_words)] for k in range(num_skips)]
        for j, context_word in enumerate(words_to_use):
            batch[i * num_skips + j] = buffer[skip_window]
            labels[i * num_skips + j, 0] = buffer[context_word]
        if data_index == len(data):
            buffer.extend(data[0:span])
            data_index = span
        else:
            buffer.append(data[data_index])
            data_index += 1
    data_index = (data_index + len(data) - span) % len(data)
    return batch, labels


tf.set_random_seed(1)
X = tf.placeholder(tf.int32, shape=[None])
Y = tf.placeholder(tf.int32, shape=[None, 1])

with tf.device("/cpu:0"):
    embedding = tf.Variable(tf.random_normal([vocabulary_size, embedding_size]))
    X_embed = tf.nn.embedding_lookup(embedding, X)
    nce_weights = tf.Variable(tf.random_normal([vocabulary_size, embedding_size]))
    nce_biases = tf.Variable(tf.zeros([vocabulary_size]))

loss_op = tf.reduce_mean(
    tf.nn.nce_loss(
        weights=nce_weights,
        biases=nce_biases,
        labels=Y,
        inputs=X_embed,
        num_sampled=num_sampled,
        num_classes=vocabulary_size,
    )
)
optimizer = tf.train.GradientDescentOptimizer(learning_rate)
train_op = optimizer.minimize(loss_op)

X_embed_norm = X_embed / tf.sqrt(tf.reduce_sum(tf.square(X_embed), 1, keepdims=True))
embedding_norm = embedding / tf.sqrt(tf.reduce_sum(tf.square(embedding), 1, keepdims=True))
cosine_sim_op = tf.matmul(X_embed_norm, embedding_norm, transpose_b=True)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, num_steps + 1):
        batch_x, batch_y = next_batch(batch_size, num_skips, skip_window)
        _, loss = sess.run([train_op, loss_op], feed_dict={X: batch_x, Y: batch_y})
        losses.append(float(loss))
        if step % 20 == 0:
            print("Step " + str(step) + ", Average Loss= " + f"{np.mean(losses[-20:]):.4f}")
    sim = sess.run(cosine_sim_op, feed_dict={X: valid_examples})
    final_embedding = sess.run(embedding)

results = {
    "vocabulary_size": vocabulary_size,
    "losses": losses[::5],
    "similarity": sim.tolist(),
    "embedding_rows": final_embedding[valid_examples].tolist(),
}
print("results:", json.dumps(results))
