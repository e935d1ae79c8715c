"""More everyday TF1 API against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_everyday_api.py): tf.searchsorted,
tf.histogram_fixed_width(_bins), the tf.debugging checks, ..."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/everyday_api/everyday_api.json"
    ).read_text()
)


# What teachflow builds differently from TF 2.21 for reasons outside these functions:
# a shape known while building is a Const named Shape, not Shape/shape_as_tensor. The
# gradient ops' names come from the gradient functions of the ops inside (tested with
# those ops), not from what this file covers.
def _comparable(ops):
    kept = []
    for op in ops:
        name, _ = op.rsplit(":", 1)
        if name.startswith("gradients"):
            continue
        kept.append(op.replace("/shape_as_tensor:", ":"))
    return sorted(kept)


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, (list, tuple)):
        return [_attr(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    return value


@pytest.mark.parametrize("name", sorted(RECORDS["programs"]))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS["programs"][name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(record["program"], scope)
        got_ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        assert _comparable(got_ops) == _comparable(record["ops"])
        for op_name, want in record["attrs"].items():
            op = g.get_operation_by_name(op_name)
            got = {k: _attr(v) for k, v in sorted(op._attrs.items()) if not k.startswith("_")}
            assert got == want, op_name
        with tf.Session() as sess:
            if "init" in scope:
                sess.run(scope["init"])
            values = sess.run(scope["outs"], scope.get("feed"))
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got = np.asarray(got, object if isinstance(got, bytes) else None)
        assert got.dtype.name == dtype
        if dtype == "object":  # strings, recorded as text
            want = np.vectorize(str.encode, otypes=[object])(np.asarray(want, object))
        want = np.asarray(want, dtype)
        if got.dtype.kind == "f":
            # Sums of a few hundred products (conv3d) in the dtype, in any order.
            eps = 256 * np.finfo(got.dtype).eps
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * np.abs(want).max())
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(RECORDS["errors"]))
def test_errors_are_tensorflows(name):
    record = RECORDS["errors"][name]
    with tf.Graph().as_default():
        scope = {"tf": tf}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"], scope.get("feed"))
    assert caught.value.message.split("\n\t [[")[0] == record["message"]


def test_print_writes_what_tensorflow_writes(capsys):
    record = RECORDS["print"]
    with tf.Graph().as_default():
        exec(record["script"].replace("import tensorflow.compat.v1 as tf", ""), {"tf": tf})
    out = capsys.readouterr()
    assert out.out == record["stdout"]
    assert out.err == record["stderr"]


def test_print_refuses_unknown_streams_and_keywords():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Unsupported output stream"):
            tf.print("x", output_stream="log")
        with pytest.raises(ValueError, match="Unrecognized keyword arguments for tf.print"):
            tf.print("x", colour="red")


def test_static_shapes_decide_while_building():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        with pytest.raises(
            ValueError, match="Tensor zeros:0 dimension 0 must have size 2.  Received size 3"
        ):
            tf.debugging.assert_shapes([(x, ("N", "D")), (tf.zeros([3]), ("N",))])
        with pytest.raises(ValueError, match="must have rank at least 3.  Received rank 2"):
            tf.debugging.assert_rank_at_least(x, 3)
        with pytest.raises(ValueError, match=r"must have rank in \(0, 1\).  Received rank 2"):
            tf.debugging.assert_rank_in(x, [0, 1])
        ok = tf.debugging.assert_rank_in(x, [1, 2])
        assert ok.type == "NoOp" and ok.name == "assert_rank_in_1/static_checks_determined_all_ok"


def test_dtype_and_iterable_checks():
    with tf.Graph().as_default():
        a, b = tf.constant(1.0, name="a"), tf.constant(1.0, tf.float64, name="b")
        assert tf.debugging.assert_same_float_dtype([a, None]) is tf.float32
        assert tf.debugging.assert_same_float_dtype() is tf.float32
        with pytest.raises(ValueError, match=r"b:0, type=<dtype: 'float64'>, must be of the same"):
            tf.debugging.assert_same_float_dtype([a, b])
        with pytest.raises(ValueError, match="Expected floating point type"):
            tf.debugging.assert_same_float_dtype([tf.constant(1)])
        assert tf.debugging.is_numeric_tensor(a) and not tf.debugging.is_numeric_tensor(True)
        assert not tf.debugging.is_numeric_tensor(tf.constant("s"))
        tf.debugging.assert_proper_iterable([a])
        for bad in (a, "abc", np.zeros(2)):
            with pytest.raises(TypeError, match="proper"):
                tf.debugging.assert_proper_iterable(bad)
        with pytest.raises(TypeError, match="to be iterable"):
            tf.debugging.assert_proper_iterable(3)


def test_a_template_may_not_make_trainable_variables_after_its_first_call():
    with tf.Graph().as_default():
        template = tf.make_template("bad", lambda: tf.Variable(1.0, name="v"))
        template()
        with pytest.raises(ValueError, match="Trainable variable created when calling a template"):
            template()
        with pytest.raises(ValueError, match="name cannot be None"):
            tf.make_template(None, lambda: None)
