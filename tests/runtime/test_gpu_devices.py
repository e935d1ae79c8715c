"""The same programs on the CPU and on a real GPU (cupy); the GPU case is skipped when
this machine has none. Simulated GPUs run everywhere."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime.devices import _real_gpus

HAS_GPU = bool(_real_gpus())
# `pytest -m gpu` runs only these, on a machine with a GPU.
NEEDS_GPU = pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU with cupy")

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param("simulated_gpu", id="simulated_gpu"),
    pytest.param("gpu", id="gpu", marks=[pytest.mark.gpu, NEEDS_GPU]),
]


def config_for(kind):
    if kind == "simulated_gpu":
        return tf.ConfigProto(simulated_gpus=1)
    return tf.ConfigProto()


@pytest.mark.parametrize("kind", DEVICES)
def test_a_small_model_gives_numpy_values(kind):
    rng = np.random.default_rng(1)
    x_val = rng.normal(size=(8, 3)).astype(np.float32)
    w_val = rng.normal(size=(3, 2)).astype(np.float32)
    device = "/cpu:0" if kind == "cpu" else "/gpu:0"
    with tf.device(device):
        x = tf.placeholder(tf.float32, [None, 3])
        w = tf.Variable(w_val)
        logits = tf.matmul(x, w) + 1.0
        probs = tf.nn.softmax(logits)
        total = tf.reduce_sum(probs, axis=1)
    with tf.Session(config=config_for(kind)) as sess:
        sess.run(w.initializer)
        p, t = sess.run([probs, total], {x: x_val})
        placed = {r.node: r.device for r in sess.placement_records()}
    z = x_val @ w_val + 1.0
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(t, np.ones(8), rtol=1e-5)
    assert type(p) is np.ndarray  # results come back to the host
    expected = "CPU:0" if kind == "cpu" else "GPU:0"
    assert placed["MatMul"].endswith(expected)


@pytest.mark.gpu
@NEEDS_GPU
def test_real_gpu_values_live_in_device_memory():
    import cupy

    with tf.device("/gpu:0"):
        a = tf.constant(np.ones((4, 4), np.float32))
        b = tf.matmul(a, a)
    with tf.Session() as sess:
        gpu = next(d for d in sess.devices if d.device_type == "GPU")
        assert gpu.xp is cupy and not gpu.simulated
        np.testing.assert_array_equal(sess.run(b), np.full((4, 4), 4.0, np.float32))
