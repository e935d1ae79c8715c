"""The ``teachflow`` command: ``server``, ``cluster up`` and their errors."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading

import pytest

import teachflow as tf
from teachflow import cli

PYTHON_M_TEACHFLOW = [sys.executable, "-m", "teachflow"]
WAIT_S = 30


class Running:
    """A ``teachflow`` subprocess whose stdout lines arrive on a queue (never a full pipe)."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [*PYTHON_M_TEACHFLOW, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self) -> str:
        line = self.lines.get(timeout=WAIT_S)
        assert line is not None, f"exited early: {self.process.wait(WAIT_S)} {self.stderr()}"
        return line

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.poll() is not None else ""

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(WAIT_S)
            raise AssertionError(
                f"no exit after SIGTERM; stderr:\n{self.stderr()[-4000:]}"
            ) from None

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT_S)
        self.process.stdout.close()
        self.process.stderr.close()


def port_is_free(port) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# -- errors: one line, exit code 2, no traceback ------------------------------------------------
def test_python_m_teachflow_server_with_bad_json_exits_2_with_a_message():
    done = subprocess.run(
        [*PYTHON_M_TEACHFLOW, "server", "--cluster", "{worker: nope", "--job", "worker"]
        + ["--task", "0"],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    assert done.returncode == 2
    assert "teachflow server: error: --cluster is not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    "args, words",
    [
        (["--job", "ps", "--task", "0"], "job 'ps' is not in the cluster (jobs: worker)"),
        (["--job", "worker", "--task", "2"], "task 2 is not in job 'worker' (task indices: 0, 1)"),
        (["--job", "worker"], "give this task's --job and --task"),
        (["--job", "worker", "--task", "0", "--gpu-profile", "z80"], "Unknown simulated GPU"),
        (["--job", "worker", "--task", "0", "--config", "[1]"], "--config is not a ConfigProto"),
    ],
)
def test_server_refuses_a_task_that_is_not_in_the_cluster(capsys, args, words):
    cluster = json.dumps({"worker": ["localhost:0", "localhost:0"]})
    assert cli.main(["server", "--cluster", cluster, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("teachflow server: error: ") and words in err


def test_server_reads_the_cluster_from_a_file_or_tf_config(tmp_path, capsys, monkeypatch):
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"ps": ["localhost:0"]}))
    assert cli.main(["server", "--cluster", str(path), "--job", "ps", "--task", "1"]) == 2
    assert "task 1 is not in job 'ps' (task indices: 0)" in capsys.readouterr().err

    assert cli.main(["server", "--cluster", str(tmp_path / "missing.json")]) == 2
    assert "is neither JSON text" in capsys.readouterr().err

    config = {"cluster": {"worker": ["localhost:0"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert cli.main(["server", "--task", "4"]) == 2  # the job comes from TF_CONFIG
    assert "task 4 is not in job 'worker' (task indices: 0)" in capsys.readouterr().err

    config["task"]["index"] = 3
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert cli.main(["server"]) == 2
    assert "TF_CONFIG's task {type: 'worker', index: 3} is not in its cluster" in (
        capsys.readouterr().err
    )

    monkeypatch.delenv("TF_CONFIG")
    assert cli.main(["server", "--job", "worker", "--task", "0"]) == 2
    assert "no cluster: give --cluster, or set TF_CONFIG" in capsys.readouterr().err


# -- teachflow server ---------------------------------------------------------------------------
def test_server_prints_its_listening_line_serves_and_stops_on_sigterm():
    cluster = json.dumps({"worker": ["localhost:0"]})
    server = Running("server", "--cluster", cluster, "--job", "worker", "--task", "0")
    try:
        line = server.line()
        prefix = "teachflow server /job:worker/replica:0/task:0 listening on grpc://localhost:"
        assert line.startswith(prefix)
        target = line.rpartition(" ")[2]
        with tf.Session(target) as sess:
            assert sess.run(tf.constant(1.0) * 3) == 3.0
        assert server.terminate() == 0
        assert server.line() == "teachflow server /job:worker/replica:0/task:0 stopped"
        assert port_is_free(int(target.rpartition(":")[2]))
    finally:
        server.close()


def test_server_with_a_taken_port_exits_3():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        cluster = json.dumps({"worker": [f"localhost:{port}"]})
        done = subprocess.run(
            [*PYTHON_M_TEACHFLOW, "server", "--cluster", cluster, "--job", "worker", "--task", "0"],
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
    assert done.returncode == 3
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr


# -- teachflow cluster up -----------------------------------------------------------------------
def test_cluster_up_prints_the_spec_and_targets_and_stops_on_sigterm():
    up = Running("cluster", "up", "--ps", "1", "--workers", "2", "--gpus", "1")
    try:
        spec = json.loads(up.line())
        assert list(spec) == ["ps", "worker"] and len(spec["worker"]) == 2
        targets = dict(up.line().split() for _ in range(3))
        assert targets["/job:worker/replica:0/task:1"] == f"grpc://{spec['worker'][1]}"
        assert up.line() == "cluster up; Ctrl-C or SIGTERM stops it"
        with tf.device("/job:worker/task:1/device:GPU:0"):
            c = tf.constant(2.0) * 3
        with tf.Session(targets["/job:worker/replica:0/task:0"]) as sess:
            assert sess.run(c) == 6.0
        assert up.terminate() == 0
        assert up.line() == "cluster stopped"
        ports = [int(a.rpartition(":")[2]) for a in spec["ps"] + spec["worker"]]
        assert all(port_is_free(p) for p in ports)
    finally:
        up.close()


def test_cluster_up_refuses_an_empty_cluster(capsys):
    assert cli.main(["cluster", "up", "--ps", "0", "--workers", "0"]) == 2
    assert "teachflow cluster: error: A cluster needs at least one task" in capsys.readouterr().err


def test_python_m_teachflow_is_the_teachflow_command():
    done = subprocess.run(
        [*PYTHON_M_TEACHFLOW, "--help"], capture_output=True, text=True, timeout=WAIT_S
    )
    assert done.returncode == 0
    for command in ("teachflow server --cluster CLUSTER", "teachflow cluster up", "teachflow demo"):
        assert command in done.stdout


def test_demo_still_runs(capsys):
    assert cli.main(["demo"]) == 0
    assert "Next: the labs" in capsys.readouterr().out
