"""TensorFlow Machine Learning Cookbook (1st ed.), chapter 7, natural language processing:
bag of words (each text's word ids looked up in an identity matrix, ``tf.diag`` in the
book, ``tf.gather`` of ``tf.one_hot`` rows here too, summed into counts, then logistic
regression), TF-IDF rows picked by ``tf.nn.embedding_lookup`` on a fed index, and CBOW
word embeddings (context embeddings summed, ``nce_loss``, normalised embeddings and cosine
similarity). Seeded; a small made-up corpus instead of the book's SMS spam download."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(11)
spam_words = "free win prize cash claim urgent offer click".split()
ham_words = "home dinner meet tomorrow call later love work thanks".split()
texts, target = [], []
for i in range(40):
    words = spam_words if i % 2 else ham_words
    picked = list(rng.choice(words, rng.randint(3, 7))) + list(
        rng.choice(spam_words + ham_words, 2)
    )
    texts.append(" ".join(picked))
    target.append(i % 2)
vocab = sorted(set(" ".join(texts).split()))
word_ids = {w: n for n, w in enumerate(vocab)}
embedding_size = len(vocab)
results = {}
sess = tf.Session()
tf.set_random_seed(2)

# -- bag of words --------------------------------------------------------------------------
A = tf.Variable(tf.random_normal(shape=[embedding_size, 1], seed=1))
b = tf.Variable(tf.random_normal(shape=[1, 1], seed=2))
x_data = tf.placeholder(shape=[None], dtype=tf.int32)
y_target = tf.placeholder(shape=[1, 1], dtype=tf.float32)
identity_mat = tf.diag(tf.ones(shape=[embedding_size]))
x_embed = tf.nn.embedding_lookup(identity_mat, x_data)
x_col_sums = tf.reduce_sum(x_embed, 0)
x_col_sums_2D = tf.expand_dims(x_col_sums, 0)  # noqa: N816 - the book's name
model_output = tf.add(tf.matmul(x_col_sums_2D, A), b)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=model_output, labels=y_target))
prediction = tf.sigmoid(model_output)
train_step = tf.train.GradientDescentOptimizer(0.001).minimize(loss)
one_hot_counts = tf.reduce_sum(
    tf.gather(tf.one_hot(tf.range(embedding_size), embedding_size), x_data), 0
)
sess.run(tf.global_variables_initializer())
loss_vec = []
for ix, t in enumerate(texts[:30]):
    ids = [word_ids[w] for w in t.split()]
    y_data = [[target[ix]]]
    _, temp_loss = sess.run([train_step, loss], feed_dict={x_data: ids, y_target: y_data})
    loss_vec.append(float(temp_loss))
test_predictions = []
for t in texts[30:]:
    ids = [word_ids[w] for w in t.split()]
    test_predictions.append(float(sess.run(prediction, feed_dict={x_data: ids})[0][0]))
counts, sums = sess.run([one_hot_counts, x_col_sums], feed_dict={x_data: [0, 2, 2, 5]})
print("Bag of words test predictions:", np.round(test_predictions, 3))
results["bag_of_words"] = {
    "losses": loss_vec[::5],
    "test_predictions": test_predictions,
    "one_hot_counts_equal_diag": bool((counts == sums).all()),
    "counts": counts.tolist(),
}

# -- TF-IDF: a row of the table per fed document index --------------------------------------
tf_counts = np.array([[t.split().count(w) for w in vocab] for t in texts], dtype=np.float32)
tf_counts /= tf_counts.sum(1, keepdims=True)
idf = np.log(len(texts) / (1.0 + (tf_counts > 0).sum(0))).astype(np.float32) + 1.0
tfidf = (tf_counts * idf).astype(np.float32)
doc_index = tf.placeholder(shape=[None], dtype=tf.int32)
y_batch = tf.placeholder(shape=[None, 1], dtype=tf.float32)
tfidf_table = tf.constant(tfidf)
x_tfidf = tf.nn.embedding_lookup(tfidf_table, doc_index)
A2 = tf.Variable(tf.random_normal(shape=[embedding_size, 1], seed=3))
b2 = tf.Variable(tf.random_normal(shape=[1, 1], seed=4))
tfidf_output = tf.add(tf.matmul(x_tfidf, A2), b2)
tfidf_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=tfidf_output, labels=y_batch)
)
tfidf_prediction = tf.round(tf.sigmoid(tfidf_output))
accuracy = tf.reduce_mean(tf.cast(tf.equal(tfidf_prediction, y_batch), tf.float32))
tfidf_step = tf.train.GradientDescentOptimizer(0.5).minimize(tfidf_loss)
sess.run(tf.global_variables_initializer())
labels = np.array(target, dtype=np.float32).reshape(-1, 1)
tfidf_losses = []
for i in range(30):
    rand_index = rng.choice(30, size=10)
    feed = {doc_index: rand_index, y_batch: labels[rand_index]}
    _, temp_loss = sess.run([tfidf_step, tfidf_loss], feed_dict=feed)
    if i % 5 == 0:
        tfidf_losses.append(float(temp_loss))
test_acc = sess.run(accuracy, feed_dict={doc_index: np.arange(30, 40), y_batch: labels[30:]})
print("TF-IDF test accuracy:", test_acc)
results["tfidf"] = {"losses": tfidf_losses, "test_accuracy": float(test_acc)}

# -- CBOW ----------------------------------------------------------------------------------
window_size, batch_size, cbow_size, num_sampled = 2, 16, 8, 4
vocabulary_size = len(vocab)
sentences = [[word_ids[w] for w in t.split()] for t in texts]
pairs = [
    (s[i - window_size : i] + s[i + 1 : i + 1 + window_size], s[i])
    for s in sentences
    for i in range(window_size, len(s) - window_size)
]
embeddings = tf.Variable(tf.random_uniform([vocabulary_size, cbow_size], -1.0, 1.0, seed=5))
x_inputs = tf.placeholder(tf.int32, shape=[batch_size, 2 * window_size])
y_words = tf.placeholder(tf.int32, shape=[batch_size, 1])
valid_dataset = tf.constant([word_ids["free"], word_ids["home"]])
embed = tf.zeros([batch_size, cbow_size])
for element in range(2 * window_size):
    embed += tf.nn.embedding_lookup(embeddings, x_inputs[:, element])
embed_summed = tf.reduce_sum(tf.nn.embedding_lookup(embeddings, x_inputs), 1)
nce_weights = tf.Variable(
    tf.truncated_normal([vocabulary_size, cbow_size], stddev=1.0 / np.sqrt(cbow_size), seed=6)
)
nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
cbow_loss = tf.reduce_mean(
    tf.nn.nce_loss(
        weights=nce_weights,
        biases=nce_biases,
        labels=y_words,
        inputs=embed,
        num_sampled=num_sampled,
        num_classes=vocabulary_size,
    )
)
norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
normalized_embeddings = embeddings / norm
valid_embeddings = tf.nn.embedding_lookup(normalized_embeddings, valid_dataset)
similarity = tf.matmul(valid_embeddings, normalized_embeddings, transpose_b=True)
cbow_step = tf.train.GradientDescentOptimizer(0.5).minimize(cbow_loss)
sess.run(tf.global_variables_initializer())
cbow_losses = []
for i in range(30):
    chosen = rng.choice(len(pairs), batch_size)
    batch = np.array([pairs[c][0] for c in chosen])
    words = np.array([[pairs[c][1]] for c in chosen])
    _, temp_loss, loop_sum, reduced_sum = sess.run(
        [cbow_step, cbow_loss, embed, embed_summed], feed_dict={x_inputs: batch, y_words: words}
    )
    if i % 5 == 0:
        cbow_losses.append(float(temp_loss))
sim = sess.run(similarity)
nearest = {
    vocab[v]: [vocab[n] for n in (-sim[j]).argsort()[1:4]]
    for j, v in enumerate([word_ids["free"], word_ids["home"]])
}
print("Nearest to:", nearest)
results["cbow"] = {
    "losses": cbow_losses,
    "similarity": sim.tolist(),
    "loop_and_reduce_sum_agree": bool(np.allclose(loop_sum, reduced_sum, atol=1e-6)),
}
sess.close()

print("results:", json.dumps(results))
