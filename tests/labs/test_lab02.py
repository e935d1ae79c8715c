"""Lab 02 (placing operations): reference answers pass, typical wrong ones get feedback."""

import teachflow as tf
from teachflow.labs.lab02 import soft_placement_graph


def test_placement_of_c(lab):
    with tf.device("/cpu:0"):
        a = tf.Variable(3.0, name="a")
    with tf.device("/gpu:1"):
        b = tf.constant(4.0, name="b")
    c = a * b
    with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
        sess.run(a.initializer)
        sess.run(c)
        where = {r.node: r.device for r in sess.placement_records()}
    assert lab.check("placement_of_c", where[c.op.name])
    assert lab.check("placement_of_c", "/gpu:0")
    assert "was not" in lab.check("placement_of_c", "/gpu:1").feedback
    assert "pinned to the CPU" in lab.check("placement_of_c", "/cpu:0").feedback


def test_device_function(lab):
    def variables_on_cpu(op):
        return "/cpu:0" if op.type == "VariableV2" else "/gpu:1"

    assert lab.check("device_function", variables_on_cpu)
    everything_on_gpu1 = lab.check("device_function", lambda op: "/gpu:1")
    assert "`w`" in everything_on_gpu1.feedback and everything_on_gpu1.hint
    on_gpu0 = lab.check(
        "device_function", lambda op: "/cpu:0" if "Variable" in op.type else "/gpu:0"
    )
    assert "GPU:0" in on_gpu0.feedback
    assert "callable" in lab.check("device_function", "/gpu:1").feedback


def test_soft_placed(lab):
    counter, fetches = soft_placement_graph()
    config = tf.ConfigProto(simulated_gpus=2, allow_soft_placement=True)
    with tf.Session(config=config) as sess:
        sess.run(counter.initializer)
        sess.run(fetches)
        moved = [r.node for r in sess.placement_records() if "soft" in r.reason]
    assert set(moved) >= {"counter", "scale", "label"}
    assert lab.check("soft_placed", moved)
    assert "missing" in lab.check("soft_placed", ["counter", "scale"]).feedback
    assert not lab.check("soft_placed", moved + ["total"])


def test_soft_placement_graph_fails_without_soft_placement():
    counter, _ = soft_placement_graph()
    with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
        try:
            sess.run(counter.initializer)
        except tf.errors.InvalidArgumentError as e:
            assert "Cannot assign a device" in e.message
        else:
            raise AssertionError("an int32 variable on a GPU should not be placeable")


def test_memory_limit(lab):
    config = tf.ConfigProto(
        simulated_gpus=2,
        simulated_gpu_profile="v100",
        gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25),
    )
    with tf.Session(config=config) as sess:
        limit = {d.name: d.memory_limit_bytes for d in sess.list_devices()}
    assert lab.check("memory_limit", limit["/job:localhost/replica:0/task:0/device:GPU:1"])
    assert "whole card" in lab.check("memory_limit", 16 * 2**30).feedback
    assert "own memory" in lab.check("memory_limit", 2 * 2**30).feedback
