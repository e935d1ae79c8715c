"""IndexedSlices gradients and the sparse optimizer updates, checked against TensorFlow.

The programs are in tests/fixtures/tensorflow/indexed_slices_programs.py; what TensorFlow
2.21 (ref variables) gives for them was recorded by record_indexed_slices.py into
indexed_slices/programs.json.
"""

import importlib.util
import json
import pathlib
import warnings

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors
from teachflow.ops.indexed_slices import IndexedSlices, IndexedSlicesValue
from teachflow.train import sparse_training_ops

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "indexed_slices_programs", FIXTURES / "indexed_slices_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "indexed_slices" / "programs.json").read_text())
F32 = dict(rtol=1e-5, atol=1e-6)  # float32 steps, a few roundings apart


def _close(got, want, path=""):
    if isinstance(want, dict):
        assert set(got) == set(want), path
        for k in want:
            _close(got[k], want[k], f"{path}/{k}")
    elif isinstance(want, list) and want and isinstance(want[0], dict):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, f"{path}[{i}]")
    elif isinstance(want, (list, float)) and not (
        isinstance(want, list) and want and isinstance(want[0], str)
    ):
        np.testing.assert_allclose(
            np.asarray(got, float), np.asarray(want, float), **F32, err_msg=path
        )
    else:
        assert got == want, path


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_program_matches_tensorflow(name):
    _close(programs.PROGRAMS[name](tf), RECORDED[name], name)


def test_gradient_is_fetched_as_an_indexed_slices_value():
    with tf.Graph().as_default():
        table = tf.Variable(programs.TABLE)
        (grad,) = tf.gradients(tf.reduce_sum(tf.gather(table, [4, 4])), table)
        assert isinstance(grad, IndexedSlices)
        assert grad.shape == tf.TensorShape([6, 2])
        with tf.Session() as sess:
            sess.run(table.initializer)
            value = sess.run(grad)
    assert isinstance(value, IndexedSlicesValue)
    assert value.indices.tolist() == [4, 4] and value.dense_shape.tolist() == [6, 2]


def test_densifying_an_unknown_shape_warns_as_tensorflow():
    with tf.Graph().as_default():
        shape = tf.placeholder(tf.int32, [2])
        slices = IndexedSlices(tf.ones([1, 2]), tf.constant([0]), shape)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dense = tf.convert_to_tensor(slices)
    assert dense.op.type == "UnsortedSegmentSum"
    assert "to a dense Tensor of unknown shape" in str(caught[0].message)


def test_without_dense_shape_it_cannot_be_densified():
    with tf.Graph().as_default():
        slices = IndexedSlices(tf.ones([1, 2]), tf.constant([0]))
        with pytest.raises(ValueError, match="without dense_shape"):
            tf.convert_to_tensor(slices)


def test_a_constraint_on_a_sparsely_updated_variable_is_refused():
    with tf.Graph().as_default():
        table = tf.Variable(programs.TABLE, constraint=lambda v: v)
        loss = tf.reduce_sum(tf.gather(table, [1]))
        with pytest.raises(RuntimeError, match="constraint function on a sparse variable"):
            tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)


def test_repeated_indices_are_applied_one_after_another():
    # TF's CPU kernels walk the indices in order: a repeated row is updated twice.
    with tf.Graph().as_default():
        var = tf.Variable([[1.0], [1.0]])
        accum = tf.Variable([[0.1], [0.1]])
        step = sparse_training_ops.sparse_apply_adagrad(
            var, accum, 1.0, tf.constant([[1.0], [1.0]]), tf.constant([0, 0])
        )
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step.op)
            got_var, got_accum = sess.run([var, accum])
    first = 1.0 - 1.0 / np.sqrt(1.1)
    np.testing.assert_allclose(got_var[0, 0], first - 1.0 / np.sqrt(2.1), rtol=1e-6)
    np.testing.assert_allclose(got_accum.ravel(), [2.1, 0.1], rtol=1e-6)


def test_an_index_out_of_range_is_reported_as_tensorflow():
    with tf.Graph().as_default():
        var = tf.Variable([[1.0], [1.0]])
        accum = tf.Variable([[0.0], [0.0]])
        step = sparse_training_ops.sparse_apply_momentum(
            var, accum, 0.1, tf.constant([[1.0]]), tf.constant([2]), 0.9
        )
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError, match="Index 2 at offset 0"):
                sess.run(step.op)


def test_resource_twins_update_the_handles_rows():
    # The ops a TF 2 compat.v1 optimizer emits for a resource variable (imported graphs).
    from teachflow.ops import resource_variable_ops as rv

    g = tf.Graph()
    with g.as_default():
        var = rv.var_handle_op(tf.float32, [3, 1], shared_name="var")
        accum = rv.var_handle_op(tf.float32, [3, 1], shared_name="accum")
        init = [
            rv.assign_variable_op(var, tf.constant([[1.0], [2.0], [3.0]])),
            rv.assign_variable_op(accum, tf.constant([[1.0], [1.0], [1.0]])),
        ]
        lr, momentum = tf.constant(0.5), tf.constant(0.5)
        grad, indices = tf.constant([[2.0]]), tf.constant([1])
        step = g.create_op(
            "ResourceSparseApplyMomentum",
            [var, accum, lr, grad, indices, momentum],
            {"T": tf.float32, "Tindices": tf.int32, "use_locking": False, "use_nesterov": False},
            name="step",
        )
        add = g.create_op(
            "ResourceScatterAdd",
            [var, tf.constant([0, 0]), tf.constant([[1.0], [1.0]])],
            {"dtype": tf.float32, "Tindices": tf.int32},
            name="add",
        )
        read = rv.read_variable_op(var, tf.float32)
    with tf.Session(graph=g) as sess:
        sess.run(init)
        sess.run(step)
        np.testing.assert_allclose(sess.run(read).ravel(), [1.0, 0.75, 3.0])
        sess.run(add)
        np.testing.assert_allclose(sess.run(read).ravel(), [3.0, 0.75, 3.0])
