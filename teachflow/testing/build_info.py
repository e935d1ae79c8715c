"""``tf.test``'s questions about the build and the machine: is there a GPU, was it built
with CUDA, ROCm or XLA, where are the test's source files.

teachflow is numpy (and CuPy where installed): "built with CUDA" means CuPy can be
imported, there is no ROCm or XLA, and every CPU target numpy runs on is available.

    >>> import teachflow as tf
    >>> tf.test.is_built_with_rocm(), tf.test.is_built_with_xla()
    (False, False)
    >>> tf.test.is_cpu_target_available("x86")
    True
"""

from __future__ import annotations

import importlib.util
import os
import pathlib

__all__ = [
    "gpu_device_name",
    "is_built_with_gpu_support",
    "is_built_with_rocm",
    "is_built_with_xla",
    "is_cpu_target_available",
    "test_src_dir_path",
]

# The CPU families TensorFlow's IsCPUTargetAvailable knows (by name prefix).
_CPU_TARGETS = ("arm", "aarch64", "ppc", "powerpc", "x86", "s390x")


def is_built_with_rocm() -> bool:
    """False: teachflow has no ROCm kernels."""
    return False


def is_built_with_xla() -> bool:
    """False: teachflow has no XLA compiler (every graph runs op by op)."""
    return False


def is_built_with_gpu_support() -> bool:
    """Whether GPU kernels are there at all (CUDA or ROCm), as TensorFlow defines it."""
    return importlib.util.find_spec("cupy") is not None or is_built_with_rocm()


def is_cpu_target_available(cpu) -> bool:
    """Whether kernels can run on the CPU family ``cpu`` ("x86", "aarch64", "arm", "ppc",
    "s390x"): numpy runs on all of them. AssertionError for a name TensorFlow does not
    know, as TensorFlow raises it."""
    assert cpu.startswith(_CPU_TARGETS), "Unknown CPU target: " + cpu
    return True


def gpu_device_name() -> str:
    """The name of the first GPU a session would get (``"/device:GPU:0"``; a simulated GPU
    counts), or ``""`` when there is none, as TensorFlow returns it."""
    from teachflow.runtime.config import ConfigProto
    from teachflow.runtime.devices import physical_gpus

    return "/device:GPU:0" if physical_gpus(ConfigProto()) else ""


def test_src_dir_path(relative_path) -> str:
    """The path of ``relative_path`` inside the teachflow source tree (under
    ``$TEST_SRCDIR/teachflow`` when Bazel-style ``TEST_SRCDIR`` is set)."""
    root = os.environ.get("TEST_SRCDIR")
    base = pathlib.Path(root) / "teachflow" if root else pathlib.Path(__file__).parents[1]
    return os.path.join(str(base), relative_path)
