"""tf.compat.v1: TF2-era notebooks' `import tensorflow.compat.v1 as tf` works unchanged."""

import teachflow as tf
import teachflow.compat.v1 as v1


def test_compat_v1_is_the_whole_api():
    assert tf.compat.v1 is v1
    for name in ("Session", "placeholder", "Variable", "global_variables_initializer"):
        assert getattr(v1, name) is getattr(tf, name)
    assert v1.train.Saver is tf.train.Saver and v1.data.Dataset is tf.data.Dataset
    assert v1.errors.OutOfRangeError is tf.errors.OutOfRangeError
    assert v1.__version__ == tf.__version__


def test_a_tf2_era_preamble_runs_a_graph():
    v1.disable_v2_behavior()
    v1.disable_eager_execution()
    assert v1.executing_eagerly() is False
    x = v1.placeholder(v1.float32, [None], name="x")
    y = v1.reduce_sum(x * 2.0)
    with v1.Session() as sess:
        assert sess.run(y, {x: [1.0, 2.0]}) == 6.0


def test_text_helpers_and_type_tuples_are_tensorflows():
    # Values and errors as TF 2.21's tf.compat (checked side by side).
    import pathlib

    import numpy as np
    import pytest

    assert tf.compat.as_bytes("é") == b"\xc3\xa9" and tf.compat.as_bytes(bytearray(b"a")) == b"a"
    assert tf.compat.as_str(b"x") == "x" and tf.compat.as_text("y") == "y"
    assert tf.compat.as_str_any(3) == "3" and tf.compat.as_str_any(b"z") == "z"
    with pytest.raises(TypeError, match="Expected binary or unicode string, got 3"):
        tf.compat.as_bytes(3)
    with pytest.raises(TypeError, match=r"got bytearray\(b'a'\)"):
        tf.compat.as_text(bytearray(b"a"))
    assert tf.compat.path_to_str(pathlib.Path("/a/b")) == "/a/b" and tf.compat.path_to_str(3) == 3
    assert tf.compat.bytes_or_text_types == (bytes, str)
    assert isinstance(np.int8(1), tf.compat.integral_types)
    assert isinstance(np.float16(1), tf.compat.real_types)
    assert tf.compat.forward_compatible(2020, 1, 1) and not tf.compat.forward_compatible(2030, 1, 1)
    with tf.compat.forward_compatibility_horizon(2031, 1, 1):
        assert tf.compat.forward_compatible(2030, 1, 1)
    assert not tf.compat.forward_compatible(2030, 1, 1)
    assert v1.compat is tf.compat


def test_tensor_spec_is_tensorflows():
    import pytest

    spec = tf.TensorSpec([None, 3], tf.float32, "x")
    assert repr(spec) == "TensorSpec(shape=(?, 3), dtype=tf.float32, name='x')" == str(spec)
    assert repr(tf.TensorSpec(None, tf.int32)) == (
        "TensorSpec(shape=<unknown>, dtype=tf.int32, name=None)"
    )
    assert repr(tf.TensorSpec([2], "int64")) == "TensorSpec(shape=(2,), dtype=tf.int64, name=None)"
    x = tf.placeholder(tf.float32, [4, 3], name="inp")
    assert spec.is_compatible_with(x) and spec.is_compatible_with(tf.TensorSpec([4, 3]))
    assert not spec.is_compatible_with(tf.TensorSpec([4, 2]))
    assert not spec.is_compatible_with(tf.TensorSpec([4, 3], tf.int32))
    assert not spec.is_compatible_with([[1.0, 2.0, 3.0]])
    assert repr(tf.TensorSpec.from_tensor(x)) == (
        "TensorSpec(shape=(4, 3), dtype=tf.float32, name='inp')"
    )
    assert tf.TensorSpec.from_spec(spec, name="y").name == "y"
    assert spec == tf.TensorSpec([None, 3], tf.float32, "x") != tf.TensorSpec([None, 3])
    with pytest.raises(TypeError):
        tf.TensorSpec([1], "nope")
    assert tf.OpError is tf.errors.OpError
    assert tf.graph_util.import_graph_def is tf.import_graph_def
