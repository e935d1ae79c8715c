"""tf.ConfigProto and tf.RunOptions print TensorFlow's text format (recorded by
tests/fixtures/tensorflow/record_text_format.py)."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/text_format/cases.json").read_text()
)


def _config(spec):
    spec = dict(spec)
    if "gpu_options" in spec:
        spec["gpu_options"] = tf.GPUOptions(**spec["gpu_options"])
    if "graph_options" in spec:
        spec["graph_options"] = tf.GraphOptions(**spec["graph_options"])
    return tf.ConfigProto(**spec)


@pytest.mark.parametrize("name", sorted(RECORD["configs"]))
def test_config_proto_prints_as_tensorflow(name):
    assert str(_config(RECORD["configs"][name])) == RECORD["text"][name]


def test_run_options_print_the_trace_level_by_name():
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, timeout_in_ms=1000)
    assert str(options) == RECORD["text"]["run_options_full_trace"]


def test_teachflow_fields_follow_as_comments():
    text = str(tf.ConfigProto(log_device_placement=True, simulated_gpus=2))
    assert text == "log_device_placement: true\n# teachflow: simulated_gpus: 2\n"
    assert tf.ConfigProto(simulated_gpus=2).to_proto().ByteSize() == 0


def test_a_config_shows_as_tensorflows_text_in_a_notebook_cell():
    # TF 2.21: repr of a message is its text, so a cell ending in `config` shows this.
    cfg = tf.ConfigProto(
        allow_soft_placement=True,
        inter_op_parallelism_threads=2,
        gpu_options=tf.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.5),
    )
    assert (
        repr(cfg)
        == str(cfg)
        == (
            "inter_op_parallelism_threads: 2\n"
            "gpu_options {\n  per_process_gpu_memory_fraction: 0.5\n  allow_growth: true\n}\n"
            "allow_soft_placement: true\n"
        )
    )
    assert repr(tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)) == "trace_level: FULL_TRACE\n"
    assert repr(tf.ConfigProto()) == ""
