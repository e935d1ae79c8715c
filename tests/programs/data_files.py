"""Reading files with tf.data: a CSV file through TextLineDataset + tf.decode_csv, and a
TFRecord file of tf.train.Example records (written with tf.python_io.TFRecordWriter) through
TFRecordDataset + tf.parse_single_example with FixedLenFeature and VarLenFeature features.
A small classifier trains from the CSV pipeline."""

import hashlib
import json
import os
import shutil
import tempfile

import numpy as np

import teachflow as tf

rng = np.random.RandomState(8)
workdir = tempfile.mkdtemp()

# -- a CSV file: a header line, two features, a label -----------------------------------------
csv_path = os.path.join(workdir, "points.csv")
points = rng.randn(40, 2).round(3)
labels = (points[:, 0] + 2 * points[:, 1] > 0).astype(int)
with open(csv_path, "w") as f:
    f.write("x1,x2,label\n")
    for (x1, x2), label in zip(points, labels):
        f.write(f"{x1},{x2},{label}\n")


def parse_line(line):
    x1, x2, label = tf.decode_csv(line, record_defaults=[[0.0], [0.0], [0]])
    return tf.stack([x1, x2]), label


csv_ds = tf.data.TextLineDataset(csv_path).skip(1).map(parse_line)
csv_ds = csv_ds.shuffle(40, seed=5).batch(8).repeat(5)
features, label = csv_ds.make_one_shot_iterator().get_next()
W = tf.Variable(tf.zeros([2, 2]))
b = tf.Variable(tf.zeros([2]))
logits = tf.matmul(features, W) + b
loss = tf.losses.sparse_softmax_cross_entropy(label, logits)
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

# -- a TFRecord file of Examples ----------------------------------------------------------------
record_path = os.path.join(workdir, "examples.tfrecord")
with tf.python_io.TFRecordWriter(record_path) as writer:
    for i in range(5):
        example = tf.train.Example(
            features=tf.train.Features(
                feature={
                    "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                    "point": tf.train.Feature(
                        float_list=tf.train.FloatList(value=points[i].tolist())
                    ),
                    "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"p%d" % i])),
                    "tags": tf.train.Feature(int64_list=tf.train.Int64List(value=list(range(i)))),
                }
            )
        )
        # deterministic=True: the map of features is written in key order (TensorFlow's own
        # order is a per-process hash order), so the file's bytes can be compared.
        writer.write(example.SerializeToString(deterministic=True))
with open(record_path, "rb") as f:
    record_file = f.read()


def parse_example(serialized):
    parsed = tf.parse_single_example(
        serialized,
        {
            "id": tf.FixedLenFeature([], tf.int64),
            "point": tf.FixedLenFeature([2], tf.float32),
            "name": tf.FixedLenFeature([], tf.string),
            "tags": tf.VarLenFeature(tf.int64),
            "weight": tf.FixedLenFeature([], tf.float32, default_value=1.0),
        },
    )
    tags = tf.sparse_tensor_to_dense(parsed["tags"], default_value=-1)
    return parsed["id"], parsed["point"], parsed["name"], tags, parsed["weight"]


record_ds = tf.data.TFRecordDataset([record_path]).map(parse_example)
record_ds = record_ds.padded_batch(2, padded_shapes=([], [2], [], [None], []))
record_iterator = record_ds.make_initializable_iterator()
record_batch = record_iterator.get_next()

results = {
    "record_file_sha256": hashlib.sha256(record_file).hexdigest(),
    "record_file_size": len(record_file),
    "records": [],
    "losses": [],
}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    while True:
        try:
            _, value = sess.run([train_op, loss])
            results["losses"].append(float(value))
        except tf.errors.OutOfRangeError:
            break
    sess.run(record_iterator.initializer)
    while True:
        try:
            ids, point, name, tags, weight = sess.run(record_batch)
        except tf.errors.OutOfRangeError:
            break
        results["records"].append(
            {
                "id": ids.tolist(),
                "point": point.tolist(),
                "name": [n.decode() for n in name],
                "tags": tags.tolist(),
                "weight": weight.tolist(),
            }
        )
print("first record batch:", results["records"][0])

results["losses"] = results["losses"][::3]
shutil.rmtree(workdir)
print("results:", json.dumps(results))
