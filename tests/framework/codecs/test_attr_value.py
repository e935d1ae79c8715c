"""Attribute values as TensorFlow types them: each Python value on its one AttrValue field,
and back; functions and placeholders pass through untouched."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework.codecs import attr_value
from teachflow.proto import messages


@pytest.mark.parametrize(
    "value, field",
    [
        (True, "b"),
        (3, "i"),
        (0.5, "f"),
        ("SAME", "s"),
        (b"loc:@w", "s"),
        (tf.int64, "type"),
        (tf.TensorShape([None, 3]), "shape"),
        (np.arange(4, dtype=np.float32), "tensor"),
        ([1, 2, 2, 1], "list"),
    ],
)
def test_each_value_takes_its_field_and_comes_back(value, field):
    pb = messages.AttrValue.FromString(attr_value.to_proto(value).SerializeToString())
    assert pb.WhichOneof("value") == field
    back = attr_value.from_proto(pb)
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert not back.flags.writeable
    elif isinstance(value, bytes):
        assert back == value.decode()  # text for every attr but colocation groups
    else:
        assert back == value


def test_lists_keep_their_kind_and_colocation_stays_bytes():
    pb = attr_value.to_proto([b"loc:@w", b"loc:@b"])
    assert list(pb.list.s) == [b"loc:@w", b"loc:@b"]
    assert attr_value.from_proto(pb, "_class") == [b"loc:@w", b"loc:@b"]
    assert attr_value.from_proto(attr_value.to_proto([tf.float32, tf.int32])) == [
        tf.float32,
        tf.int32,
    ]
    empty = attr_value.to_proto([])
    assert empty.WhichOneof("value") == "list" and attr_value.from_proto(empty) == []


def test_functions_and_placeholders_pass_through():
    func = messages.AttrValue()
    func.func.name = "my_fn"
    func.func.attr["T"].type = messages.DataType.Value("DT_FLOAT")
    assert attr_value.to_proto(attr_value.from_proto(func)) == func
    placeholder = messages.AttrValue(placeholder="T")
    assert attr_value.to_proto(attr_value.from_proto(placeholder)) == placeholder


def test_none_is_left_out_and_other_objects_are_refused():
    assert attr_value.to_proto(None) is None
    with pytest.raises(TypeError, match="Cannot write an attr value of type builtins.object"):
        attr_value.to_proto(object())
