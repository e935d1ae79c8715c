"""tf.Print's text and check_numerics' errors, as TensorFlow writes them (recorded by
tests/fixtures/tensorflow/record_debugging.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/debugging/cases.json").read_text()
)


@pytest.mark.parametrize("case", RECORD["print"], ids=lambda c: repr(c["case"][1]))
def test_print_writes_what_tensorflow_writes(case, capfd):
    data, message, first_n, summarize, runs = case["case"]
    x = tf.constant(0)
    p = tf.Print(x, [tf.constant(d) for d in data], message, first_n, summarize)
    with tf.Session() as sess:
        for _ in range(runs):
            assert sess.run(p) == 0  # the input passes through
    assert capfd.readouterr().err.splitlines() == case["lines"]


def test_print_is_an_identity_for_gradients():
    x = tf.constant([1.0, 2.0])
    (g,) = tf.gradients(tf.reduce_sum(tf.Print(x, [x]) * 3.0), x)
    with tf.Session() as sess:
        assert sess.run(g).tolist() == [3.0, 3.0]


@pytest.mark.parametrize(
    "values, key",
    [([1.0, np.nan], "nan"), ([1.0, np.inf], "inf"), ([np.inf, np.nan], "both")],
)
def test_check_numerics_fails_with_tensorflows_words(values, key):
    c = tf.check_numerics(tf.constant(np.asarray(values, np.float32)), "bad value")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(c)
    assert RECORD[f"check_numerics_{key}"] in str(info.value) and "CheckNumerics" in str(info.value)


def test_verify_tensor_all_finite_passes_finite_values():
    t = tf.verify_tensor_all_finite(tf.constant([1.0, 2.0]), "must be finite")
    with tf.Session() as sess:
        assert sess.run(t).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.check_numerics(tf.constant([1]), "ints")
