"""The placement table: node / op / device / reason, filtered, as HTML and as text."""

import pytest

import teachflow as tf
from teachflow.viz.placement_view import PlacementRow, PlacementTable, show_placement

from .conftest import GPU0, GPU1


@pytest.fixture
def placed():
    """A session that placed ops explicitly, by default and by colocation."""
    with tf.device("/gpu:1"):
        w = tf.Variable(tf.zeros([2]), name="w")
    x = tf.constant([1.0, 2.0], name="x")
    with tf.device("/gpu:0"):
        y = tf.negative(x, name="gate>open")  # ">" is legal in TF node names
    sess = tf.Session(config=tf.ConfigProto(simulated_gpus=2))
    sess.run(tf.global_variables_initializer())
    sess.run([y, w])
    yield sess
    sess.close()


def test_every_placed_node_with_its_device_and_reason(placed):
    view = show_placement(placed)
    assert isinstance(view, PlacementTable)
    rows = {r.node: r for r in view.rows}
    assert rows["gate>open"].device == GPU0
    assert rows["gate>open"].op_type == "Neg"
    assert rows["gate>open"].requested == "/device:GPU:0"
    assert rows["gate>open"].reason == "explicit"
    assert rows["w"].device == GPU1
    assert len(view) == view.total == len(placed.placement_records())


def test_filter_by_substring_or_predicate(placed):
    view = show_placement(placed, filter="gate")
    assert [r.node for r in view.rows] == ["gate>open"]
    assert view.total > len(view)
    assert view.summary().startswith(f"1 of {view.total} nodes")
    # A substring matches devices and reasons too, in any case.
    on_gpu1 = show_placement(placed, filter="gpu:1")
    assert {r.device for r in on_gpu1.rows} == {GPU1}
    assert "w" in [r.node for r in on_gpu1.rows]
    variables = show_placement(placed, filter=lambda r: r.op_type == "VariableV2")
    assert [r.node for r in variables.rows] == ["w"]


def test_html_is_a_table_with_names_escaped(placed):
    html = show_placement(placed)._repr_html_()
    assert "<table>" in html and "<th style='text-align:left'>reason</th>" in html
    assert "gate&gt;open" in html
    assert "gate>open" not in html
    records = [
        {"node": "<script>", "op_type": "Const", "device": "/cpu:0", "reason": "a & b"},
    ]
    html = show_placement(records)._repr_html_()
    assert "&lt;script&gt;" in html and "a &amp; b" in html and "<script>" not in html


def test_plain_text_is_aligned_columns(placed):
    text = repr(show_placement(placed, filter="gate"))
    lines = text.splitlines()
    assert lines[0].startswith("1 of ")
    assert lines[1].split() == ["node", "op", "requested", "device", "reason"]
    assert lines[3].split() == ["gate>open", "Neg", "/device:GPU:0", GPU0, "explicit"]


def test_long_tables_show_the_first_rows_and_keep_all():
    records = [PlacementRow(f"n{i}", "Const", "", "/cpu:0", "default") for i in range(250)]
    view = show_placement(records)
    assert len(view.rows) == 250
    assert "... 50 more rows" in repr(view)
    assert "50 more rows" in view._repr_html_()


def test_a_traced_run_says_where_each_node_ran(traced_run):
    rows = {r.node: r for r in show_placement(traced_run.md).rows}
    assert rows["h"].device == GPU0 and rows["loss"].device == GPU1
    assert rows["h"].reason == "ran here"


def test_to_dataframe_when_pandas_is_installed(placed):
    pd = pytest.importorskip("pandas")
    frame = show_placement(placed).to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["node", "op", "requested", "device", "reason"]


def test_a_remote_session_shows_why_its_master_placed_each_node(servers):
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            w = tf.Variable(2.0, name="w")
        with tf.device("/job:worker/task:0/device:GPU:1"):
            y = tf.multiply(w, 3.0, name="y")
        z = tf.identity(y, name="z")
    with tf.Session(servers.worker.target, graph=g) as sess:
        sess.run(w.initializer)
        assert sess.run(z) == 6.0
        rows = {r.node: r for r in show_placement(sess).rows}
    assert (rows["w"].requested, rows["w"].reason) == ("/job:ps/task:0", "explicit")
    assert rows["w"].device == "/job:ps/replica:0/task:0/device:CPU:0"
    assert rows["y"].requested == "/job:worker/task:0/device:GPU:1"
    assert (rows["y"].device, rows["y"].reason) == (
        "/job:worker/replica:0/task:0/device:GPU:1",
        "explicit",
    )
    assert rows["z"].reason == "default" and rows["z"].requested == ""
    # The master's _Send/_Recv pair that carries w's value from ps to the worker's GPU.
    sends = [r for r in rows.values() if r.op_type == "_Send" and r.node.startswith("w/")]
    recvs = [r for r in rows.values() if r.op_type == "_Recv" and r.node.startswith("w/")]
    assert sends and recvs
    assert sends[0].device == "/job:ps/replica:0/task:0/device:CPU:0"
    assert "sends" in sends[0].reason and "GPU:1" in sends[0].reason
    assert recvs[0].device == "/job:worker/replica:0/task:0/device:GPU:1"
    assert "receives from /job:ps/replica:0/task:0/device:CPU:0" in recvs[0].reason
    with pytest.raises(TypeError, match="Session"):
        show_placement(42)
