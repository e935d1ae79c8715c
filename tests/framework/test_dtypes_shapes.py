"""DTypes and static shapes."""

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
    assert x.get_shape()[0] is None  # unknown: None, where TF1 gives Dimension(None)
    assert tf.dimension_value(d) == 3 and tf.dimension_value(None) is None
    # Taken into an op's attrs, a dimension is a plain int (as the GraphDef holds it).
    parts = tf.unstack(tf.zeros([2, 3]), num=tf.zeros([2, 3]).shape[1], axis=1)
    assert type(parts[0].op.get_attr("num")) is int


def test_assert_has_rank_as_tensorflow():
    tf.TensorShape([2, 3]).assert_has_rank(2)
    tf.TensorShape(None).assert_has_rank(3)  # an unknown rank may be any
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank 2"):
        tf.TensorShape([2]).assert_has_rank(2)
