"""Real TensorFlow servers as cluster tasks: which Python runs them, how, and when one is up.

``LocalCluster(ps=1, workers=2, engine="tensorflow")`` starts every task as a real
``tf.distribute.Server`` process; ``engine={"ps": "teachflow", "worker": "tensorflow"}``
mixes the two engines per job (or per task, keyed ``("worker", 0)``). teachflow never
imports TensorFlow: the servers run in the Python that has it, this one when it can import
``tensorflow``, else the one named by ``TEACHFLOW_TF_PYTHON`` (a separate venv, so its
protobuf and grpcio need not match teachflow's).

    >>> from teachflow.distributed import tf_engine
    >>> tf_engine.task_engines({"ps": "teachflow", "worker": "tensorflow"},
    ...                        [("ps", 0), ("worker", 0)])
    {('ps', 0): 'teachflow', ('worker', 0): 'tensorflow'}

A TensorFlow server does not serve gRPC's health service; it is up when its
``tensorflow.WorkerService/GetStatus`` answers (`is_serving`).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

import grpc

from teachflow.distributed.tf_wire.methods import WORKER, stub

__all__ = [
    "ENGINES",
    "TF_PYTHON_ENV",
    "is_serving",
    "server_command",
    "server_environment",
    "task_engines",
    "tensorflow_python",
]

ENGINES = ("teachflow", "tensorflow")
TF_PYTHON_ENV = "TEACHFLOW_TF_PYTHON"
SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_server_main.py")
# Finding the spec of `tensorflow` only starts an interpreter; it does not import TF.
_PROBE_TIMEOUT_S = 30.0


def task_engines(engine, tasks) -> dict:
    """Each task's engine: ``engine`` is "teachflow", "tensorflow", or a dict keyed by job
    name or ``(job, index)`` (tasks left out run teachflow).

    Raises ValueError for an unknown engine, job or task.
    """
    if isinstance(engine, str):
        _check(engine)
        return {task: engine for task in tasks}
    if not isinstance(engine, dict):
        raise ValueError(f"engine must be a string or a dict, got {type(engine).__name__}")
    jobs = {job for job, _ in tasks}
    for key, value in engine.items():
        _check(value)
        known = key in jobs if isinstance(key, str) else tuple(key) in set(tasks)
        if not known:
            raise ValueError(f"engine names {key!r}, which is not a job or task of {tasks}")
    out = {}
    for job, index in tasks:
        out[(job, index)] = engine.get((job, index), engine.get(job, "teachflow"))
    return out


def _check(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"Unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")


def tensorflow_python() -> str:
    """The interpreter that runs TensorFlow servers: this one when it can import
    ``tensorflow``, else ``$TEACHFLOW_TF_PYTHON``.

    Raises ImportError, saying how to get one, when neither has TensorFlow.
    """
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    named = os.environ.get(TF_PYTHON_ENV)
    if not named:
        raise ImportError(
            "engine='tensorflow' needs TensorFlow: install it with "
            "`pip install 'teachflow[tensorflow]'`, or set "
            f"{TF_PYTHON_ENV} to a Python that has tensorflow (e.g. a separate venv's "
            "bin/python)."
        )
    python = shutil.which(named) or named
    if not _has_tensorflow(python):
        raise ImportError(
            f"{TF_PYTHON_ENV}={named!r} is not a Python that can import tensorflow: "
            f"install it there (`{named} -m pip install tensorflow-cpu`) or point "
            f"{TF_PYTHON_ENV} at one that has it."
        )
    return python


@functools.lru_cache(maxsize=8)
def _has_tensorflow(python: str) -> bool:
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, timeout=_PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def server_command(
    python: str, cluster: dict, job: str, index: int, config_json=None, parent_pid=None
) -> list[str]:
    """The command line of one TensorFlow task (see `tf_server_main`)."""
    cmd = [python, SERVER_SCRIPT, "--cluster", json.dumps(cluster), "--job", job]
    cmd += ["--task", str(index), "--exit-with-parent"]
    if parent_pid:
        cmd += ["--parent-pid", str(parent_pid)]
    if config_json:
        cmd += ["--config", config_json]
    return cmd


def server_environment(env: dict) -> dict:
    """A TensorFlow task's environment: TF's start-up chatter stays out of the task's log
    unless ``TF_CPP_MIN_LOG_LEVEL`` asks for it."""
    env = dict(env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def is_serving(channel: grpc.Channel, deadline: float, poll_s: float) -> bool:
    """Whether the TensorFlow server behind ``channel`` answers ``GetStatus``, waiting at most
    ``poll_s`` (and never past ``deadline``, a ``time.monotonic()`` time)."""
    timeout = max(0.01, min(poll_s, deadline - time.monotonic()))
    request = WORKER.methods["GetStatus"].request()
    try:
        stub(channel, WORKER, "GetStatus")(request, timeout=timeout, wait_for_ready=True)
    except grpc.RpcError:
        return False
    return True
