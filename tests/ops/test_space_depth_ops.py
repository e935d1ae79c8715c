"""tf.space_to_depth, depth_to_space, space_to_batch(_nd) and batch_to_space(_nd) against
TensorFlow's recorded values, graphs and gradients, plus their errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_spatial_fixtures import check_case


def test_matches_tensorflow():
    check_case("space_depth")


def test_each_undoes_its_partner(sess):
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    back = tf.depth_to_space(tf.space_to_depth(x, 2), 2)
    batched = tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 3]])
    unbatched = tf.batch_to_space_nd(batched, [2, 3], [[1, 1], [0, 3]])
    np.testing.assert_array_equal(sess.run(back), x)
    np.testing.assert_array_equal(sess.run(unbatched), x)


def test_tf1_space_to_batch_builds_an_int64_block_shape():
    y = tf.space_to_batch(tf.zeros([1, 4, 4, 1]), [[0, 0], [0, 0]], 2)
    assert y.op.type == "SpaceToBatchND"
    assert y.op.get_attr("Tblock_shape") == tf.int64
    assert [t.op.name for t in y.op.inputs[1:]] == [
        "SpaceToBatchND/block_shape",
        "SpaceToBatchND/paddings",
    ]


def test_errors_while_building():
    with pytest.raises(ValueError, match="evenly divisible by 2 but is 5"):
        tf.space_to_depth(tf.zeros([1, 5, 6, 1]), 2)
    with pytest.raises(ValueError, match="passed 1 less than minimum 2"):
        tf.space_to_depth(tf.zeros([1, 4, 6, 1]), 1)
    with pytest.raises(ValueError, match="evenly divisible by 4 but is 3"):
        tf.depth_to_space(tf.zeros([1, 4, 6, 3]), 2)
    with pytest.raises(ValueError, match="evenly divisible by 2 but is 5"):
        tf.space_to_batch_nd(tf.zeros([1, 5, 6, 1]), [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="evenly divisible by 4 but is 3"):
        tf.batch_to_space_nd(tf.zeros([3, 5, 6, 1]), [2, 2], [[0, 0], [0, 0]])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda x: tf.space_to_depth(x, 2), "should be divisible by block_size: 2"),
        (lambda x: tf.depth_to_space(x, 2), "Input depth dimension 1 should be divisible by: 4"),
        (
            lambda x: tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]),
            "padded_shape\\[0\\]=5 is not divisible by block_shape\\[0\\]=2",
        ),
        (
            lambda x: tf.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]]),
            "Input batch dimension 1 is not divisible by product of block sizes 4",
        ),
    ],
)
def test_errors_when_run(sess, build, message):
    x = tf.placeholder(tf.float32, [None, None, None, None])
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        sess.run(build(x), {x: np.zeros([1, 5, 6, 1])})
