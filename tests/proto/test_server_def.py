"""ServerDef and the messages users print: the text TensorFlow prints, recorded by
tests/fixtures/tensorflow/record_text_format.py."""

import json
import pathlib

import teachflow as tf
from teachflow.distributed.ports import free_ports
from teachflow.proto.server_def import ServerDef

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/text_format/cases.json").read_text()
)
TEXT = RECORD["text"]


def _config(spec):
    spec = dict(spec)
    if "gpu_options" in spec:
        spec["gpu_options"] = tf.GPUOptions(**spec["gpu_options"])
    if "graph_options" in spec:
        spec["graph_options"] = tf.GraphOptions(**spec["graph_options"])
    return tf.ConfigProto(**spec)


def test_server_def_prints_as_tensorflow():
    cluster = tf.train.ClusterSpec(RECORD["cluster"]).as_cluster_def()
    assert str(ServerDef(cluster, "worker", 1)) == TEXT["server_def_worker1"]
    assert repr(ServerDef(cluster, "worker", 1)) == TEXT["server_def_worker1"]
    placement = _config(RECORD["configs"]["config_placement"])
    with_config = ServerDef(cluster, "ps", 0, default_session_config=placement)
    assert str(with_config) == TEXT["server_def_ps0_config"]
    assert str(cluster) == TEXT["cluster_def"]


def test_a_running_servers_server_def():
    (port,) = free_ports(1)
    spec = {"worker": [f"localhost:{port}"]}
    config = tf.ConfigProto(allow_soft_placement=True)
    server = tf.train.Server(spec, job_name="worker", task_index=0, config=config, start=False)
    try:
        text = str(server.server_def)
    finally:
        server.stop()
    cluster = tf.train.ClusterSpec(spec).as_cluster_def()
    assert text == str(ServerDef(cluster, "worker", 0, default_session_config=config))
    assert 'job_name: "worker"' in text and "task_index" not in text  # 0 is proto3's default
    assert "default_session_config {\n  allow_soft_placement: true\n}\n" in text
