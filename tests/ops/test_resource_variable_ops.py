"""Resource variables (TF 2's compat.v1 default) run in teachflow: a training graph TF wrote
imports and trains to TF's numbers; each op's values and errors as TF gives them."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import resource_variable_ops as rv
from teachflow.proto import messages
from teachflow.train import resource_training_ops as rto

FORMATS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "formats"
EPS32 = float(np.finfo(np.float32).eps)


def test_a_tensorflow_training_graph_with_resource_variables_trains_to_tfs_numbers():
    record = json.loads((FORMATS / "resource_graph.json").read_text())
    gd = messages.GraphDef.FromString((FORMATS / "resource_graph.pb").read_bytes())
    ops = {n.op for n in gd.node}
    assert {"VarHandleOp", "ReadVariableOp", "AssignVariableOp", "VarIsInitializedOp"} <= ops
    assert {"ResourceApplyGradientDescent", "ResourceApplyMomentum"} <= ops
    feed = {"x:0": record["feeds"]["x"], "y:0": record["feeds"]["y"]}
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            sess.run(record["init"])
            # A few dozen float32 operations per value: a tolerance of a few hundred ulps.
            tol = 256 * EPS32
            assert sess.run(record["loss"], feed) == pytest.approx(record["loss_before"], rel=tol)
            for _ in range(3):
                sess.run(record["train"], feed)
            assert sess.run(record["loss"], feed) == pytest.approx(
                record["loss_after_3_steps"], rel=tol
            )
            w = sess.run("w/Read/ReadVariableOp:0")
            np.testing.assert_allclose(w, record["w_after"], rtol=tol)
            assert sess.run("global_step/Read/ReadVariableOp:0") == 3


def handle_graph():
    h = rv.var_handle_op(tf.float32, [2], shared_name="v", name="v")
    return h, rv.read_variable_op(h, tf.float32)


def test_reading_an_uninitialized_resource_variable_is_a_failed_precondition():
    h, read = handle_graph()
    with tf.Session() as sess:
        assert not sess.run(rv.var_is_initialized_op(h))
        with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable v"):
            sess.run(read)


def test_assign_add_sub_and_is_initialized():
    h, read = handle_graph()
    init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]))
    with tf.control_dependencies([init]):
        add = rv.assign_add_variable_op(h, tf.constant([1.0, 1.0]))
    sub = rv.assign_sub_variable_op(h, tf.constant([0.5, 0.5]))
    assert add.outputs == () or len(add.outputs) == 0
    assert read.shape.as_list() == [2]
    with tf.Session() as sess:
        sess.run(add)
        sess.run(sub)
        np.testing.assert_array_equal(sess.run(read), [1.5, 2.5])
        assert sess.run(rv.var_is_initialized_op(h))


def test_update_with_the_wrong_shape_names_both_shapes():
    h, _ = handle_graph()
    init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]))
    bad = rv.assign_add_variable_op(h, tf.placeholder(tf.float32, [None]))
    with tf.Session() as sess:
        sess.run(init)
        with pytest.raises(tf.errors.InvalidArgumentError, match="shape \\[2\\] using a Tensor"):
            sess.run(bad, {"Placeholder:0": [1.0, 2.0, 3.0]})


def test_two_handles_with_one_shared_name_share_the_value():
    a = rv.var_handle_op(tf.float32, [], shared_name="shared", name="a")
    b = rv.var_handle_op(tf.float32, [], shared_name="shared", name="b")
    init = rv.assign_variable_op(a, tf.constant(4.0))
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run(rv.read_variable_op(b, tf.float32)) == 4.0


def test_resource_apply_gradient_descent_and_gather():
    h, read = handle_graph()
    init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]))
    step = rto.resource_apply_gradient_descent(h, 0.5, tf.constant([2.0, 4.0]))
    from teachflow.framework.graph import get_default_graph

    gather = get_default_graph().create_op(
        "ResourceGather", [h, tf.constant([1, 1, 0])], {"dtype": tf.float32}
    )
    with tf.Session() as sess:
        sess.run(init)
        sess.run(step)
        np.testing.assert_array_equal(sess.run(read), [0.0, 0.0])
        np.testing.assert_array_equal(sess.run(gather.outputs[0]), [0.0, 0.0, 0.0])


def test_a_ref_where_a_handle_belongs_is_a_type_error():
    v = tf.Variable([1.0], name="v")
    with pytest.raises(TypeError, match="expected type of resource"):
        rv.read_variable_op(v.op.outputs[0], tf.float32)


def test_readers_of_a_handle_run_where_the_variable_lives_unless_pinned():
    with tf.device("/cpu:0"):
        h = rv.var_handle_op(tf.float32, [2], shared_name="v", name="v")
    init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]), name="init")
    read = rv.read_variable_op(h, tf.float32, name="read")
    with tf.device("/gpu:0"):
        pinned = rv.read_variable_op(h, tf.float32, name="pinned")
    with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as sess:
        sess.run(init)
        np.testing.assert_array_equal(sess.run(read * 2.0), [2.0, 4.0])
        np.testing.assert_array_equal(sess.run(pinned), [1.0, 2.0])
        where = {r.node: r.device for r in sess.placement_records()}
    assert where["init"].endswith("CPU:0") and where["read"].endswith("CPU:0")
    assert where["pinned"].endswith("GPU:0")
