"""A TensorArray's element shape is shared by all its copies, as in TF: writes in a loop body
refine the shape the array has after the loop (so map_fn and scan keep their static shapes).

The expected shapes are what TF 2.21 prints for the same lines under
``tf.compat.v1`` with ``disable_v2_behavior()``."""

import numpy as np

import teachflow as tf


def test_writes_in_a_loop_body_give_the_stacked_shape_after_the_loop():
    def body(i, ta):
        return i + 1, ta.write(i, tf.ones([7]))

    _, ta = tf.while_loop(lambda i, ta: i < 3, body, [0, tf.TensorArray(tf.float32, size=3)])
    stacked = ta.stack()
    assert stacked.shape.as_list() == [3, 7]  # TF: (3, 7)
    assert ta.element_shape.as_list() == [7]
    with tf.Session() as sess:
        assert sess.run(stacked).tolist() == np.ones((3, 7)).tolist()


def test_map_fn_and_scan_keep_static_shapes_so_layers_can_follow():
    x = tf.placeholder(tf.float32, [None, 4])
    doubled = tf.map_fn(lambda r: r * 2, x)
    sums = tf.map_fn(lambda r: tf.reduce_sum(r), x)
    running = tf.scan(lambda a, r: a + r, x)
    cast = tf.map_fn(
        lambda r: tf.cast(r, tf.float32) + 1.0, tf.constant([[1, 2], [3, 4]]), dtype=tf.float32
    )
    assert str(doubled.shape) == "(?, 4)" and str(sums.shape) == "(?,)"  # as TF prints them
    assert running.shape.as_list() == [None, 4] and cast.shape.as_list() == [2, 2]
    dense = tf.layers.dense(doubled, 3)  # needs the last dimension: TF builds it too
    assert dense.shape.as_list() == [None, 3]


def test_the_gradient_array_shares_the_shape():
    ta = tf.TensorArray(tf.float32, size=2)
    grad = ta.grad("gradients")
    ta.write(0, tf.zeros([5]))
    assert grad.element_shape.as_list() == [5]
