"""tf.Assert and the tf.assert_* family against TensorFlow's messages (recorded by
tests/fixtures/tensorflow/record_asserts.py): at run time, and while building when the
values are constants."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/asserts/cases.json").read_text()
)
RUNTIME = {
    "assert_equal": lambda x: tf.assert_equal(x, tf.constant([1, 3]), message="mismatch"),
    "assert_none_equal": lambda x: tf.assert_none_equal(x, tf.constant([1, 3])),
    "assert_positive": lambda x: tf.assert_positive(x),
    "assert_non_negative": lambda x: tf.assert_non_negative(x, message="counts"),
    "assert_negative": lambda x: tf.assert_negative(x),
    "assert_greater": lambda x: tf.assert_greater(x, 0, summarize=1),
    "assert_less_equal": lambda x: tf.assert_less_equal(x, -5),
    "Assert": lambda x: tf.Assert(tf.reduce_all(x > 0), [x, "text"]),
    "assert_less_passes": lambda x: tf.assert_less(x, 2, data=[x], summarize=1),
    "assert_rank": lambda x: tf.assert_rank(x, 2),
}
STATIC = {
    "assert_equal": lambda: tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3])),
    "assert_equal_message": lambda: tf.assert_equal(
        tf.constant([1, 2]), tf.constant([1, 3]), message="mismatch"
    ),
    "assert_rank": lambda: tf.assert_rank(tf.constant([1, 2]), 2),
    "assert_scalar": lambda: tf.assert_scalar(tf.constant([1, 2])),
}


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_runtime_assertions_match_tensorflow(name):
    x = tf.placeholder(tf.int32, name="x")
    op = RUNTIME[name](x)
    expected = RECORD["runtime"][name]
    assert op.type == expected["op_type"]
    with tf.Session() as sess:
        if expected["failure"] is None:
            sess.run(op, {x: RECORD["feed"]})
            return
        with pytest.raises(getattr(tf.errors, expected["failure"]["error"])) as info:
            sess.run(op, {x: RECORD["feed"]})
    assert expected["failure"]["message"] in str(info.value)


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_assertions_fail_while_building_as_tensorflow(name):
    expected = RECORD["static"][name]
    error = (
        getattr(tf.errors, expected["error"], None) or {"ValueError": ValueError}[expected["error"]]
    )
    with pytest.raises(error) as info:
        STATIC[name]()
    text = info.value.message if hasattr(info.value, "message") else str(info.value)
    assert text == expected["message"]


def test_passing_static_checks_still_build_the_assert_and_guard_a_computation():
    # TF checks constants at once and builds the (int32-only, so unguarded) Assert anyway.
    assert tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 2])).type == "Assert"
    x = tf.constant([1, 2])
    assert tf.assert_equal(x, x).type == "NoOp"  # a tensor compared with itself
    assert tf.assert_scalar(tf.constant(1.0)).dtype == tf.float32
    x = tf.placeholder(tf.float32)
    with tf.control_dependencies([tf.assert_positive(x)]):
        y = tf.sqrt(x)
    with tf.Session() as sess:
        assert sess.run(y, {x: 4.0}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0"):
            sess.run(y, {x: -1.0})
    with pytest.raises(TypeError, match="Expected integer type"):
        tf.assert_integer(tf.constant(1.0))
    with pytest.raises(TypeError, match="must be of type tf.int32"):
        tf.assert_type(tf.constant(1.0), tf.int32)
