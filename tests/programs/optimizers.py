"""An optimizer-comparison notebook: the same linear regression trained for five steps by
each TF1 optimizer (Adadelta, FTRL with L1/L2/shrinkage/learning_rate_power, the proximal
ones, and the classic four), then an embedding model whose gradient reaches the table
through embedding_lookup as IndexedSlices: each step looks up a different batch of rows
(rows 6 and 7 never), so the sparse updates (SparseApply*, ScatterSub, Adam's scatter_add)
show in the rows left out. The losses, weights and slot values are printed per optimizer."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(7)
features = rng.randn(32, 3).astype(np.float32)
targets = (features @ np.array([[1.5], [-2.0], [0.25]], np.float32) + 0.5).astype(np.float32)
ids = np.array([[0, 1], [2, 3], [4, 0], [1, 2], [3, 4], [4, 4]], np.int32)
labels = np.array([1.0, -1.0, 0.5, 0.0, 2.0, -0.5], np.float32)
# The rows each step looks up (some twice): never rows 6 and 7, row 5 only at step 2.
step_ids = [ids, ids[:3], np.array([[5, 0], [5, 5]], np.int32), ids[3:], ids[1:4]]
step_labels = [labels, labels[:3], labels[:2], labels[3:], labels[1:4]]

OPTIMIZERS = {
    "adadelta": lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6),
    "ftrl": lambda: tf.train.FtrlOptimizer(0.3),
    "ftrl_l1_l2": lambda: tf.train.FtrlOptimizer(
        0.3, l1_regularization_strength=0.05, l2_regularization_strength=0.1
    ),
    "ftrl_power": lambda: tf.train.FtrlOptimizer(
        0.3, learning_rate_power=-0.7, initial_accumulator_value=0.5
    ),
    "ftrl_shrinkage": lambda: tf.train.FtrlOptimizer(
        0.3, l1_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.2
    ),
    "proximal_gd": lambda: tf.train.ProximalGradientDescentOptimizer(
        0.05, l1_regularization_strength=0.1, l2_regularization_strength=0.2
    ),
    "proximal_gd_l2": lambda: tf.train.ProximalGradientDescentOptimizer(
        0.05, l2_regularization_strength=0.5
    ),
    "proximal_adagrad": lambda: tf.train.ProximalAdagradOptimizer(
        0.3, l1_regularization_strength=0.05, l2_regularization_strength=0.1
    ),
    "gd": lambda: tf.train.GradientDescentOptimizer(0.05),
    "momentum": lambda: tf.train.MomentumOptimizer(0.05, 0.9),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.3),
    "adam": lambda: tf.train.AdamOptimizer(0.1),
}


def linear_regression(make_optimizer):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w = tf.Variable(tf.zeros([3, 1]), name="w")
        b = tf.Variable(0.1, name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        opt = make_optimizer()
        train = opt.minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = []
            for step in range(5):
                batch = slice(step * 6, step * 6 + 6)
                _, value = sess.run([train, loss], {x: features[batch], y: targets[batch]})
                losses.append(float(value))
            slots = {
                name: sess.run(opt.get_slot(w, name)).ravel().tolist()
                for name in opt.get_slot_names()
            }
            return {
                "losses": losses,
                "w": sess.run(w).ravel().tolist(),
                "b": float(sess.run(b)),
                "slots": slots,
                "update": train.control_inputs[0].type if train.control_inputs else train.type,
            }


def embedding_model(make_optimizer):
    # The gradient is IndexedSlices: rows not in a step's batch keep their value (and
    # slots) with most optimizers, while Adam still moves them with its momentum.
    with tf.Graph().as_default():
        table = tf.Variable(np.linspace(-1.0, 1.0, 16, dtype=np.float32).reshape(8, 2))
        batch_ids = tf.placeholder(tf.int32, [None, 2], name="ids")
        batch_labels = tf.placeholder(tf.float32, [None], name="labels")
        vectors = tf.nn.embedding_lookup(table, batch_ids)
        score = tf.reduce_sum(vectors, axis=[1, 2])
        loss = tf.reduce_mean(tf.square(score - batch_labels))
        opt = make_optimizer()
        train = opt.minimize(loss)
        update_types = sorted(
            op.type
            for op in tf.get_default_graph().get_operations()
            if op.name.startswith(opt.get_name() + "/update_")
            and op.type.startswith(("Sparse", "Scatter", "Apply", "Assign"))
        )
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = []
            for feed_ids, feed_labels in zip(step_ids, step_labels):
                _, value = sess.run([train, loss], {batch_ids: feed_ids, batch_labels: feed_labels})
                losses.append(float(value))
            slots = {
                name: sess.run(opt.get_slot(table, name)).ravel().tolist()
                for name in opt.get_slot_names()
            }
            return {
                "losses": losses,
                "table": sess.run(table).ravel().tolist(),
                "slots": slots,
                "update_types": update_types,
            }


results = {}
for name, make in OPTIMIZERS.items():
    results[name] = {"dense": linear_regression(make), "embedding": embedding_model(make)}
    print(name, "losses:", [round(v, 4) for v in results[name]["dense"]["losses"]])
print("results:", json.dumps(results))
