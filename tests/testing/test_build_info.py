"""tf.test's build and machine questions, with TensorFlow 2.21's answers where they are
the same machine's (CPU-only build: no GPU name, every CPU target known)."""

import importlib.util
import os
from unittest import mock

import pytest

import teachflow as tf


def test_no_gpu_gives_an_empty_name():
    with mock.patch.dict(os.environ, {"TEACHFLOW_SIMULATED_GPUS": "0"}):
        if tf.test.is_gpu_available():
            pytest.skip("this machine has a real GPU")
        assert tf.test.gpu_device_name() == ""


def test_a_simulated_gpu_is_named_like_tensorflows_first_gpu():
    with mock.patch.dict(os.environ, {"TEACHFLOW_SIMULATED_GPUS": "2"}):
        assert tf.test.gpu_device_name() == "/device:GPU:0"


def test_build_flags():
    assert tf.test.is_built_with_rocm() is False
    assert tf.test.is_built_with_xla() is False
    assert tf.test.is_built_with_gpu_support() is (importlib.util.find_spec("cupy") is not None)


@pytest.mark.parametrize("target", ["x86", "x86_64", "aarch64", "arm", "ppc", "s390x"])
def test_cpu_targets(target):
    assert tf.test.is_cpu_target_available(target) is True


def test_unknown_cpu_target_is_an_assertion_error():
    with pytest.raises(AssertionError, match="Unknown CPU target: "):
        tf.test.is_cpu_target_available("")


def test_src_dir_path_and_mock():
    assert tf.test.test_src_dir_path("ops/nn.py").endswith(os.path.join("teachflow", "ops/nn.py"))
    with mock.patch.dict(os.environ, {"TEST_SRCDIR": "/src"}):
        assert tf.test.test_src_dir_path("a") == os.path.join("/src", "teachflow", "a")
    assert tf.test.mock is mock
