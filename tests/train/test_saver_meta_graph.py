"""Meta graphs are TensorFlow's MetaGraphDef both ways: TF's .meta (resource variables, two
optimizers) imports, restores TF's checkpoint and trains in teachflow; teachflow's .meta
holds what TF writes and TF imports it (check_teachflow_files.py's recorded verdict)."""

import json
import pathlib
import shutil

import pytest

import teachflow as tf
from teachflow.proto import messages
from teachflow.proto import tensor_bundle_pb2 as extra_pb2

FORMATS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "formats"
EPS32 = 1.1920929e-07


@pytest.fixture
def tf_ckpt(tmp_path):
    return shutil.copytree(FORMATS / "ckpt", tmp_path / "ckpt")


def test_tensorflows_meta_graph_restores_and_trains(tf_ckpt):
    record = json.loads((FORMATS / "resource_graph.json").read_text())
    feed = {"x:0": record["feeds"]["x"], "y:0": record["feeds"]["y"]}
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(str(tf_ckpt / "model.ckpt-3.meta"))
        assert [v.name for v in tf.trainable_variables()] == ["w:0", "b:0"]
        assert "global_step:0" in [v.name for v in tf.global_variables()]
        assert [op.name for op in tf.get_collection(tf.GraphKeys.TRAIN_OP)] == [
            "train",
            "momentum_train",
        ]
        with tf.Session() as sess:
            saver.restore(sess, str(tf_ckpt / "model.ckpt-3"))
            loss = sess.run("loss:0", feed)
            assert loss == pytest.approx(record["loss_after_3_steps"], rel=64 * EPS32)
            sess.run("train", feed)
            assert sess.run("loss:0", feed) < loss
            again = saver.save(sess, str(tf_ckpt / "again"), global_step=4)
    assert tf.train.list_variables(again)[0][0] == "b"


def test_teachflows_meta_graph_is_a_meta_graph_def(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable([1.0, 2.0], name="v")
        loss = tf.reduce_sum(tf.square(v), name="loss")
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
        tf.add_to_collection("my_numbers", 3)
        queue = tf.FIFOQueue(2, [tf.float32], shapes=[[]], name="q")
        tf.train.add_queue_runner(tf.train.QueueRunner(queue, [queue.enqueue([1.0])]))
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(v.initializer)
            path = saver.save(sess, str(tmp_path / "m"))
    meta = messages.MetaGraphDef.FromString((tmp_path / "m.meta").read_bytes())
    used = {n.op for n in meta.graph_def.node}
    assert {op.name for op in meta.meta_info_def.stripped_op_list.op} == used
    assert meta.saver_def.restore_op_name == saver.saver_def.restore_op_name
    var = messages.VariableDef.FromString(meta.collection_def["variables"].bytes_list.value[0])
    assert (var.variable_name, var.initializer_name, var.snapshot_name) == (
        "v:0",
        "v/Assign",
        "v/read:0",
    )
    assert list(meta.collection_def["train_op"].node_list.value) == [train.name]
    assert list(meta.collection_def["my_numbers"].int64_list.value) == [3]
    runner = extra_pb2.QueueRunnerDef.FromString(
        meta.collection_def["queue_runners"].bytes_list.value[0]
    )
    assert runner.queue_name == "q" and list(runner.enqueue_op_name) == ["q_enqueue"]
    with tf.Graph().as_default():
        restored = tf.train.import_meta_graph(path + ".meta", import_scope="copy")
        assert [r.queue.name for r in tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)] == ["copy/q"]
        assert tf.get_collection("my_numbers") == [3]
        with tf.Session() as sess:
            restored.restore(sess, path)
            assert sess.run("copy/loss:0") == 5.0


def test_export_meta_graph_as_text_and_clear_devices(tmp_path):
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            tf.Variable(1.0, name="v")
        meta = tf.train.export_meta_graph(
            str(tmp_path / "g.pbtxt"), as_text=True, clear_devices=True
        )
    assert all(n.device == "" for n in meta.graph_def.node)
    assert (tmp_path / "g.pbtxt").read_text().startswith("meta_info_def {")
    with tf.Graph().as_default():
        assert tf.train.import_meta_graph(str(tmp_path / "g.pbtxt")) is None
        assert [v.name for v in tf.global_variables()] == ["v:0"]


def test_tensorflow_imports_teachflows_meta_graph_and_run_metadata():
    verdict = json.loads((FORMATS / "teachflow_files_verdicts.json").read_text())
    meta = verdict["import_meta_graph"]
    assert meta["ok"], meta
    assert meta["result"]["queue_runners"] == 1 and meta["result"]["trainable"] == 2
    assert (
        verdict["run_metadata"]["ok"] and "MatMul" in verdict["run_metadata"]["result"]["op_types"]
    )
    assert verdict["graph_pbtxt"]["ok"]


def test_a_file_that_is_no_meta_graph_is_refused(tmp_path):
    (tmp_path / "bad.meta").write_bytes(b"\xff\xfe not a message")
    with pytest.raises(OSError, match="not a MetaGraphDef"):
        tf.train.import_meta_graph(str(tmp_path / "bad.meta"))
