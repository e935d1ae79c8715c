"""Stanford CS20 (2018), lecture 2 (``02_lazy_loading.py`` and ``02_variables.py``): the
"lazy loading" pitfall, an op created once before the session (normal loading) against
``tf.add`` called inside the training loop (lazy loading), counted in the nodes of
``tf.get_default_graph().as_graph_def()``; then the lecture's variable lessons: ``assign``
is an op that must run, ``assign_add``/``assign_sub`` in two sessions that each hold their
own value, and ``initialized_value()`` for a variable initialised from another (a
``tf.cond``, and U's initial value guarded by copies that read W through a cond of their
own: the nodes are compared with TensorFlow's).
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import teachflow as tf


def node_names():
    return [node.name for node in tf.get_default_graph().as_graph_def().node]


# Normal loading.
x = tf.Variable(10, name="x")
y = tf.Variable(20, name="y")
z = tf.add(x, y)  # create the node before executing the graph

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    normal = [int(sess.run(z)) for _ in range(10)]
    normal_nodes = node_names()

# Lazy loading: a new Add node every time round the loop.
tf.reset_default_graph()
x = tf.Variable(10, name="x")
y = tf.Variable(20, name="y")

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    lazy = [int(sess.run(tf.add(x, y))) for _ in range(10)]
    lazy_nodes = node_names()
    lazy_ops = sorted({node.op for node in tf.get_default_graph().as_graph_def().node})
print("normal loading:", len(normal_nodes), "nodes; lazy loading:", len(lazy_nodes), "nodes")

# 02_variables.py: assign is an op, and each session has its own copy of a variable.
tf.reset_default_graph()
W = tf.Variable(10)
W.assign(100)
with tf.Session() as sess:
    sess.run(W.initializer)
    not_assigned = int(W.eval())

assign_op = W.assign(100)
with tf.Session() as sess:
    sess.run(W.initializer)
    sess.run(assign_op)
    assigned = int(W.eval())

my_var = tf.Variable(2, name="my_var")
my_var_times_two = my_var.assign(2 * my_var)
with tf.Session() as sess:
    sess.run(my_var.initializer)
    doubled = [int(sess.run(my_var_times_two)) for _ in range(3)]

W = tf.Variable(10)
sess1 = tf.Session()
sess2 = tf.Session()
sess1.run(W.initializer)
sess2.run(W.initializer)
two_sessions = [
    int(sess1.run(W.assign_add(10))),
    int(sess2.run(W.assign_sub(2))),
    int(sess1.run(W.assign_add(100))),
    int(sess2.run(W.assign_sub(50))),
]
sess1.close()
sess2.close()
variables_nodes = node_names()

W = tf.Variable(tf.truncated_normal([3, 2], seed=1))
U = tf.Variable(W.initialized_value() * 2)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    w_value, u_value = sess.run([W, U])
initialized_value_nodes = node_names()

results = {
    "normal": normal,
    "lazy": lazy,
    "normal_nodes": normal_nodes,
    "lazy_nodes": lazy_nodes,
    "lazy_ops": lazy_ops,
    "not_assigned": not_assigned,
    "assigned": assigned,
    "doubled": doubled,
    "two_sessions": two_sessions,
    "u_is_twice_w": bool((u_value == 2 * w_value).all()),
    "w": w_value.tolist(),
    "variables_nodes": variables_nodes,
    "initialized_value_nodes": initialized_value_nodes,
}
print("results:", json.dumps(results))
