"""TensorProto as TensorFlow writes and reads it: make_tensor_proto's rules (raw bytes for
multi-element numeric tensors, typed fields otherwise) and every typed field on the way in."""

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from teachflow.proto import messages, tensor_proto


def test_scalars_go_to_typed_fields_with_an_empty_shape():
    pb = tensor_proto.make_tensor_proto(np.float32(2.5))
    assert list(pb.float_val) == [2.5] and pb.tensor_content == b""
    assert pb.HasField("tensor_shape") and len(pb.tensor_shape.dim) == 0
    assert list(tensor_proto.make_tensor_proto(np.int64(7)).int64_val) == [7]
    assert list(tensor_proto.make_tensor_proto(np.float64(0.5)).double_val) == [0.5]


def test_multi_element_numeric_tensors_are_raw_little_endian_bytes():
    value = np.arange(6, dtype=np.int32).reshape(2, 3)
    pb = tensor_proto.make_tensor_proto(value)
    assert pb.dtype == messages.DataType.Value("DT_INT32")
    assert [d.size for d in pb.tensor_shape.dim] == [2, 3]
    assert pb.tensor_content == value.astype("<i4").tobytes()
    assert not pb.int_val


@pytest.mark.parametrize(
    "value, field, stored",
    [
        (np.array([True, False]), "bool_val", [True, False]),
        (np.array([1 + 2j], np.complex128), "dcomplex_val", [1.0, 2.0]),
        (np.array([1.5], np.float16), "half_val", [15872]),
        (np.array([b"a", b"bc"], dtype=object), "string_val", [b"a", b"bc"]),
        (np.array([3], np.uint16), "int_val", [3]),
    ],
)
def test_types_tensorflow_never_writes_as_raw_bytes(value, field, stored):
    # make_tensor_proto: bool, complex, string and uint16 always use their typed field; a
    # one-element tensor too (half's field holds the 16-bit pattern as an int).
    pb = tensor_proto.make_tensor_proto(value)
    assert list(getattr(pb, field)) == stored and pb.tensor_content == b""
    np.testing.assert_array_equal(tensor_proto.make_ndarray(pb), value)


def test_typed_fields_shorter_than_the_shape_repeat_their_last_value():
    # What tf.zeros / tf.fill graphs hold: one value for the whole tensor.
    pb = messages.TensorProto(dtype=messages.DataType.Value("DT_FLOAT"))
    pb.tensor_shape.dim.add(size=2)
    pb.tensor_shape.dim.add(size=3)
    pb.float_val.extend([1.0, 2.0])
    np.testing.assert_array_equal(
        tensor_proto.make_ndarray(pb), np.array([[1, 2, 2], [2, 2, 2]], np.float32)
    )
    empty = messages.TensorProto(dtype=messages.DataType.Value("DT_INT64"))
    empty.tensor_shape.dim.add(size=3)
    np.testing.assert_array_equal(tensor_proto.make_ndarray(empty), np.zeros(3, np.int64))


def test_bfloat16_is_widened_to_float32():
    pb = messages.TensorProto(dtype=messages.DataType.Value("DT_BFLOAT16"))
    pb.tensor_shape.dim.add(size=2)
    pb.half_val.extend([0x3FC0, 0xC000])  # 1.5 and -2.0 as bfloat16 bit patterns
    np.testing.assert_array_equal(tensor_proto.make_ndarray(pb), np.float32([1.5, -2.0]))


def test_wrong_content_size_and_too_many_values_are_refused():
    pb = tensor_proto.make_tensor_proto(np.zeros(4, np.float32))
    pb.tensor_content = pb.tensor_content[:-1]
    with pytest.raises(ValueError, match="15 bytes but a tensor of shape \\[4\\] needs 16"):
        tensor_proto.make_ndarray(pb)
    many = tensor_proto.make_tensor_proto(np.float32(1.0))
    many.float_val.append(2.0)
    with pytest.raises(ValueError, match="holds 2 values"):
        tensor_proto.make_ndarray(many)


@given(
    dtype=st.sampled_from(
        [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8]
        + [np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128]
    ),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_every_dtype_and_shape_round_trips(dtype, shape, data):
    value = data.draw(hnp.arrays(dtype, shape))
    pb = messages.TensorProto.FromString(tensor_proto.make_tensor_proto(value).SerializeToString())
    back = tensor_proto.make_ndarray(pb)
    assert back.dtype == value.dtype and back.shape == value.shape
    np.testing.assert_array_equal(back, value)
