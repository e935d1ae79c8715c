"""DTypes and static shapes."""

import copy
import pickle

import numpy as np
import pytest

import teachflow as tf


def test_dtype_conversions():
    assert tf.as_dtype("float32") is tf.float32
    assert tf.as_dtype(np.int64) is tf.int64
    assert tf.as_dtype(np.dtype("bool")) is tf.bool
    assert tf.as_dtype(float) is tf.float32
    assert tf.as_dtype(tf.float32.enum) is tf.float32
    assert tf.as_dtype(np.dtype("O")) is tf.string
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`"):
        tf.as_dtype("complex1024")


def test_dtype_properties_and_refs():
    assert tf.float32.is_floating and not tf.int32.is_floating
    assert tf.int8.is_integer and tf.uint8.is_unsigned
    assert tf.float32.min < 0 and tf.int32.max == 2**31 - 1
    ref = tf.Variable(1.0).dtype
    assert ref.name == "float32_ref" and ref.is_ref_dtype and ref.base_dtype is tf.float32
    assert str(tf.float32) == "<dtype: 'float32'>" and repr(tf.float32) == "tf.float32"
    assert tf.float64 is tf.double and tf.float16 is tf.half


def test_shapes():
    s = tf.TensorShape([None, 3])
    assert s.ndims == 2 and s.as_list() == [None, 3] and not s.is_fully_defined()
    assert s.merge_with([2, None]) == tf.TensorShape([2, 3])
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert tf.TensorShape([2, 3]).num_elements() == 6
    assert tf.TensorShape(None).ndims is None and str(tf.TensorShape(None)) == "<unknown>"
    assert str(tf.TensorShape([4])) == "(4,)"
    # TF1's printing (recorded from TF 2.21's tf.compat.v1 after disable_v2_behavior()).
    x = tf.placeholder(tf.float32, [None, 4])
    assert repr(x.shape) == "TensorShape([Dimension(None), Dimension(4)])"
    assert str(x.shape) == "(?, 4)" and repr(tf.TensorShape([])) == "TensorShape([])"
    assert repr(tf.TensorShape(None)) == "TensorShape(None)"
    assert repr(x.shape[1]) == "Dimension(4)" and str(x.shape[1]) == "4"
    with pytest.raises(ValueError, match="not compatible"):
        s.merge_with([2, 4])
    assert tf.TensorShape([2, 3])[1] == 3 and tf.TensorShape([2, 3])[1:] == tf.TensorShape([3])


def test_a_known_dimension_has_tf1s_value_and_stays_an_int():
    x = tf.placeholder(tf.float32, [None, 3])
    d = x.get_shape()[1]
    assert d.value == 3 and d == 3 and isinstance(d, int) and f"{d}" == "3"
    assert tf.dimension_value(d) == 3 and tf.dimension_value(None) is None
    # Taken into an op's attrs, a dimension is a plain int (as the GraphDef holds it).
    parts = tf.unstack(tf.zeros([2, 3]), num=tf.zeros([2, 3]).shape[1], axis=1)
    assert type(parts[0].op.get_attr("num")) is int


# Recorded from TF 2.21's tf.compat.v1 after disable_v2_behavior(), x a placeholder [None, 3].
def test_a_known_dimensions_arithmetic_and_comparisons_as_tf1():
    d = tf.placeholder(tf.float32, [None, 3]).shape[1]
    assert repr(d * 2) == "Dimension(6)" and repr(2 * d) == "Dimension(6)"
    assert repr(d + 1) == "Dimension(4)" and repr(d - 1) == "Dimension(2)"
    assert repr(d // 2) == "Dimension(1)" and repr(d % 2) == "Dimension(1)"
    assert repr(d * d) == "Dimension(9)" and repr(max(d, 2)) == "Dimension(3)"
    assert (d == 3) is True and (d != 3) is False and (3 == d) is True
    assert (d == np.int64(3)) is True and (d < 4) is True and (d >= 3) is True
    assert (d == None) is None and (d != None) is None  # noqa: E711 (TF1's answer)
    assert int(d) == 3 and float(d) == 3.0 and bool(d) and list(range(d)) == [0, 1, 2]
    assert np.zeros([d, 2]).shape == (3, 2) and "%d" % d == "3"  # noqa: UP031
    assert tf.Dimension(tf.Dimension(3)) == 3 and tf.Dimension(np.int64(3)) == 3
    assert tf.Dimension(3).is_compatible_with(None) and not tf.Dimension(3).is_compatible_with(4)
    assert tf.Dimension(3).merge_with(None) == 3
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        tf.Dimension(3).merge_with(4)
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        tf.Dimension(-1)
    with pytest.raises(TypeError, match="Dimension value must be integer or None"):
        tf.Dimension(3.5)
    with tf.Session() as sess:
        assert sess.run(tf.constant(2) * d) == 6


def test_an_unknown_dimension_is_tf1s_dimension_none():
    x = tf.placeholder(tf.float32, [None, 3])
    d = x.get_shape()[0]
    assert d is not None and d.value is None and x.shape[0].value is None
    assert repr(d) == "Dimension(None)" and str(d) == "?" and f"{d}" == "?" and "%s" % d == "?"  # noqa: UP031
    assert isinstance(d, tf.Dimension) and not isinstance(d, int) and not d
    assert type(d).__name__ == "Dimension" and type(d) is type(tf.Dimension(None))
    for other in (None, 3, d, tf.Dimension(3), np.int64(3)):
        assert (d == other) is None and (d != other) is None and (d < other) is None
        assert (other == d) is None and (d > other) is None
    for result in (
        d * 2,
        2 * d,
        d + 1,
        d - 1,
        1 - d,
        d // 2,
        d % 2,
        d * x.shape[1],
        x.shape[1] * d,
    ):
        assert repr(result) == "Dimension(None)"
    assert repr(x.shape[1] + None) == "Dimension(None)"
    assert tf.dimension_value(d) is None and tf.compat.dimension_value(d) is None
    assert repr(tf.Dimension(None)) == "Dimension(None)" and tf.Dimension(None).value is None
    assert repr(tf.compat.v1.Dimension(None)) == "Dimension(None)"
    assert tf.Dimension(None).merge_with(3) == 3 and tf.Dimension(None).is_compatible_with(4)
    assert repr([d, x.shape[1]]) == "[Dimension(None), Dimension(3)]"
    assert repr(copy.deepcopy(d)) == "Dimension(None)"
    assert repr(pickle.loads(pickle.dumps(d))) == "Dimension(None)"
    assert pickle.loads(pickle.dumps(x.shape[1])) == 3


def test_an_unknown_dimension_refuses_what_tf1_refuses():
    d = tf.placeholder(tf.float32, [None, 3]).shape[0]
    with pytest.raises(TypeError, match=r"__int__ returned non-int \(type NoneType\)"):
        int(d)
    with pytest.raises(TypeError, match=r"__index__ returned non-int"):
        range(d)
    with pytest.raises(TypeError, match="unhashable type: 'Dimension'"):
        hash(d)
    with pytest.raises(TypeError, match="unsupported operand type.*'Dimension' and 'int'"):
        d / 2
    with pytest.raises(TypeError, match="unsupported operand type.*'Dimension' and 'float'"):
        d * 2.0
    with pytest.raises(TypeError):
        np.zeros(d)
    with pytest.raises(ValueError, match=r"Cannot convert unknown Dimension \? to a Tensor"):
        tf.convert_to_tensor(d)
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(TypeError, match=r"Expected int for argument 'num' not Dimension\(None\)"):
        tf.unstack(x, num=x.shape[0])


def test_shapes_hand_out_dimensions_as_tf1():
    x = tf.placeholder(tf.float32, [None, 3])
    assert repr(x.shape.dims) == "[Dimension(None), Dimension(3)]"
    assert repr(list(x.shape)) == "[Dimension(None), Dimension(3)]"
    assert repr(tuple(x.shape)) == "(Dimension(None), Dimension(3))"
    assert x.shape.as_list() == [None, 3] and type(x.shape.as_list()[1]) is int
    assert x.shape[-1] == 3 and repr(x.shape[0:1]) == "TensorShape([Dimension(None)])"
    assert x.shape[0] is not None and (x.shape[0] == None) is None  # noqa: E711
    assert x.shape == [None, 3] and tf.TensorShape(None).dims is None
    shape = tf.TensorShape([tf.Dimension(None), 3])
    assert repr(shape) == "TensorShape([Dimension(None), Dimension(3)])"
    assert tf.TensorShape(list(x.shape)) == x.shape
    assert repr(tf.placeholder(tf.float32, [x.shape[0], x.shape[1]]).shape) == repr(x.shape)
    unknown = tf.TensorShape(None)
    assert repr(unknown[0]) == "Dimension(None)" and repr(unknown[-1]) == "Dimension(None)"
    assert repr(unknown[:2]) == "TensorShape([Dimension(None), Dimension(None)])"
    assert repr(unknown[1:3]) == "TensorShape([Dimension(None), Dimension(None)])"
    assert repr(unknown[1:]) == "TensorShape(None)" and repr(unknown[2:1]) == "TensorShape([])"
    assert repr(tf.compat.dimension_at_index(x.shape, 0)) == "Dimension(None)"
    assert repr(tf.compat.dimension_at_index(unknown, 5)) == "Dimension(None)"


def test_a_tf1_program_reads_an_unknown_batch_size_and_falls_back_to_tf_shape():
    x = tf.placeholder(tf.float32, [None, 3])
    batch = x.get_shape()[0].value
    n_inputs = x.get_shape()[1].value
    assert batch is None and n_inputs == 3
    if batch is None:
        batch = tf.shape(x)[0]
    flat = tf.reshape(x, [batch, n_inputs])
    ones = tf.ones(tf.stack([batch, 1]))
    with tf.Session() as sess:
        got, count = sess.run([flat, ones], {x: np.arange(12.0).reshape(4, 3)})
    np.testing.assert_array_equal(got, np.arange(12.0).reshape(4, 3))
    assert count.shape == (4, 1)
    with pytest.raises(TypeError):  # TF1 too: an unknown Dimension is no list element
        tf.reshape(x, [x.shape[0], 3])


def test_assert_has_rank_as_tensorflow():
    tf.TensorShape([2, 3]).assert_has_rank(2)
    tf.TensorShape(None).assert_has_rank(3)  # an unknown rank may be any
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank 2"):
        tf.TensorShape([2]).assert_has_rank(2)


def test_print_of_a_tensor_is_tf1s():
    # TF 2.21's compat.v1 (checked side by side): the device when the op has one, no shape
    # when even the rank is unknown; a SparseTensor prints its tensors the same way.
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(1.0)
    with tf.device("/cpu:0"):
        c = tf.constant(1)
    assert str(c) == 'Tensor("Const:0", shape=(), dtype=int32, device=/device:CPU:0)'
    assert (
        str(v.value())
        == 'Tensor("Variable/read:0", shape=(), dtype=float32, device=/job:ps/task:0)'
    )
    p = tf.placeholder(tf.float32, None)
    assert str(p) == 'Tensor("Placeholder:0", dtype=float32)'
    assert repr(p) == "<tf.Tensor 'Placeholder:0' shape=<unknown> dtype=float32>"
    sp = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
    assert (
        str(sp)
        == repr(sp)
        == (
            'SparseTensor(indices=Tensor("SparseTensor/indices:0", shape=(1, 2), dtype=int64), '
            'values=Tensor("SparseTensor/values:0", shape=(1,), dtype=float32), '
            'dense_shape=Tensor("SparseTensor/dense_shape:0", shape=(2,), dtype=int64))'
        )
    )
