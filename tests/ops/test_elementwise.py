"""Building elementwise ops: operand conversion, BroadcastGradientArgs, reduce_to_shape."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.elementwise import binary, broadcast_gradient_args, reduce_to_shape


@pytest.mark.parametrize(
    "sx,sy,rx,ry",
    [
        ([2, 1, 3], [1, 1, 3], [1], [0, 1]),
        ([1], [2, 3], [0, 1], []),
        ([], [], [], []),
        ([1], [1], [], []),
        ([1, 1], [1], [0, 1], [0, 1]),
        ([2, 3], [1], [], [0, 1]),
        ([1, 2], [2], [0], [0]),
    ],
)
def test_broadcast_gradient_args_like_tensorflow(sess, sx, sy, rx, ry):
    # Expected values are what TensorFlow's BroadcastGradientArgs returns.
    op = tf.get_default_graph().create_op(
        "BroadcastGradientArgs",
        [tf.constant(np.array(sx, np.int32)), tf.constant(np.array(sy, np.int32))],
        {},
    )
    got_x, got_y = sess.run(op.outputs)
    assert got_x.dtype == np.int32 and got_x.tolist() == rx and got_y.tolist() == ry


def test_broadcast_gradient_args_incompatible():
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"
    ):
        broadcast_gradient_args([2], [3])


def test_reduce_to_shape_static_and_dynamic(sess):
    grad = tf.constant(np.arange(6.0).reshape(2, 3))
    same = reduce_to_shape(grad, tf.zeros([2, 3], tf.float64))
    assert same is grad
    row = reduce_to_shape(grad, tf.zeros([3], tf.float64))
    col = reduce_to_shape(grad, tf.zeros([2, 1], tf.float64))
    assert row.shape == (3,) and col.shape == (2, 1)
    assert sess.run(row).tolist() == [3.0, 5.0, 7.0]
    assert sess.run(col).tolist() == [[3.0], [12.0]]
    p = tf.placeholder(tf.float64, [None, None])
    dyn = reduce_to_shape(grad, p)
    assert dyn.op.type == "Reshape"
    assert sess.run(dyn, {p: np.zeros([1, 3])}).tolist() == [[3.0, 5.0, 7.0]]


def test_binary_converts_the_second_operand_to_the_first_dtype():
    t = binary("Maximum", tf.constant([1.0], tf.float64), 2, None)
    assert t.op.inputs[1].dtype == tf.float64 and t.op.inputs[1].name == "Maximum/y:0"
    # A Python first operand gets its own default dtype: TF converts left to right.
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type float64"):
        tf.add(2.0, tf.constant(1.0, tf.float64))
