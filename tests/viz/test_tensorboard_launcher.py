"""TensorBoard started on 127.0.0.1, answering HTTP, and stopped (by us or at exit)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import teachflow as tf
from teachflow.viz.tensorboard_launcher import running, start_tensorboard

WAIT_S = 60


def get(url) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def port_is_free(port) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def gone(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_tensorboard_serves_the_logdir_and_stops(tmp_path):
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="x", simple_value=1)]), 0)
    board = start_tensorboard(tmp_path, timeout=WAIT_S)
    try:
        assert board.url == f"http://127.0.0.1:{board.port}/"
        assert board in running()
        assert b"<html" in get(board.url).lower()
        assert json.loads(get(board.url + "data/logdir")) == {"logdir": str(tmp_path)}
        assert board.url in board._repr_html_() and "<iframe" in board._repr_html_()
        assert str(board).startswith(f"TensorBoard running at {board.url}")
    finally:
        board.stop()
    assert board.process.returncode is not None
    assert board not in running()
    assert port_is_free(board.port)
    assert "stopped" in board._repr_html_()


def test_tensorboard_shows_what_file_writer_wrote(tmp_path):
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0], name="x")
        total = tf.reduce_sum(x * x, name="total")
        loss, hist = tf.summary.scalar("loss", total), tf.summary.histogram("x_values", x)
        with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
            for step in range(3):
                writer.add_summary(sess.run(loss), step)
            writer.add_summary(sess.run(hist), 0)
    board = start_tensorboard(tmp_path, timeout=WAIT_S)
    try:
        # TensorBoard loads the logdir on a thread of its own: ask until it has (bounded).
        deadline = time.monotonic() + WAIT_S
        while not (tags := json.loads(get(board.url + "data/plugin/scalars/tags"))):
            assert time.monotonic() < deadline, "TensorBoard never listed the run"
            time.sleep(0.1)
        assert list(tags) == ["."] and list(tags["."]) == ["loss"]
        points = json.loads(get(board.url + "data/plugin/scalars/scalars?run=.&tag=loss"))
        assert [(step, value) for _, step, value in points] == [(0, 5.0), (1, 5.0), (2, 5.0)]
        histograms = json.loads(get(board.url + "data/plugin/histograms/tags"))
        assert list(histograms["."]) == ["x_values"]
        graph = get(board.url + "data/plugin/graphs/graph?run=.").decode()
        assert 'name: "total"' in graph and 'op: "Sum"' in graph
    finally:
        board.stop()


def test_tensorboard_that_cannot_start_is_a_runtime_error_with_its_output(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="TensorBoard exited with status") as info:
            start_tensorboard(tmp_path, port=port, timeout=WAIT_S)
    assert str(port) in str(info.value)  # TensorBoard's own complaint about the port
    assert running() == []


def test_a_missing_logdir_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such log directory"):
        start_tensorboard(tmp_path / "missing")


def test_tensorboard_stops_when_the_python_that_started_it_exits(tmp_path):
    program = (
        "from teachflow.viz.tensorboard_launcher import start_tensorboard\n"
        f"board = start_tensorboard({str(tmp_path)!r}, timeout={WAIT_S})\n"
        "print(board.process.pid, board.port, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=2 * WAIT_S
    )
    assert done.returncode == 0, done.stderr
    pid, port = (int(v) for v in done.stdout.split())
    # The exiting Python's atexit handler stopped it and waited for it (reaped it).
    assert gone(pid)
    assert port_is_free(port)
