"""Devices: simulated GPUs, GPU memory options, visible devices, list_devices."""

import pytest

import teachflow as tf
from teachflow.sim import get_profile

TASK = "/job:localhost/replica:0/task:0"


def names(sess):
    return [d.name for d in sess.list_devices()]


def test_cpu_only_by_default(monkeypatch):
    monkeypatch.delenv("TEACHFLOW_SIMULATED_GPUS", raising=False)
    tf.constant(1)
    with tf.Session() as sess:
        assert names(sess) == [f"{TASK}/device:CPU:0"]
        assert sess.list_devices()[0].device_type == "CPU"


def test_simulated_gpus_from_config_and_environment(monkeypatch):
    tf.constant(1)
    with tf.Session(config=tf.ConfigProto(simulated_gpus=4)) as sess:
        assert names(sess) == [f"{TASK}/device:CPU:0"] + [
            f"{TASK}/device:GPU:{i}" for i in range(4)
        ]
    monkeypatch.setenv("TEACHFLOW_SIMULATED_GPUS", "2")
    monkeypatch.setenv("TEACHFLOW_SIMULATED_GPU_PROFILE", "v100")
    with tf.Session() as sess:
        devs = sess.list_devices()
        assert [d.device_type for d in devs] == ["CPU", "GPU", "GPU"]
        assert "Tesla V100" in devs[1].physical_device_desc


def test_memory_fraction_sets_the_limit():
    tf.constant(1)
    total = get_profile("k80").memory_bytes
    cfg = tf.ConfigProto(
        simulated_gpus=1, gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25)
    )
    with tf.Session(config=cfg) as sess:
        gpu = sess.list_devices()[1]
        assert gpu.memory_limit_bytes == int(total * 0.25)


def test_allow_growth_reserves_lazily():
    tf.constant(1)
    grab = tf.Session(config=tf.ConfigProto(simulated_gpus=1))
    grow = tf.Session(
        config=tf.ConfigProto(simulated_gpus=1, gpu_options=tf.GPUOptions(allow_growth=True))
    )
    try:
        assert grab.devices[1].allocator.reserved_bytes == grab.devices[1].allocator.limit
        assert grow.devices[1].allocator.reserved_bytes == 0
    finally:
        grab.close()
        grow.close()


def test_visible_device_list_and_cuda_visible_devices(monkeypatch):
    tf.constant(1)
    cfg = tf.ConfigProto(simulated_gpus=4, gpu_options=tf.GPUOptions(visible_device_list="3,1"))
    with tf.Session(config=cfg) as sess:
        gpus = [d for d in sess.devices if d.device_type == "GPU"]
        assert [d.name for d in gpus] == [f"{TASK}/device:GPU:0", f"{TASK}/device:GPU:1"]
        assert [d.physical.id for d in gpus] == [3, 1]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    with tf.Session(config=tf.ConfigProto(simulated_gpus=4)) as sess:
        gpus = [d for d in sess.devices if d.device_type == "GPU"]
        assert len(gpus) == 1 and gpus[0].physical.id == 2
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with tf.Session(config=tf.ConfigProto(simulated_gpus=4)) as sess:
        assert [d.device_type for d in sess.devices] == ["CPU"]


def test_bad_visible_device_list():
    tf.constant(1)
    cfg = tf.ConfigProto(simulated_gpus=2, gpu_options=tf.GPUOptions(visible_device_list="5"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="invalid GPU id '5'"):
        tf.Session(config=cfg)


def test_device_count_caps_gpus():
    tf.constant(1)
    cfg = tf.ConfigProto(simulated_gpus=4, device_count={"GPU": 1})
    with tf.Session(config=cfg) as sess:
        assert [d.device_type for d in sess.devices] == ["CPU", "GPU"]


def test_unknown_profile_is_a_clear_error():
    tf.constant(1)
    with pytest.raises(ValueError, match="Unknown simulated GPU profile 'gtx9000'"):
        tf.Session(config=tf.ConfigProto(simulated_gpus=1, simulated_gpu_profile="gtx9000"))


def test_log_device_placement_prints_the_device_mapping(capsys):
    tf.constant(1)
    with tf.Session(config=tf.ConfigProto(simulated_gpus=1, log_device_placement=True)):
        pass
    out = capsys.readouterr().out
    assert "Device mapping:" in out
    assert f"{TASK}/device:GPU:0 -> device: 0, name: simulated Tesla K80" in out
