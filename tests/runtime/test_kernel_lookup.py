"""A node's kernel constructor for a device, or TensorFlow's "No OpKernel" error."""

import pytest

import teachflow as tf
from teachflow.runtime.devices import make_local_devices
from teachflow.runtime.kernel_lookup import kernel_constructor


@pytest.fixture
def cpu_and_gpu():
    cpu, gpu = make_local_devices(tf.ConfigProto(simulated_gpus=1))
    return cpu, gpu


def test_the_registered_constructor_builds_a_working_kernel(cpu_and_gpu):
    cpu, _ = cpu_and_gpu
    c = tf.constant([1.0, 2.0], name="c")
    kernel = kernel_constructor(c.op, cpu)(c.op, cpu)
    assert kernel is not None


def test_no_kernel_for_the_device_type_is_tensorflows_error(cpu_and_gpu):
    _, gpu = cpu_and_gpu
    # A summary op has only a CPU kernel, as in TensorFlow.
    merged = tf.summary.merge([tf.summary.scalar("loss", 1.0)], name="merged")
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        kernel_constructor(merged.op, gpu)
    message = info.value.message
    assert "No OpKernel was registered to support Op 'MergeSummary'" in message
    assert f"{{{{node {merged.op.name}}}}}" in message and gpu.name in message
    assert "device='CPU'" in message and "device='GPU'" not in message
    assert info.value.op is merged.op
