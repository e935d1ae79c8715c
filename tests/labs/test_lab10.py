"""Lab 10 (beyond teachflow): the reference answers pass, typical wrong ones get hints."""

import json

import teachflow as tf
from teachflow import viz
from teachflow.labs.lab10 import recorded


def test_device_of_c(lab):
    run = tf.RunMetadata.FromString(recorded("run_metadata.pb").read_bytes())
    rows = {r.node: r.device for r in viz.show_placement(run).rows}
    assert lab.check("device_of_c", rows["c"])
    assert lab.check("device_of_c", "/cpu:1")
    assert not lab.check("device_of_c", "/cpu:0")


def test_kernel_of_b(lab):
    run = tf.RunMetadata.FromString(recorded("run_metadata.pb").read_bytes())
    rows = {r.node: r.op_type for r in viz.show_placement(run).rows}
    assert lab.check("kernel_of_b", rows["b"])
    wrong = lab.check("kernel_of_b", "MatMul")
    assert not wrong and "graph you built" in wrong.feedback


def test_loss_after_restore(lab):
    record = json.loads(recorded("resource_graph.json").read_text())
    batch = {"x:0": record["feeds"]["x"], "y:0": record["feeds"]["y"]}
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(str(recorded("ckpt/model.ckpt-3.meta")))
        with tf.Session() as sess:
            saver.restore(sess, str(recorded("ckpt") / "model.ckpt-3"))
            assert lab.check("loss_after_restore", sess.run("loss:0", batch))
    assert not lab.check("loss_after_restore", record["loss_before"])


def test_device_of_read(lab):
    from teachflow.cluster import LocalCluster
    from teachflow.labs.tensorflow_client import run_tensorflow_client

    cluster = LocalCluster(ps=1, workers=1)
    try:
        run = run_tensorflow_client(cluster.target("worker", 0), replay=True)
    finally:
        cluster.stop()
    assert run.result("list_fetch") == [3.0, 3.0]
    rows = {r.node: r.device for r in viz.show_placement(run.run_metadata).rows}
    assert lab.check("device_of_read", rows["c/ReadVariableOp"])
    wrong = lab.check("device_of_read", "/job:worker/task:0/cpu:0")
    assert not wrong and "separate node" in wrong.feedback
