"""TensorBoard, advanced: a multilayer perceptron whose every weight, gradient and
activation gets a histogram summary, loss and accuracy get scalars, all merged with
tf.summary.merge_all and written with a FileWriter; the event file is then read back
with tf.train.summary_iterator. (The updates wait for the summaries: see below.)"""

import glob
import json
import os
import shutil
import tempfile

import numpy as np

import teachflow as tf

rng = np.random.RandomState(12)
inputs = rng.rand(60, 6).astype(np.float32)
classes = (inputs[:, :3].sum(1) > inputs[:, 3:].sum(1)).astype(np.int64) + (inputs[:, 0] > 0.8)
onehot = np.eye(3, dtype=np.float32)[classes]

learning_rate = 0.05
training_epochs = 6
batch_size = 20
n_hidden_1, n_hidden_2, n_input, n_classes = 8, 8, 6, 3
logs_path = tempfile.mkdtemp(prefix="tensorboard_advanced_")

tf.set_random_seed(8)
x = tf.placeholder(tf.float32, [None, n_input], name="InputData")
y = tf.placeholder(tf.float32, [None, n_classes], name="LabelData")


def multilayer_perceptron(x, weights, biases):
    layer_1 = tf.add(tf.matmul(x, weights["w1"]), biases["b1"])
    layer_1 = tf.nn.relu(layer_1)
    tf.summary.histogram("relu1", layer_1)
    layer_2 = tf.add(tf.matmul(layer_1, weights["w2"]), biases["b2"])
    layer_2 = tf.nn.relu(layer_2)
    tf.summary.histogram("relu2", layer_2)
    out_layer = tf.add(tf.matmul(layer_2, weights["w3"]), biases["b3"])
    return out_layer


weights = {
    "w1": tf.Variable(tf.random_normal([n_input, n_hidden_1]), name="W1"),
    "w2": tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2]), name="W2"),
    "w3": tf.Variable(tf.random_normal([n_hidden_2, n_classes]), name="W3"),
}
biases = {
    "b1": tf.Variable(tf.random_normal([n_hidden_1]), name="b1"),
    "b2": tf.Variable(tf.random_normal([n_hidden_2]), name="b2"),
    "b3": tf.Variable(tf.random_normal([n_classes]), name="b3"),
}

with tf.name_scope("Model"):
    pred = multilayer_perceptron(x, weights, biases)
with tf.name_scope("Loss"):
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=pred, labels=y))
with tf.name_scope("SGD"):
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    grads = tf.gradients(loss, tf.trainable_variables())
    grads = list(zip(grads, tf.trainable_variables()))
with tf.name_scope("Accuracy"):
    acc = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    acc = tf.reduce_mean(tf.cast(acc, tf.float32))

init = tf.global_variables_initializer()
tf.summary.scalar("loss", loss)
tf.summary.scalar("accuracy", acc)
for var in tf.trainable_variables():
    tf.summary.histogram(var.name, var)
for grad, var in grads:
    tf.summary.histogram(var.name + "/gradient", grad)
merged_summary_op = tf.summary.merge_all()
# A TF1 (ref) variable's read aliases its buffer, so an update that runs as soon as its own
# gradient is ready changes what the backward pass and the summaries read later in the same
# run: the classic program's numbers change from run to run on TensorFlow. The updates wait
# for the summaries here, so every summary sees the values before the step.
with tf.name_scope("SGD"), tf.control_dependencies([merged_summary_op]):
    apply_grads = optimizer.apply_gradients(grads_and_vars=grads)

with tf.Session() as sess:
    sess.run(init)
    summary_writer = tf.summary.FileWriter(logs_path, graph=tf.get_default_graph())
    step = 0
    for epoch in range(training_epochs):
        for start in range(0, len(inputs), batch_size):
            batch = slice(start, start + batch_size)
            _, c, summary = sess.run(
                [apply_grads, loss, merged_summary_op],
                feed_dict={x: inputs[batch], y: onehot[batch]},
            )
            summary_writer.add_summary(summary, step)
            step += 1
        print("Epoch:", f"{epoch + 1:04d}", "cost=", f"{c:.9f}")
    summary_writer.close()
    final_acc = sess.run(acc, feed_dict={x: inputs, y: onehot})

# Read the event file back, as TensorBoard would.
(event_file,) = glob.glob(os.path.join(logs_path, "events.out.tfevents.*"))
steps, scalars, histograms, kinds = [], {}, {}, []
for event in tf.train.summary_iterator(event_file):
    if event.HasField("file_version"):
        kinds.append(event.file_version)
    elif event.HasField("graph_def"):
        kinds.append("graph_def")
    elif event.HasField("summary"):
        kinds.append("summary")
        steps.append(event.step)
        for value in event.summary.value:
            if value.HasField("simple_value"):
                scalars.setdefault(value.tag, []).append(value.simple_value)
            else:
                h = value.histo
                histograms.setdefault(value.tag, []).append(
                    [h.num, h.min, h.max, h.sum, h.sum_squares, len(h.bucket)]
                )
shutil.rmtree(logs_path)
first_w1 = [v for v in tf.Summary.FromString(summary).value if v.tag == "W1_0"]

results = {
    "kinds": kinds[:3] + [len(kinds)],
    "steps": steps,
    "scalars": scalars,
    "tags": sorted(histograms),
    "histograms": {tag: h[::6] for tag, h in histograms.items()},
    "last_w1_buckets": list(first_w1[0].histo.bucket_limit[-4:]),
    "accuracy": float(final_acc),
}
print("results:", json.dumps(results))
