"""The tf.data transformations of TF1 course notebooks, each read to its end with an
initializable iterator: placeholders fed at ``iterator.initializer``, an epoch ended by
tf.errors.OutOfRangeError."""

import json

import numpy as np

import teachflow as tf


def read_all(sess, iterator, feed=None):
    """Every element of one pass, as lists."""
    sess.run(iterator.initializer, feed)
    nxt = iterator.get_next()
    got = []
    while True:
        try:
            got.append(sess.run(nxt))
        except tf.errors.OutOfRangeError:
            return tolist(got)


def tolist(value):
    if isinstance(value, (list, tuple)):
        return [tolist(v) for v in value]
    if isinstance(value, dict):
        return {k: tolist(v) for k, v in sorted(value.items())}
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [tolist(v) for v in value.tolist()]
    return np.asarray(value).tolist()


values = tf.placeholder(tf.float32, [None])
labels = tf.placeholder(tf.int32, [None])
fed = tf.data.Dataset.from_tensor_slices((values, labels))
fed = fed.map(lambda v, label: (v * 2.0 + 1.0, label), num_parallel_calls=2)
fed = fed.filter(lambda v, label: label > 0).batch(2).prefetch(1)

ragged = tf.data.Dataset.range(1, 6).map(lambda n: tf.range(n))
padded = ragged.padded_batch(2, padded_shapes=[None], padding_values=tf.constant(-1, tf.int64))
fixed = ragged.padded_batch(2, padded_shapes=[6])

words = tf.data.Dataset.from_tensor_slices(["a", "bb", "ccc"])
zipped = tf.data.Dataset.zip((tf.data.Dataset.range(10, 13), words)).repeat(2).skip(1).take(4)
as_dict = tf.data.Dataset.zip({"n": tf.data.Dataset.range(3), "w": words}).batch(3)

flat = tf.data.Dataset.range(3).flat_map(
    lambda n: tf.data.Dataset.range(n).map(lambda i: i + 10 * n)
)
woven = tf.data.Dataset.range(1, 4).interleave(
    lambda n: tf.data.Dataset.from_tensors(n).repeat(n), cycle_length=2, block_length=2
)
cached = tf.data.Dataset.range(4).map(lambda n: n * n).cache().repeat(2)
unbatched = (
    tf.data.Dataset.range(7).batch(3).apply(tf.data.experimental.unbatch()).map(lambda n: -n)
)
shuffled = tf.data.Dataset.range(10).shuffle(4, seed=11).batch(5).repeat(2)

results = {}
with tf.Session() as sess:
    feed = {values: [0.5, 1.5, 2.5, 3.5, 4.5], labels: [1, 0, 2, 3, 1]}
    results["fed"] = read_all(sess, fed.make_initializable_iterator(), feed)
    results["fed_again"] = read_all(
        sess, fed.make_initializable_iterator(), {values: [9.0, 8.0], labels: [1, 1]}
    )
    results["padded"] = read_all(sess, padded.make_initializable_iterator())
    results["fixed"] = read_all(sess, fixed.make_initializable_iterator())
    results["zipped"] = read_all(sess, zipped.make_initializable_iterator())
    results["as_dict"] = read_all(sess, as_dict.make_initializable_iterator())
    results["flat"] = read_all(sess, flat.make_initializable_iterator())
    results["woven"] = read_all(sess, woven.make_initializable_iterator())
    results["cached"] = read_all(sess, cached.make_initializable_iterator())
    results["unbatched"] = read_all(sess, unbatched.make_initializable_iterator())
    iterator = shuffled.make_initializable_iterator()
    results["shuffled"] = read_all(sess, iterator)
    results["shuffled_again"] = read_all(sess, iterator)
print(results["fed"])

print("results:", json.dumps(results))
