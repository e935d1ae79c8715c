"""tf.config: the process's devices and the settings a Session made without a config starts
from, as TF 2.21's tf.compat.v1 (checked side by side: the session's default ConfigProto
takes the soft placement and thread counts set here)."""

import pytest

import teachflow as tf
from teachflow.runtime import context


@pytest.fixture(autouse=True)
def restore_settings():
    saved, growth = dict(context.settings), dict(context.memory_growth)
    yield
    context.settings.update(saved)
    context.memory_growth.clear()
    context.memory_growth.update(growth)


def test_devices_of_a_cpu_process(monkeypatch):
    monkeypatch.delenv("TEACHFLOW_SIMULATED_GPUS", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # no real GPU either
    cpu = tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
    assert tf.config.list_physical_devices() == [cpu]
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("CPU") == [cpu]
    assert repr(cpu) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    assert tf.config.list_logical_devices() == [tf.config.LogicalDevice("/device:CPU:0", "CPU")]
    with pytest.raises(ValueError, match="Cannot set memory growth on non-GPU"):
        tf.config.experimental.set_memory_growth(cpu, True)


def test_simulated_gpus_and_memory_growth(monkeypatch):
    monkeypatch.setenv("TEACHFLOW_SIMULATED_GPUS", "2")
    gpus = tf.config.list_physical_devices("GPU")
    assert [g.name for g in gpus] == ["/physical_device:GPU:0", "/physical_device:GPU:1"]
    assert [d.name for d in tf.config.list_logical_devices("GPU")] == [
        "/device:GPU:0",
        "/device:GPU:1",
    ]
    tf.config.experimental.set_memory_growth(gpus[1], True)
    assert tf.config.experimental.get_memory_growth(gpus[1])
    assert not tf.config.experimental.get_memory_growth(gpus[0])
    with tf.Session() as sess:
        growth = {d.name.rsplit("/", 1)[-1]: d.allocator.allow_growth for d in sess._devices}
    assert growth["device:GPU:0"] is False and growth["device:GPU:1"] is True


def test_a_session_without_config_takes_the_settings(monkeypatch):
    monkeypatch.delenv("TEACHFLOW_SIMULATED_GPUS", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with tf.device("/gpu:0"):
        y = tf.constant(1.0) * 2
    assert tf.config.get_soft_device_placement() is False
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError):
        sess.run(y)
    tf.config.set_soft_device_placement(True)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(2)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    with tf.Session() as sess:
        assert sess.run(y) == 2.0
        config = sess._config
    assert config.allow_soft_placement and config.intra_op_parallelism_threads == 1
    assert config.inter_op_parallelism_threads == 2
    with tf.Session(config=tf.ConfigProto()) as sess:  # a given config is the config
        assert not sess._config.allow_soft_placement
