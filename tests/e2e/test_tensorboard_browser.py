"""TensorBoard's graph dashboard draws a teachflow run, in Debian's Chromium.

A FileWriter writes a teachflow graph (a name scope, a variable, a product) and a few scalars
to a log directory; `start_tensorboard` serves it on 127.0.0.1; the page's graph dashboard
must draw the graph's nodes (TensorBoard's own ``g.node`` elements, named by the ops) and
its scalars must be the ones written. TensorBoard is always stopped afterwards.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

import teachflow as tf
from teachflow.viz.tensorboard_launcher import start_tensorboard
from tests.e2e.conftest import missing_tools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(120),
    pytest.mark.skipif(bool(missing_tools()), reason=missing_tools() or "ok"),
]


def write_run(logdir):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        with tf.name_scope("layer"):
            w = tf.Variable(tf.ones([3, 1]), name="w")
            y = tf.matmul(x, w, name="y")
        loss = tf.reduce_mean(tf.square(y), name="mean_square")
        tf.summary.scalar("loss", loss)
        merged = tf.summary.merge_all()
        with tf.Session(graph=graph) as sess, tf.summary.FileWriter(logdir, graph) as writer:
            sess.run(w.initializer)
            for step in range(3):
                feed = {x: [[float(step), 0.0, 0.0]]}
                writer.add_summary(sess.run(merged, feed), step)


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def wait_for_run(board, wait_s=60):
    """TensorBoard reads the logdir on a thread of its own: ask until it lists the run."""
    deadline, pause = time.monotonic() + wait_s, threading.Event()
    while not get_json(board.url + "data/plugin/scalars/tags"):
        assert time.monotonic() < deadline, "TensorBoard never listed the run"
        pause.wait(0.1)


def test_the_graph_dashboard_shows_a_teachflow_graph(browser, tmp_path, artifacts):
    logdir = tmp_path / "logs"
    write_run(str(logdir))
    board = start_tensorboard(str(logdir))
    try:
        wait_for_run(board)
        # TensorBoard read the scalars back as written: loss = step**2 at steps 0, 1, 2.
        points = get_json(board.url + "data/plugin/scalars/scalars?run=.&tag=loss")
        assert [(p[1], p[2]) for p in points] == [(0, 0.0), (1, 1.0), (2, 4.0)]

        page = browser.page
        page.goto(board.url + "#graphs")
        page.wait_for_selector("g.node", timeout=60_000)
        nodes = page.locator("g.node")
        names = {nodes.nth(i).get_attribute("data-name") for i in range(nodes.count())}
        page.screenshot(path=str(artifacts / "tensorboard_graph.png"))
        # The scope is drawn as one (collapsed) box, the ops outside it as nodes of their own
        # (TensorBoard sets the summary ops aside, among its auxiliary nodes).
        assert {"layer", "x", "Square", "mean_square"} <= names, names
        page.locator('g.node[data-name="layer"]').first.dblclick()
        page.wait_for_selector('g.node[data-name="layer/y"]', timeout=30_000)
        assert page.locator('g.node[data-name="layer/w"]').count() == 1
    finally:
        board.stop()
    assert not board.running
