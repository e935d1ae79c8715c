"""tf_engine: which engine each task runs, which Python runs TensorFlow, the server program.

These run without TensorFlow; tests/tf_interop starts real TensorFlow servers.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys

import pytest

from teachflow.cluster import LocalCluster
from teachflow.distributed import tf_engine

TASKS = [("ps", 0), ("worker", 0), ("worker", 1)]

needs_no_tensorflow = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is not None,
    reason="this Python has TensorFlow: the missing-TensorFlow errors cannot happen here",
)


def test_one_engine_for_every_task():
    assert set(tf_engine.task_engines("tensorflow", TASKS).values()) == {"tensorflow"}
    assert set(tf_engine.task_engines("teachflow", TASKS).values()) == {"teachflow"}


def test_engines_by_job_and_by_task():
    by_job = tf_engine.task_engines({"worker": "tensorflow"}, TASKS)
    assert by_job == {
        ("ps", 0): "teachflow",
        ("worker", 0): "tensorflow",
        ("worker", 1): "tensorflow",
    }
    by_task = tf_engine.task_engines({"worker": "tensorflow", ("worker", 1): "teachflow"}, TASKS)
    assert by_task[("worker", 0)] == "tensorflow" and by_task[("worker", 1)] == "teachflow"


@pytest.mark.parametrize(
    "engine, words",
    [
        ("pytorch", "Unknown engine 'pytorch'"),
        ({"chief": "tensorflow"}, "'chief', which is not a job or task"),
        ({("worker", 5): "tensorflow"}, "('worker', 5), which is not a job or task"),
        (["tensorflow"], "engine must be a string or a dict"),
    ],
)
def test_bad_engines_are_refused(engine, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        tf_engine.task_engines(engine, TASKS)


@needs_no_tensorflow
def test_without_tensorflow_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv(tf_engine.TF_PYTHON_ENV, raising=False)
    with pytest.raises(ImportError) as e:
        tf_engine.tensorflow_python()
    assert "teachflow[tensorflow]" in str(e.value) and "TEACHFLOW_TF_PYTHON" in str(e.value)


@needs_no_tensorflow
def test_a_python_without_tensorflow_is_named(monkeypatch):
    monkeypatch.setenv(tf_engine.TF_PYTHON_ENV, sys.executable)
    with pytest.raises(ImportError, match="is not a Python that can import tensorflow"):
        tf_engine.tensorflow_python()


@needs_no_tensorflow
def test_local_cluster_refuses_tensorflow_tasks_before_starting_any(monkeypatch, tmp_path):
    monkeypatch.delenv(tf_engine.TF_PYTHON_ENV, raising=False)
    with pytest.raises(ImportError, match="TEACHFLOW_TF_PYTHON"):
        LocalCluster(ps=1, workers=1, engine={"worker": "tensorflow"}, log_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # no task was started, so none logged


def test_simulated_gpus_are_refused_for_tensorflow_workers(monkeypatch):
    monkeypatch.setattr(tf_engine, "tensorflow_python", lambda: sys.executable)
    with pytest.raises(ValueError, match="Simulated GPUs exist only in teachflow tasks"):
        LocalCluster(ps=1, workers=1, gpus_per_task=1, engine="tensorflow", start=False)


def test_local_cluster_records_each_tasks_engine(monkeypatch):
    monkeypatch.setattr(tf_engine, "tensorflow_python", lambda: "/opt/tf/bin/python")
    c = LocalCluster(ps=1, workers=2, engine={"worker": "tensorflow"}, start=False)
    try:
        assert [c.engine("ps", 0), c.engine("worker", 0), c.engine("worker", 1)] == [
            "teachflow",
            "tensorflow",
            "tensorflow",
        ]
        cmd = c._command(c._task("worker", 1))
        assert cmd[:2] == ["/opt/tf/bin/python", tf_engine.SERVER_SCRIPT]
        assert cmd[cmd.index("--job") + 1 : cmd.index("--job") + 4] == ["worker", "--task", "1"]
        assert c._command(c._task("ps", 0))[1:4] == ["-m", "teachflow", "server"]
    finally:
        c.stop()


def test_server_command_carries_the_cluster_and_config():
    cmd = tf_engine.server_command("py", {"worker": ["h:1"]}, "worker", 0, '{"a": 1}', 42)
    assert json.loads(cmd[cmd.index("--cluster") + 1]) == {"worker": ["h:1"]}
    assert cmd[cmd.index("--config") + 1] == '{"a": 1}'
    assert cmd[cmd.index("--parent-pid") + 1] == "42" and "--exit-with-parent" in cmd


def test_the_server_program_exits_3_when_its_port_is_taken():
    # The port check comes before TensorFlow is imported, so any Python shows it.
    with socket.socket() as held:
        held.bind(("", 0))
        held.listen()
        port = held.getsockname()[1]
        cluster = json.dumps({"worker": [f"localhost:{port}"]})
        done = subprocess.run(
            [sys.executable, tf_engine.SERVER_SCRIPT, "--cluster", cluster]
            + ["--job", "worker", "--task", "0"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 3
    assert f"port {port} is in use" in done.stderr
