"""decode_csv, string_to_number, decode_raw: values, dtypes, names and TF's error words.

Expected values and messages were checked against TensorFlow (tf.compat.v1).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.ops.parsing_ops import split_record


def test_decode_csv_dtypes_from_defaults_quotes_and_missing_fields(sess):
    records = ["1,2.5,a,7", '3,,"b,c",8']
    cols = tf.decode_csv(records, [[0], [1.0], ["x"], [np.int64(1)]])
    assert [c.dtype for c in cols] == [tf.int32, tf.float32, tf.string, tf.int32]
    assert all(c.shape.as_list() == [2] for c in cols)
    a, b, c, d = sess.run(cols)
    np.testing.assert_array_equal(a, [1, 3])
    assert a.dtype == np.int32 and b.dtype == np.float32 and c.dtype == object
    np.testing.assert_array_equal(b, [2.5, 1.0])  # the empty field took the default
    assert c.tolist() == [b"a", b"b,c"]
    np.testing.assert_array_equal(d, [7, 8])


def test_decode_csv_names_and_scalar_records(sess):
    x, y = tf.decode_csv("1,2", [[0], [0.0]], name="mycsv")
    assert x.op.name == "mycsv" and x.op.type == "DecodeCSV" and x.shape == tf.TensorShape([])
    assert [t.op.name for t in x.op.inputs] == [
        "mycsv/records",
        "mycsv/record_defaults_0",
        "mycsv/record_defaults_1",
    ]
    vx, vy = sess.run([x, y])
    assert vx == 1 and isinstance(vx, np.int32) and isinstance(vy, np.float32)
    assert x.op.get_attr("OUT_TYPE") == [tf.int32, tf.float32]


def test_required_field_missing_is_invalid_argument(sess):
    a, b = tf.decode_csv(["1,", "2,3"], [[0], []])
    assert b.dtype == tf.float32  # an empty list default is float32, as in TF
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Field 1 is required but missing in record 0!"
    ):
        sess.run(a)
    req = tf.constant([], tf.string)
    (s, _) = tf.decode_csv([","], [req, [0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Field 0 is required"):
        sess.run(s)


@pytest.mark.parametrize(
    "records, defaults, kwargs, message",
    [
        (["1,2,3"], [[0], [0]], {}, "Expect 2 fields but have 3 in record 0"),
        (["1"], [[0], [0]], {}, "Expect 2 fields but have 1 in record 0"),
        ([""], [[0]], {}, "Expect 1 fields but have 0 in record 0"),
        (["a,2"], [[0], [0]], {}, "Field 0 in record 0 is not a valid int32: a"),
        (["1.5,2"], [[0], [0]], {}, "Field 0 in record 0 is not a valid int32: 1.5"),
        (["99999999999,2"], [[0], [0]], {}, "is not a valid int32: 99999999999"),
        (["1.5x,2"], [[0.0], [0]], {}, "Field 0 in record 0 is not a valid float: 1.5x"),
        (["1e2,0x10"], [[0.0], [0]], {}, "Field 1 in record 0 is not a valid int32: 0x10"),
        (["1_0"], [[0.0]], {}, "is not a valid float: 1_0"),
        (['a"b,2'], [[""], [0]], {}, "Unquoted fields cannot have quotes/CRLFs inside"),
        (['"ab"c,2'], [[""], [0]], {}, "Quote inside a string has to be escaped by another"),
        (['"ab,2'], [[""], [0]], {}, "Quoted field has to end with quote followed by delim"),
        (["1;2"], [[0], [0]], {"field_delim": "ab"}, "field_delim should be only 1 char"),
    ],
)
def test_decode_csv_errors(sess, records, defaults, kwargs, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        sess.run(tf.decode_csv(records, defaults, **kwargs))


def test_decode_csv_options(sess):
    out = sess.run(tf.decode_csv(['"a""b",2'], [[""], [0]]))
    assert out[0].tolist() == [b'a"b']
    out = sess.run(tf.decode_csv(['"a""b",2'], [[""], [0]], use_quote_delim=False))
    assert out[0].tolist() == [b'"a""b"']
    out = sess.run(tf.decode_csv(["NA,NA"], [["d"], [3.0]], na_value="NA"))
    assert out[0].tolist() == [b"d"] and out[1].tolist() == [3.0]
    out = sess.run(tf.decode_csv(["1;2;3"], [[0], [0]], field_delim=";", select_cols=[0, 2]))
    assert [o.tolist() for o in out] == [[1], [3]]
    out = sess.run(tf.decode_csv([" 1,nan", "2 ,inf"], [[0], [0.0]]))
    np.testing.assert_array_equal(out[0], [1, 2])
    assert np.isnan(out[1][0]) and np.isinf(out[1][1])
    out = sess.run(tf.decode_csv(['"1"," 2 "'], [[0], [""]]))
    assert out[0].tolist() == [1] and out[1].tolist() == [b" 2 "]
    out = sess.run(tf.decode_csv([["1,2", "3,4"]], [[0], [np.int64(0)]]))
    np.testing.assert_array_equal(out[0], [[1, 3]])


def test_decode_csv_graph_time_errors():
    with pytest.raises(ValueError, match="select_cols is not strictly increasing"):
        tf.decode_csv(["1"], [[0], [0]], select_cols=[2, 0])
    with pytest.raises(ValueError, match="Length of select_cols and record_defaults"):
        tf.decode_csv(["1"], [[0], [0]], select_cols=[1])
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        tf.decode_csv(["true"], [[True]])
    with pytest.raises(ValueError, match="Shape of a default must be a length-0 or length-1"):
        tf.decode_csv(["1,2"], [[0, 1], [0]])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab ,"x', max_size=4), min_size=1, max_size=4),
        min_size=1,
        max_size=3,
    )
)
def test_split_record_round_trips_quoted_fields(rows):
    # Writing each field quoted (quotes doubled) and splitting gives the fields back.
    for row in rows:
        record = ",".join('"' + f.replace('"', '""') + '"' for f in row).encode()
        assert split_record(record, ord(","), True, None) == [f.encode() for f in row]


def test_string_to_number(sess):
    t = tf.string_to_number(["1.5", "2"])
    assert t.op.name == "StringToNumber" and t.dtype == tf.float32
    assert t.op.inputs[0].op.name == "StringToNumber/string_tensor"
    np.testing.assert_array_equal(sess.run(t), np.array([1.5, 2.0], np.float32))
    v = sess.run(tf.string_to_number([" 3 "], out_type=tf.int64))
    assert v.dtype == np.int64 and v.tolist() == [3]
    assert isinstance(sess.run(tf.string_to_number("4", out_type=tf.int32)), np.int32)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="StringToNumberOp could not correctly convert string: 1.5",
    ):
        sess.run(tf.string_to_number(["1.5"], out_type=tf.int32))
    with pytest.raises(TypeError, match="out_type"):
        tf.string_to_number("1", out_type=tf.bool)


def test_decode_raw(sess):
    t = tf.decode_raw(tf.constant([b"\x01\x00\x02\x00", b"\x03\x00\x04\x00"]), tf.int16)
    assert t.op.type == "DecodeRaw" and t.shape.as_list() == [2, None]
    v = sess.run(t)
    np.testing.assert_array_equal(v, [[1, 2], [3, 4]])
    assert v.dtype == np.int16
    assert sess.run(tf.decode_raw(tf.constant(b"\x01\x00\x02\x00"), tf.int32, False)) == [16777728]
    np.testing.assert_array_equal(sess.run(tf.decode_raw(b"\x00\x00\x80\x3f", tf.float32)), [1.0])
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Input to DecodeRaw has length 3 that is not a multiple of 2, the size of int16",
    ):
        sess.run(tf.decode_raw(tf.constant(b"\x01\x00\x02"), tf.int16))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="DecodeRaw requires input strings to all be the same size, but element 1 has "
        "size 2 != 4",
    ):
        sess.run(tf.decode_raw(tf.constant([b"\x01\x00", b"\x03\x00\x04\x00"]), tf.int16))
