"""array_ops itself: placeholders, identity, shape/size/rank, the public names, and the
conventions every array op follows (op names, int32 index defaults, no-gradient ops)."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import registry
from teachflow.ops import array_ops
from tests.ops.array_grad_check import check_gradient

PUBLIC = """placeholder placeholder_with_default identity stop_gradient stack unstack concat split
shape size rank reshape expand_dims squeeze transpose invert_permutation tile fill zeros ones
zeros_like ones_like range lin_space linspace one_hot eye slice strided_slice gather gather_nd
scatter_nd pad reverse reverse_v2 broadcast_to""".split()


def test_public_names_are_exported():
    assert set(PUBLIC) <= set(array_ops.__all__)
    for name in PUBLIC:
        assert getattr(tf, name) is getattr(array_ops, name), name


def test_functions_other_helpers_build_on():
    for name in "shape reshape tile zeros_like ones_like fill expand_dims concat unstack gather transpose".split():
        assert callable(getattr(array_ops, name))


# -- placeholders and identity ------------------------------------------------------------------
def test_placeholder_must_be_fed(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(x * 2.0)
    assert (
        "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]"
        in e.value.message
    )
    np.testing.assert_array_equal(sess.run(tf.identity(x), {x: np.ones((1, 3))}), np.ones((1, 3)))


def test_placeholder_with_default(sess):
    p = tf.placeholder_with_default([1.0, 2.0], [None])
    assert p.shape.as_list() == [None] and p.op.type == "PlaceholderWithDefault"
    assert sess.run(p).tolist() == [1.0, 2.0]
    assert sess.run(p, {p: [5.0]}).tolist() == [5.0]
    with pytest.raises(ValueError, match="incompatible"):
        tf.placeholder_with_default([1.0, 2.0], [3])


def test_identity_and_stop_gradient():
    x = tf.placeholder(tf.float64, [2])
    assert tf.identity(x).op.name == "Identity"
    assert tf.gradients(tf.stop_gradient(x), x) == [None]
    check_gradient(lambda v: tf.identity(v), np.arange(3.0))


# -- shape, size, rank ------------------------------------------------------------------------------
def test_shape_is_a_constant_when_known(sess):
    s = tf.shape(tf.zeros([2, 3]))
    assert s.op.type == "Const" and s.op.name == "Shape" and s.dtype == tf.int32
    assert sess.run(s).tolist() == [2, 3]


@pytest.mark.parametrize("value", [np.zeros((2, 3), np.float32), np.zeros(0), np.float32(1)])
def test_shape_size_rank_at_run_time(sess, value):
    x = tf.placeholder(tf.float32)
    s, n, r = tf.shape(x), tf.size(x), tf.rank(x)
    assert [t.op.type for t in (s, n, r)] == ["Shape", "Size", "Rank"]
    assert s.shape.as_list() == [None] and n.shape.as_list() == [] and r.shape.as_list() == []
    got_s, got_n, got_r = sess.run([s, n, r], {x: value})
    assert got_s.tolist() == list(np.shape(value)) and got_s.dtype == np.int32
    assert got_n == np.size(value) and isinstance(got_n, np.int32)
    assert got_r == np.ndim(value) and isinstance(got_r, np.int32)


def test_shape_out_type_and_partial_shapes(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    s = tf.shape(x, out_type=tf.int64)
    assert s.dtype == tf.int64 and s.shape.as_list() == [2]
    assert sess.run(s, {x: np.zeros((4, 3))}).dtype == np.int64
    assert tf.size(x, out_type=tf.int64).dtype == tf.int64
    assert tf.rank(x).op.type == "Const"  # the rank is known
    strings = tf.placeholder(tf.string)
    assert sess.run(tf.shape(strings), {strings: [["a", "b"]]}).tolist() == [1, 2]
    assert sess.run(tf.shape(strings), {strings: "a"}).tolist() == []


def test_shape_ops_have_no_gradient():
    for op_type in ("Shape", "Size", "Rank", "ZerosLike", "OnesLike", "Range", "OneHot"):
        assert registry.get(op_type).not_differentiable, op_type
    x = tf.placeholder(tf.float32, [None])
    assert tf.gradients(tf.cast(tf.shape(x), tf.float32), x) == [None]


# -- conventions ----------------------------------------------------------------------------------
def test_python_index_arguments_default_to_int32(sess):
    r = tf.reshape([5.0], [])
    assert r.op.inputs[1].dtype == tf.int32
    out = sess.run(r)
    assert isinstance(out, np.float32) and out == 5.0
    assert tf.tile([1], tf.constant([2], tf.int64)).op.inputs[1].dtype == tf.int64


def test_index_arguments_must_be_integers():
    with pytest.raises(
        TypeError, match="Value passed to parameter 'Tmultiples' has DataType float32"
    ):
        tf.tile([1.0], tf.constant([2.0]))


def test_ops_built_under_name_scopes(sess):
    with tf.name_scope("layer"):
        r = tf.reshape(tf.zeros([2, 3]), [-1])
        g = tf.gather([1, 2, 3], [0])
    assert r.op.name == "layer/Reshape" and r.op.inputs[1].op.name == "layer/Reshape/shape"
    assert g.op.name == "layer/GatherV2"


def test_kernels_do_not_modify_their_inputs(sess):
    value = np.arange(6.0).reshape(2, 3)
    x = tf.placeholder(tf.float64, [2, 3])
    outs = [
        tf.reshape(x, [-1]),
        tf.transpose(x),
        x[:, ::-1],
        tf.pad(x, [[1, 1], [0, 0]]),
        tf.tile(x, [1, 2]),
        tf.concat([x, x], 0),
        tf.gather(x, [1, 0]),
        tf.reverse(x, [0]),
    ]
    before = value.copy()
    sess.run(outs, {x: value})
    np.testing.assert_array_equal(value, before)


def test_shape_of_a_dimension_beyond_int32_is_invalid_argument(sess):
    # An empty tensor may have a dimension of 10**18; its int32 shape cannot say so, and
    # TF says why (record_resource_limits.py) where numpy raised OverflowError (INTERNAL).
    import json
    import pathlib

    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    tf_says = json.loads(fixture.read_text())
    dims = tf.placeholder(tf.int64, [2])
    empty = tf.fill(dims, 1.0)
    feed = {dims: [10**18, 0]}
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(tf.shape(empty), feed)
    assert info.value.message.split("\n")[0] == tf_says["shape_32bit"]["message"]
    assert "{{node Shape}}" in info.value.message
    np.testing.assert_array_equal(
        sess.run(tf.shape(empty, out_type=tf.int64), feed), tf_says["shape_64bit"]["value"]
    )
    assert sess.run(tf.size(empty), feed) == 0
