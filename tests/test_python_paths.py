"""teachflow.python: the tensorflow.python modules TF1 programs import, at the same paths, and
what they print (recorded from TF 2.21's tensorflow.python.tools.inspect_checkpoint)."""

import contextlib
import io
import subprocess
import sys

import numpy as np
import pytest

import teachflow as tf


def test_each_path_is_teachflows_own_module():
    from teachflow.python.client import timeline
    from teachflow.python.framework import constant_op, dtypes, errors, graph_util, tensor_shape
    from teachflow.python.ops import rnn, rnn_cell
    from teachflow.python.platform import gfile, tf_logging
    from teachflow.python.saved_model import signature_constants, tag_constants

    assert gfile is tf.gfile and tf_logging is tf.logging and graph_util is tf.graph_util
    assert dtypes.float32 is tf.float32 and errors.NotFoundError is tf.errors.NotFoundError
    assert tensor_shape.TensorShape is tf.TensorShape and constant_op.constant is tf.constant
    assert rnn_cell.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert rnn.static_rnn is tf.nn.static_rnn and rnn.dynamic_rnn is tf.nn.dynamic_rnn
    assert tag_constants.SERVING == "serve"
    assert signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY == "serving_default"
    from teachflow.client import timeline as teachflow_timeline

    assert timeline is teachflow_timeline


def test_the_cookbooks_reset_through_framework_ops():
    from teachflow.python.framework import ops

    ops.reset_default_graph()
    graph = ops.get_default_graph()
    tf.constant(1.0, name="a")
    assert [op.name for op in graph.get_operations()] == ["a"]
    ops.reset_default_graph()
    assert ops.get_default_graph() is not graph
    assert ops.get_default_graph().get_operations() == []
    with ops.name_scope("outer"):
        assert ops.get_name_scope() == "outer"
    assert isinstance(ops.convert_to_tensor(2.0), ops.Tensor)
    assert ops.GraphKeys.TRAINABLE_VARIABLES == "trainable_variables"


def test_list_local_devices_prints_as_tensorflow():
    from teachflow.python.client import device_lib

    cpu, *rest = device_lib.list_local_devices()
    assert rest == []
    text = str(cpu)
    # TF 2.21 prints these lines (its incarnation is random too).
    lines = ['name: "/device:CPU:0"', 'device_type: "CPU"', "memory_limit: 268435456",
             "locality {", "}", "xla_global_id: -1"]  # fmt: skip
    assert [line for line in text.splitlines() if not line.startswith("incarnation")] == lines
    devices = device_lib.list_local_devices(tf.ConfigProto(simulated_gpus=2))
    assert [d.name for d in devices] == ["/device:CPU:0", "/device:GPU:0", "/device:GPU:1"]
    assert [d.device_type for d in devices] == ["CPU", "GPU", "GPU"]
    assert devices[2].physical_device_desc.startswith("device: 1, name: simulated")


EXPECTED = """\
---all
tensor: scope/z (int64) [2, 2]
[[1 2]
 [3 4]]
tensor: v1 (float32) [2]
[1. 2.]
tensor: v2 (int32) []
3
# Total number of params: 7
---one
tensor: v1 (float32) [2]
[1. 2.]
# Total number of params: 7
---none
scope/z (DT_INT64) [2,2]
v1 (DT_FLOAT) [2]
v2 (DT_INT32) []

# Total number of params: 7
---names
tensor: scope/z (int64) [2, 2]
tensor: v1 (float32) [2]
tensor: v2 (int32) []
# Total number of params: 7
---exclude
tensor: scope/z (int64) [2, 2]
tensor: v1 (float32) [2]
tensor: v2 (int32) []
# Excluding 1 tensors (4 params) that match scope when counting.
# Total number of params: 3
---missing
Tensor nope not found in checkpoint
---badfile
Unsuccessful TensorSliceReader constructor: Failed to find any matching files for DIR/nothere
"""


@pytest.fixture
def checkpoint(tmp_path):
    with tf.Graph().as_default():
        tf.Variable([1.0, 2.0], name="v1")
        tf.Variable(3, name="v2")
        tf.Variable([[1, 2], [3, 4]], dtype=tf.int64, name="scope/z")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))


def test_inspect_checkpoint_prints_tensorflows_lines(checkpoint, tmp_path):
    from teachflow.python.tools import inspect_checkpoint as chkp

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        calls = [
            ("all", dict(tensor_name="", all_tensors=True)),
            ("one", dict(tensor_name="v1", all_tensors=False)),
            ("none", dict(tensor_name="", all_tensors=False)),
            ("names", dict(tensor_name="", all_tensors=False, all_tensor_names=True)),
            (
                "exclude",
                dict(
                    tensor_name="",
                    all_tensors=False,
                    all_tensor_names=True,
                    count_exclude_pattern="scope",
                ),
            ),  # fmt: skip
            ("missing", dict(tensor_name="nope", all_tensors=False)),
        ]
        for label, kwargs in calls:
            print(f"---{label}")
            chkp.print_tensors_in_checkpoint_file(checkpoint, **kwargs)
        print("---badfile")
        chkp.print_tensors_in_checkpoint_file(str(tmp_path / "nothere"), "", True)
    assert out.getvalue() == EXPECTED.replace("DIR", str(tmp_path))


def test_inspect_checkpoint_as_a_command(checkpoint):
    run = [sys.executable, "-m", "teachflow.python.tools.inspect_checkpoint"]
    done = subprocess.run(
        run + [f"--file_name={checkpoint}", "--tensor_name=v1"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout == "tensor: v1 (float32) [2]\n[1. 2.]\n# Total number of params: 7\n"
    usage = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert usage.returncode == 1 and usage.stdout.startswith("Usage: inspect_checkpoint")


def test_old_rnn_imports_build_the_same_graph():
    from teachflow.python.ops import rnn, rnn_cell

    with tf.Graph().as_default():
        tf.set_random_seed(1)
        x = tf.constant(np.ones((2, 3, 4), np.float32))
        cell = rnn_cell.BasicLSTMCell(5)
        outputs, state = rnn.static_rnn(cell, tf.unstack(x, 3, 1), dtype=tf.float32)
        assert len(outputs) == 3 and outputs[-1].shape.as_list() == [2, 5]
        assert [v.op.name for v in tf.trainable_variables()] == [
            "rnn/basic_lstm_cell/kernel",
            "rnn/basic_lstm_cell/bias",
        ]
