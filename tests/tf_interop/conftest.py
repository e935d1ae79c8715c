"""Tests against a real TensorFlow, run in a Python that has it (never this one's imports).

The default suite needs no TensorFlow: these tests run a TensorFlow program in a subprocess
of the interpreter named by ``TEACHFLOW_TF_PYTHON`` (``.ci/run`` makes a separate venv for
it), or of this interpreter when it can import ``tensorflow``; otherwise they are skipped,
saying why.

    def test_x(tf_python):
        out = run_tf(tf_python, "print(1)")
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

TF_PYTHON_ENV = "TEACHFLOW_TF_PYTHON"
# Importing TensorFlow takes seconds, more on a loaded machine.
TF_TIMEOUT_S = 180


def find_tf_python() -> str | None:
    """The interpreter that runs TensorFlow here, or None."""
    named = os.environ.get(TF_PYTHON_ENV)
    if named:
        return named
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    return None


@pytest.fixture(scope="session")
def tf_python():
    python = find_tf_python()
    if python is None:
        pytest.skip(
            f"TensorFlow is not installed: set {TF_PYTHON_ENV} to a Python that has "
            "tensorflow-cpu (`.ci/run` makes one) to run the interoperability tests"
        )
    return python


def run_tf(python: str, code: str, *args: str, timeout: float = TF_TIMEOUT_S):
    """Run ``code`` with ``python``; returns the CompletedProcess (stdout, stderr as text).
    TensorFlow's start-up logging is silenced; a failure shows the end of its stderr."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [python, "-c", code, *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done
