"""Lab 01 (graphs and sessions): the reference answers pass, typical wrong ones get hints."""

import teachflow as tf


def test_value_of_f(lab):
    x = tf.Variable(5, name="x")
    y = tf.Variable(2, name="y")
    f = x * x * y + y + 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert lab.check("value_of_f", sess.run(f))
    wrong = lab.check("value_of_f", f)
    assert not wrong and "sess.run" in wrong.feedback and wrong.hint


def test_name_of_f(lab):
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    assert lab.check("name_of_f", f.op.name)
    assert not lab.check("name_of_f", "add")
    assert "graph object" in lab.check("name_of_f", f.op).feedback


def test_evaluations_of_w(lab):
    w = tf.constant(3, name="w")
    x = tf.add(w, 2, name="x")
    y, z = tf.add(x, 5, name="y"), tf.multiply(x, 3, name="z")
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        sess.run([y, z], options=opts, run_metadata=meta)
    names = [n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats]
    assert names.count("w") == 1
    assert lab.check("evaluations_of_w", "a")
    assert "separate" in lab.check("evaluations_of_w", "b").feedback


def test_doubling_graph(lab):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        tf.multiply(x, 2.0, name="y")
    assert lab.check("doubling_graph", g)

    def graph_with(shape, dtype=tf.float32, factor=2.0):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(dtype, shape, name="x")
            tf.multiply(x, tf.cast(factor, dtype), name="y")
        return g

    assert "[None, 3]" in lab.check("doubling_graph", graph_with([2, 3])).feedback
    assert "float32" in lab.check("doubling_graph", graph_with([None, 3], tf.int32)).feedback
    assert "twice" in lab.check("doubling_graph", graph_with([None, 3], factor=3.0)).feedback
    assert "no operation named" in lab.check("doubling_graph", tf.Graph()).feedback
    assert "tf.Graph" in lab.check("doubling_graph", tf.constant(1.0)).feedback
