"""tf.py_func against TensorFlow (tests/fixtures/tensorflow/record_py_func.py): values,
names, string outputs, the errors a function's failures become, no gradient."""

import json
import pathlib
import re

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/py_func/cases.json").read_text()
)


def _fails_with(exception):
    def func(x):
        raise exception("from the function")

    return func


def test_values_names_and_strings_match_tensorflow():
    a = tf.py_func(lambda x, y: x * 2 + y, [tf.constant([1.0, 2.0]), tf.constant(1.0)], tf.float32)
    b = tf.py_func(
        lambda x: (x, x.astype(np.int32)), [tf.constant([1.5])], [tf.float32, tf.int32], name="two"
    )
    s = tf.py_func(lambda: np.array([b"a", b"bc"]), [], tf.string, stateful=False)
    with tf.Session() as sess:
        assert sess.run(a).tolist() == RECORD["a"]["value"]
        assert [v.tolist() for v in sess.run(b)] == RECORD["b"]["values"]
        assert [v.decode() for v in sess.run(s)] == RECORD["s"]["value"]
    assert (a.name, a.op.type) == (RECORD["a"]["name"], RECORD["a"]["type"])
    assert [t.name for t in b] == RECORD["b"]["names"] and s.op.type == RECORD["s"]["type"]
    assert (tf.gradients(a, a.op.inputs[0]) == [None]) is RECORD["gradient_is_none"]


@pytest.mark.parametrize("name", sorted(RECORD["errors"]))
def test_a_failing_function_fails_the_step_as_in_tensorflow(name):
    exception = {
        "ValueError": ValueError,
        "StopIteration": StopIteration,
        "ZeroDivisionError": ZeroDivisionError,
        "NotImplementedError": NotImplementedError,
    }[name]
    t = tf.py_func(_fails_with(exception), [tf.constant(1.0)], tf.float32)
    with tf.Session() as sess:
        with pytest.raises(getattr(tf.errors, RECORD["errors"][name])) as info:
            sess.run(t)
    assert "from the function" in str(info.value) and t.op.name in str(info.value)


def test_a_wrong_dtype_is_named():
    t = tf.py_func(lambda: np.float64(1.0), [], tf.float32)
    with tf.Session() as sess:
        with pytest.raises(getattr(tf.errors, RECORD["wrong_dtype"]["error"])) as info:
            sess.run(t)
    token = t.op._attrs["token"]
    assert re.sub(r"pyfunc_\d+", token, RECORD["wrong_dtype"]["line"]) in str(info.value)


def test_py_func_in_a_dataset_map_stays_callable_after_tracing(sess):
    # The map function's graph is dropped after tracing; the outer graph keeps the function.
    ds = tf.data.Dataset.range(3).map(lambda x: tf.py_func(lambda v: v * 10, [x], tf.int64))
    nxt = ds.make_one_shot_iterator().get_next()
    import gc

    gc.collect()
    assert [sess.run(nxt) for _ in range(3)] == [0, 10, 20]


def test_py_function_hands_eager_style_values_as_tensorflow(sess):
    seen = {}

    def f(x, s):
        seen.update(x=repr(x), dtype=x.dtype, shape=x.shape, words=s.numpy().split())
        return x.numpy() * 2 + len(s.numpy().split()), np.float32(x.shape[0])

    x = tf.constant([1, 2, 3], tf.int64)
    y, z = tf.py_function(f, [x, tf.constant(b"a b c")], [tf.int64, tf.float32])
    # TF 2.21's op: EagerPyFunc with Tin, Tout, is_async and token; unknown static shapes.
    assert y.op.type == "EagerPyFunc" and sorted(y.op.node_def.attr) == [
        "Tin",
        "Tout",
        "is_async",
        "token",
    ]
    assert y.shape.ndims is None and y.dtype == tf.int64
    got_y, got_z = sess.run([y, z])
    assert got_y.tolist() == [5, 7, 9] and got_z == np.float32(3.0)
    assert seen["dtype"] == tf.int64 and seen["shape"].as_list() == [3]
    assert seen["words"] == [b"a", b"b", b"c"]
    assert seen["x"] == "<tf.Tensor: shape=(3,), dtype=int64, numpy=array([1, 2, 3])>"


def test_py_function_in_a_dataset_map_and_its_errors(sess):
    ds = tf.data.Dataset.range(4).map(lambda v: tf.py_function(lambda a: a * 10 + 1, [v], tf.int64))
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    assert [int(sess.run(nxt)) for _ in range(4)] == [1, 11, 21, 31]

    def bad(a):
        raise ValueError("nope")

    with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: nope"):
        sess.run(tf.py_function(bad, [tf.constant(1)], tf.int64))
