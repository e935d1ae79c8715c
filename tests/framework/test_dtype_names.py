"""Every spelling of a dtype TensorFlow accepts, checked against TF's own answers.

The table was recorded from TensorFlow (tests/fixtures/tensorflow/record_dtypes.py).
"""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

TABLE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/dtypes/as_dtype.json").read_text()
)


def _value(spelling):
    kind, _, rest = spelling.partition(":")
    if kind == "enum":
        return int(rest)
    if kind == "numpy":
        return getattr(np, rest)
    if kind == "python":
        return {"float": float, "bool": bool, "object": object}[rest]
    return spelling


@pytest.mark.parametrize("spelling", sorted(TABLE))
def test_as_dtype_answers_as_tensorflow(spelling):
    expected = TABLE[spelling]
    if isinstance(expected, dict):
        with pytest.raises(TypeError) as info:
            tf.as_dtype(_value(spelling))
        assert str(info.value) == expected["message"]
    else:
        assert tf.as_dtype(_value(spelling)).name == expected


def test_none_is_not_a_dtype():
    # numpy reads None as float64; TensorFlow refuses it.
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`: None"):
        tf.as_dtype(None)


def test_new_dtypes_properties():
    assert tf.complex64.is_complex and tf.complex64.real_dtype is tf.float32
    assert tf.uint32.is_unsigned and tf.uint64.is_integer and not tf.int8.is_unsigned
    assert tf.uint16.max == 65535 and tf.complex128.size == 16


def test_string_names_work_wherever_a_dtype_is_taken():
    x = tf.placeholder("float", [None, 2])
    c = tf.constant([1, 2], "double")
    k = tf.cast(c, "int32")
    v = tf.Variable(tf.zeros([2], "float"), dtype="float")
    with tf.variable_scope("names"):
        g = tf.get_variable("g", [2], "float", initializer=tf.constant_initializer(1.5))
    z = tf.ones([2], "int64") + tf.zeros([2], np.int64)
    r = tf.random_uniform([2], dtype="double")
    q = tf.FIFOQueue(3, ["float", "int32"], shapes=[[], []])
    enq = q.enqueue([1.0, 2])
    assert x.dtype is tf.float32 and c.dtype is tf.float64 and k.dtype is tf.int32
    assert v.dtype.base_dtype is tf.float32 and g.dtype.base_dtype is tf.float32
    assert z.dtype is tf.int64 and r.dtype is tf.float64 and q.dtypes == [tf.float32, tf.int32]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(enq)
        out_k, out_g, (qa, qb) = sess.run([k, g, q.dequeue()])
    np.testing.assert_array_equal(out_k, np.array([1, 2], np.int32))
    assert out_k.dtype == np.int32 and out_g.tolist() == [1.5, 1.5]
    assert qa.dtype == np.float32 and qb.dtype == np.int32
