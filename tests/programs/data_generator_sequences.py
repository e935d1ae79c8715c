"""Sequences from Python into a TF1 input pipeline: sentences yielded by a generator
(tf.data.Dataset.from_generator, with args), written as tf.train.SequenceExample records
(tf.python_io.TFRecordWriter), read back with TFRecordDataset + tf.parse_single_sequence_example
(a context label, a feature list of word ids, a VarLenFeature list), padded into batches
and fed to a bag-of-embeddings classifier trained with Adam."""

import json
import os
import shutil
import tempfile

import numpy as np

import teachflow as tf

tf.set_random_seed(3)
VOCAB, WORKDIR = 12, tempfile.mkdtemp()


def sentences(count, seed):
    """Sentences of 2-6 word ids; the label says whether the words are mostly small."""
    rng = np.random.RandomState(seed)
    for _ in range(count):
        words = rng.randint(1, VOCAB, size=rng.randint(2, 7))
        yield words.astype(np.int64), np.int64((words < VOCAB // 2).mean() > 0.5)


# -- the generator as a dataset, written out as SequenceExamples --------------------------------
source = tf.data.Dataset.from_generator(
    sentences, (tf.int64, tf.int64), (tf.TensorShape([None]), tf.TensorShape([])), args=(24, 7)
)
words_t, label_t = source.make_one_shot_iterator().get_next()
path = os.path.join(WORKDIR, "sentences.tfrecord")
with tf.Session() as sess, tf.python_io.TFRecordWriter(path) as writer:
    while True:
        try:
            words, label = sess.run([words_t, label_t])
        except tf.errors.OutOfRangeError:
            break
        lists = tf.train.FeatureLists(
            feature_list={
                "words": tf.train.FeatureList(
                    feature=[
                        tf.train.Feature(int64_list=tf.train.Int64List(value=[w])) for w in words
                    ]
                ),
                "pairs": tf.train.FeatureList(
                    feature=[
                        tf.train.Feature(int64_list=tf.train.Int64List(value=words[i : i + 2]))
                        for i in range(0, len(words), 2)
                    ]
                ),
            }
        )
        context = tf.train.Features(
            feature={"label": tf.train.Feature(int64_list=tf.train.Int64List(value=[label]))}
        )
        record = tf.train.SequenceExample(context=context, feature_lists=lists)
        writer.write(record.SerializeToString(deterministic=True))


# -- reading them back --------------------------------------------------------------------------
def parse(serialized):
    context, lists = tf.parse_single_sequence_example(
        serialized,
        context_features={"label": tf.FixedLenFeature([], tf.int64)},
        sequence_features={
            "words": tf.FixedLenSequenceFeature([], tf.int64),
            "pairs": tf.VarLenFeature(tf.int64),
        },
    )
    pair_count = tf.shape(lists["pairs"].indices)[0]
    return lists["words"], tf.shape(lists["words"])[0], pair_count, context["label"]


dataset = tf.data.TFRecordDataset(path).map(parse).shuffle(24, seed=5).repeat(6)
dataset = dataset.padded_batch(6, padded_shapes=([None], [], [], []))
words, length, pairs, label = dataset.make_one_shot_iterator().get_next()

embedding = tf.get_variable(
    "embedding", [VOCAB, 4], initializer=tf.random_uniform_initializer(-0.5, 0.5, seed=1)
)
mask = tf.sequence_mask(length, dtype=tf.float32)
vectors = tf.nn.embedding_lookup(embedding, words) * tf.expand_dims(mask, -1)
mean = tf.reduce_sum(vectors, 1) / tf.expand_dims(tf.cast(length, tf.float32), 1)
w = tf.get_variable("w", [4, 1], initializer=tf.glorot_uniform_initializer(seed=2))
logits = tf.squeeze(tf.matmul(mean, w), 1) + tf.get_variable(
    "b", [], initializer=tf.zeros_initializer()
)
loss = tf.losses.sigmoid_cross_entropy(label, logits)
train_op = tf.train.AdamOptimizer(0.1).minimize(loss)

results = {"losses": [], "first_batch": None}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run([words, length, pairs, label])
    results["first_batch"] = [v.tolist() for v in first]
    while True:
        try:
            _, value = sess.run([train_op, loss])
        except tf.errors.OutOfRangeError:
            break
        results["losses"].append(float(value))
print("first batch:", results["first_batch"])
print("final loss:", results["losses"][-1])
shutil.rmtree(WORKDIR)
print("results:", json.dumps(results))
