"""variable_scope / get_variable: naming, sharing (reuse), defaults and TF's errors."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import dtypes


def _op_names():
    return [op.name for op in tf.get_default_graph().get_operations()]


# -- creating variables -----------------------------------------------------------------------
def test_get_variable_creates_a_variable_in_the_scope():
    with tf.variable_scope("layer") as scope:
        w = tf.get_variable("w", [3, 4])
    assert isinstance(w, tf.Variable)
    assert w.name == "layer/w:0" and w.shape.as_list() == [3, 4] and w.dtype == dtypes.float32_ref
    assert scope.name == "layer" and scope.original_name_scope == "layer/"
    assert w in tf.global_variables() and w in tf.trainable_variables()


def test_initializer_ops_live_under_the_variable():
    with tf.variable_scope("layer"):
        tf.get_variable("w", [3, 4])
    names = _op_names()
    assert names[:7] == [
        "layer/w/Initializer/random_uniform/shape",
        "layer/w/Initializer/random_uniform/min",
        "layer/w/Initializer/random_uniform/max",
        "layer/w/Initializer/random_uniform/RandomUniform",
        "layer/w/Initializer/random_uniform/sub",
        "layer/w/Initializer/random_uniform/mul",
        "layer/w/Initializer/random_uniform",
    ]
    assert names[7:] == ["layer/w", "layer/w/Assign", "layer/w/read"]


def test_default_initializer_is_glorot_uniform(sess):
    w = tf.get_variable("w", [40, 60])
    sess.run(w.initializer)
    v = sess.run(w)
    limit = np.sqrt(6.0 / 100)
    assert v.dtype == np.float32 and np.abs(v).max() <= limit
    assert v.std() > limit / 3


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64, tf.bool])
def test_default_initializer_for_non_floats_is_zeros(sess, dtype):
    v = tf.get_variable("v", [3], dtype=dtype)
    assert v.initial_value.op.name == "v/Initializer/zeros"
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(v), np.zeros(3, dtype.as_numpy_dtype))


def test_initializer_argument(sess):
    v = tf.get_variable("v", [2], initializer=tf.constant_initializer(3.0))
    assert v.initial_value.op.name == "v/Initializer/Const"
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(v), [3.0, 3.0])


def test_initializer_class_is_instantiated(sess):
    v = tf.get_variable("v", [2], initializer=tf.ones_initializer)
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(v), [1.0, 1.0])


def test_initializer_may_be_a_value_or_tensor(sess):
    a = tf.get_variable("a", initializer=np.array([1.0, 2.0], np.float32))
    b = tf.get_variable("b", initializer=tf.constant([1, 2]))
    assert a.shape.as_list() == [2] and b.dtype == dtypes.int32_ref
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(b), [1, 2])


def test_plain_function_initializer(sess):
    v = tf.get_variable("v", [2], initializer=lambda shape, dtype: tf.constant(7.0, shape=shape))
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(v), [7.0, 7.0])


def test_scope_initializer_and_dtype_are_inherited():
    with tf.variable_scope("s", initializer=tf.constant_initializer(3.0), dtype=tf.float64) as s:
        x = tf.get_variable("x", [2])
        with tf.variable_scope("deeper"):
            y = tf.get_variable("y", [2])
    assert s.dtype == tf.float64
    assert x.dtype == dtypes.float64_ref and y.dtype == dtypes.float64_ref
    assert y.name == "s/deeper/y:0"
    assert x.initial_value.op.name == "s/x/Initializer/Const"


def test_trainable_collections_and_local_variables():
    t = tf.get_variable("t", [1], trainable=False)
    assert t in tf.global_variables() and t not in tf.trainable_variables()
    c = tf.get_variable("c", [1], collections=["mine"])
    assert tf.get_collection("mine") == [c] and c not in tf.global_variables()
    loc = tf.get_local_variable("loc", [1])
    assert loc.name == "loc:0" and tf.local_variables() == [loc]
    assert loc not in tf.trainable_variables()


def test_regularizer_adds_a_loss():
    def reg(v):
        return tf.multiply(v, 2.0)

    with tf.variable_scope("s", regularizer=reg):
        tf.get_variable("w", [2])
        tf.get_variable("u", [2], regularizer=tf.no_regularizer)
    (loss,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert loss.op.name == "s/w/Regularizer/Mul"


def test_custom_getters_compose():
    calls = []

    def outer(getter, name, *args, **kwargs):
        calls.append(("outer", name))
        return getter(name, *args, **kwargs)

    def inner(getter, name, *args, **kwargs):
        calls.append(("inner", name))
        return getter(name, *args, **kwargs)

    with tf.variable_scope("a", custom_getter=outer):
        with tf.variable_scope("b", custom_getter=inner):
            v = tf.get_variable("v", [1])
    assert v.name == "a/b/v:0"
    assert calls == [("inner", "a/b/v"), ("outer", "a/b/v")]


# -- errors at creation ------------------------------------------------------------------------------
def test_existing_variable_without_reuse_is_an_error():
    with tf.variable_scope("layer"):
        tf.get_variable("w", [3, 4])
        with pytest.raises(ValueError) as info:
            tf.get_variable("w", [3, 4])
    message = str(info.value)
    assert message.startswith(
        "Variable layer/w already exists, disallowed. Did you mean to set reuse=True or "
        "reuse=tf.AUTO_REUSE in VarScope?"
    )
    assert "Originally defined at:" in message and "test_variable_scope.py" in message


def test_missing_variable_with_reuse_is_an_error():
    with tf.variable_scope("layer", reuse=True):
        with pytest.raises(
            ValueError,
            match=(
                r"Variable layer/w does not exist, or was not created with tf.get_variable\(\). "
                r"Did you mean to set reuse=tf.AUTO_REUSE in VarScope\?"
            ),
        ):
            tf.get_variable("w", [3, 4])


def test_shape_and_dtype_mismatch_on_reuse():
    with tf.variable_scope("layer"):
        tf.get_variable("w", [3, 4])
    with tf.variable_scope("layer", reuse=True):
        with pytest.raises(
            ValueError,
            match=r"Trying to share variable layer/w, but specified "
            r"shape \(3, 5\) and found shape \(3, 4\)\.",
        ):
            tf.get_variable("w", [3, 5])
        with pytest.raises(ValueError, match="specified dtype int32 and found dtype float32_ref"):
            tf.get_variable("w", [3, 4], dtype=tf.int32)


def test_shape_is_required_without_initializer():
    with pytest.raises(ValueError, match="did not get an initializer, so its `shape` argument"):
        tf.get_variable("q")
    with pytest.raises(ValueError, match="The initializer passed is not valid"):
        tf.get_variable("q", [None, 2])


def test_constant_initializer_with_shape_is_an_error():
    with pytest.raises(ValueError, match="If initializer is a constant, do not specify shape."):
        tf.get_variable("q", [2], initializer=np.zeros(2))


def test_constant_initializer_dtype_mismatch():
    with pytest.raises(
        ValueError,
        match="Initializer type '<dtype: 'float64'>' and explicit "
        "dtype '<dtype: 'float32'>' don't match.",
    ):
        tf.get_variable("q", initializer=np.zeros(2), dtype=tf.float32)
    assert _op_names() == []  # the check builds nothing in the graph


def test_a_scopes_partitioner_shards_its_variables():
    # (tests/ops/test_partitioned_variables.py checks the shards against TensorFlow's.)
    with tf.variable_scope("s", partitioner=lambda shape, dtype: [2]):
        p = tf.get_variable("p", [4])
    assert [v.name for v in p] == ["s/p/part_0:0", "s/p/part_1:0"]


# -- reuse -------------------------------------------------------------------------------------------
def test_reuse_true_returns_the_same_variable():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 4])
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("w") is w
        assert tf.get_variable("w", [3, 4]) is w
        assert tf.get_variable_scope().reuse is True


def test_auto_reuse_creates_once():
    for _ in range(2):
        with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
            a = tf.get_variable("a", [2])
    assert [v.name for v in tf.global_variables()] == ["auto/a:0"]
    assert a.name == "auto/a:0"
    assert repr(tf.AUTO_REUSE) == "<_ReuseMode.AUTO_REUSE: 1>"


def test_reuse_variables_method_and_inheritance():
    with tf.variable_scope("r") as r:
        w = tf.get_variable("w", [1])
        r.reuse_variables()
        assert tf.get_variable_scope().reuse is True
        assert tf.get_variable("w") is w
        with tf.variable_scope("inner", reuse=False) as inner:
            assert inner.reuse is True  # reuse is inherited; False means "inherit"
    assert tf.get_variable_scope().reuse is False


def test_reentering_a_scope_object():
    with tf.variable_scope("layer") as scope:
        w = tf.get_variable("w", [2])
    with tf.variable_scope(scope, reuse=True) as again:
        assert again.name == "layer" and again.original_name_scope == "layer/"
        assert tf.get_variable("w") is w
        # Ops get a new name scope; variables keep the variable scope's name.
        assert tf.constant(0.0).name == "layer_1/Const:0"
        with tf.variable_scope("sub") as sub:
            assert sub.name == "layer/sub" and sub.original_name_scope == "layer_1/sub/"


def test_reentering_root_scope_opens_no_name_scope():
    w = tf.get_variable("w", [1])
    with tf.name_scope("outer"):
        with tf.variable_scope(tf.get_variable_scope(), reuse=True):
            assert tf.get_variable("w") is w
            assert tf.constant(0).name == "outer/Const:0"


# -- names and nesting -----------------------------------------------------------------------------------
def test_variable_scope_opens_a_name_scope():
    with tf.variable_scope("layer"):
        c1 = tf.constant(1.0)
    with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
        c2 = tf.constant(1.0)
    assert c1.name == "layer/Const:0" and c2.name == "layer_1/Const:0"


def test_name_scope_does_not_prefix_variables():
    with tf.name_scope("ns"):
        with tf.variable_scope("vs") as vs:
            v = tf.get_variable("v", [1])
            c = tf.constant(0)
    assert v.name == "vs/v:0"
    assert vs.original_name_scope == "ns/vs/" and c.name == "ns/vs/Const:0"


def test_default_names_are_made_unique():
    with tf.variable_scope(None, default_name="block") as b1:
        pass
    with tf.variable_scope(None, default_name="block") as b2:
        pass
    assert (b1.name, b2.name) == ("block", "block_1")
    assert b2.original_name_scope == "block_1/"


def test_nested_default_names_restart_in_a_new_parent():
    names = []
    for _ in range(2):
        with tf.variable_scope(None, default_name="outer"):
            with tf.variable_scope(None, default_name="inner") as inner:
                names.append(inner.name)
    assert names == ["outer/inner", "outer_1/inner"]


def test_auxiliary_name_scope_false():
    with tf.name_scope("ns"):
        with tf.variable_scope("vs", auxiliary_name_scope=False) as vs:
            c = tf.constant(0)
    assert vs.name == "vs" and c.name == "ns/Const:0"


def test_values_pick_the_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
    with tf.variable_scope("s", values=[x]):
        v = tf.get_variable("v", [1])
    assert v.graph is g


def test_scope_collections():
    with tf.variable_scope("a") as a:
        w = tf.get_variable("w", [1])
        loc = tf.get_local_variable("l", [1])
    tf.get_variable("b", [1])
    assert a.global_variables() == [w]
    assert a.trainable_variables() == [w]
    assert a.local_variables() == [loc]


def test_stores_are_per_graph():
    tf.get_variable("w", [1])
    with tf.Graph().as_default():
        assert tf.get_variable("w", [1]).name == "w:0"  # no "already exists"
        assert tf.get_variable_scope().name == ""


def test_variable_scope_errors():
    with pytest.raises(TypeError, match="If default_name is None then name_or_scope is required"):
        tf.variable_scope(None)
    with pytest.raises(ValueError, match="The reuse parameter must be True or False or None."):
        tf.variable_scope("z", reuse=3)
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="x", reuse=True):
            pass
    with pytest.raises(TypeError, match="name_or_scope must be a string or VariableScope"):
        with tf.variable_scope(3):
            pass
    # A failed entry leaves no scope behind.
    assert tf.get_variable_scope().name == "" and tf.get_default_graph().get_name_scope() == ""


def test_scopes_are_restored_after_an_exception():
    with pytest.raises(RuntimeError):
        with tf.variable_scope("boom"):
            raise RuntimeError
    assert tf.get_variable_scope().name == ""
    assert tf.constant(0).name == "Const:0"


def test_trained_variable_is_shared_between_two_towers(sess):
    def tower(x):
        w = tf.get_variable("w", [], initializer=tf.constant_initializer(2.0))
        return x * w

    with tf.variable_scope("model"):
        y1 = tower(tf.constant(3.0))
    with tf.variable_scope("model", reuse=True):
        y2 = tower(tf.constant(5.0))
    sess.run(tf.global_variables_initializer())
    assert sess.run([y1, y2]) == [6.0, 10.0]
    assert len(tf.trainable_variables()) == 1


def test_default_scope_names_follow_tensorflow_through_closing_and_reentering():
    import importlib.util
    import json
    import pathlib

    here = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow"
    spec = importlib.util.spec_from_file_location("rvs", here / "record_variable_scopes.py")
    recorder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorder)
    expected = json.loads((here / "variable_scopes/names.json").read_text())
    assert recorder.program(tf) == expected


def test_opening_many_variable_scopes_is_linear():
    # Each scope's exit scanned every scope ever opened (as TF's own store does): 8000
    # scopes took 20 s, 4x the time per scope of 1000.
    from tests.scaling import growth

    def prepare(n):
        g = tf.Graph()

        def build():
            with g.as_default():
                for i in range(n):
                    with tf.variable_scope(f"layer{i}"):
                        with tf.variable_scope(None, default_name="block"):
                            pass

        return build

    assert growth(prepare, 1000, 8000, tries=2) < 2.5
