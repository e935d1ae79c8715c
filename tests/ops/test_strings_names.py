"""tf.strings.unsorted_segment_join, unicode_script, unicode_transcode and tf.fingerprint
against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_strings_names.py, tensorflow-cpu 2.21): the modules
teachflow/ops/segment_join_ops.py, unicode_ops.py and fingerprint_ops.py."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.fingerprint_ops import fingerprint_rows
from teachflow.ops.unicode_ops import scripts_of, transcode

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/strings_names/strings_names.json"
    ).read_text()
)


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, bytes):
        return value.decode()
    return value


@pytest.mark.parametrize("name", sorted(RECORDS["programs"]))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS["programs"][name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(record["program"], scope)
        assert sorted(f"{op.name}:{op.type}" for op in g.get_operations()) == record["ops"]
        for op_name, want in record["attrs"].items():
            op = g.get_operation_by_name(op_name)
            got = {k: _attr(v) for k, v in op._attrs.items() if not k.startswith("_")}
            assert {k: got.get(k) for k in want} == want, op_name
        for t, shape in zip(scope["outs"], record["static_shapes"], strict=True):
            assert (t.shape.as_list() if t.shape.dims is not None else None) == shape, t.name
        with tf.Session() as sess:
            values = sess.run(scope["outs"])
    for i, (got, want, dtype, shape) in enumerate(
        zip(values, record["values"], record["dtypes"], record["shapes"], strict=True)
    ):
        got = np.asarray(got, object if isinstance(got, bytes) else None)
        assert (got.dtype.name, list(got.shape)) == (dtype, shape), i
        if dtype == "object":  # bytes, recorded as latin-1 text
            want = np.vectorize(lambda s: s.encode("latin-1"), otypes=[object])(
                np.asarray(want, object)
            )
        np.testing.assert_array_equal(got, np.asarray(want, dtype).reshape(shape), err_msg=str(i))


@pytest.mark.parametrize("name", sorted(RECORDS["errors"]))
def test_errors_are_tensorflows(name):
    record = RECORDS["errors"][name]
    with tf.Graph().as_default():
        scope = {"tf": tf}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"])
    assert caught.value.message.split("\n\t [[")[0] == record["message"]


def test_the_script_table_covers_every_code_point():
    scripts = scripts_of(np.array([-5, 0, 0x41, 0x10FFFF, 0x110000]))
    assert scripts.tolist() == [-1, 0, 25, 103, -1]


def test_transcoding_keeps_valid_text_and_marks_each_invalid_sequence_once():
    text = "añ€😀"
    for encoding in ("UTF-8", "UTF-16-BE", "UTF-32-BE"):
        out = transcode(text.encode(), "UTF-8", encoding)
        assert out.decode(encoding.lower()) == text
    assert transcode(b"\xe2\x82x", "UTF-8", "UTF-8", replacement_char=ord("#")) == b"#x"
    assert transcode(b"a\x01", "UTF-8", "UTF-8", "ignore", replace_control_characters=True) == (
        b"a"
    )


def test_unsupported_output_encodings_and_error_modes_fail_while_building():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="output_encoding"):
            tf.strings.unicode_transcode(["a"], "UTF-8", "UTF-16-LE")
        with pytest.raises(ValueError, match="errors"):
            tf.strings.unicode_transcode(["a"], "UTF-8", "UTF-8", errors="skip")


def test_a_fingerprint_depends_on_the_row_not_on_other_rows():
    data = np.array([[1, 2], [3, 4]], np.int32)
    np.testing.assert_array_equal(fingerprint_rows(data)[1], fingerprint_rows(data[1:])[0])
    strings = np.array([[b"ab", b"c"]], object)
    assert not np.array_equal(
        fingerprint_rows(strings), fingerprint_rows(np.array([[b"a", b"bc"]], object))
    )
