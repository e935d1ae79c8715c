"""GraphWidget, Python side: the drawing it sends to the page, selection, link, fallback.

The model puts a variable and a matmul on GPU:0 and the rest on GPU:1 of two simulated
GPUs, with one control dependency; its run's partition graphs add a _Send/_Recv pair.
No browser here (tests/e2e draws it in Chromium).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

import teachflow as tf
from teachflow.viz import GraphWidget, LiveTimeline, palette, show_graph
from teachflow.viz.widgets.graph_payload import base_name, graph_payload

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def small_model():
    with tf.device("/gpu:0"):
        x = tf.constant([[1.0, 2.0]], name="x")
        w = tf.Variable([[1.0], [2.0]], name="w")
        h = tf.matmul(x, w, name="h")
    with tf.device("/gpu:1"):
        y = tf.multiply(h, 2.0, name="y")
        with tf.control_dependencies([h]):
            out = tf.identity(y, name="out")
    return out


@pytest.fixture
def run():
    out = small_model()
    sess = tf.Session(config=tf.ConfigProto(simulated_gpus=2))
    sess.run(tf.global_variables_initializer())
    md = tf.RunMetadata()
    options = tf.RunOptions(output_partition_graphs=True)
    sess.run(out, options=options, run_metadata=md)
    yield SimpleNamespace(session=sess, md=md, graph=tf.get_default_graph())
    sess.close()


def test_nodes_carry_their_device_colour_and_layout(run):
    w = GraphWidget(session=run.session)
    by_name = {n["name"]: n for n in w.nodes}
    assert by_name["h"]["device"] == GPU0 and by_name["y"]["device"] == GPU1
    assert w.colors == {GPU0: palette.QUALITATIVE[0], GPU1: palette.QUALITATIVE[1]}
    assert by_name["h"]["fill"] == w.colors[GPU0] and by_name["out"]["fill"] == w.colors[GPU1]
    assert by_name["w"]["kind"] == "state" and by_name["h"]["kind"] == "op"
    assert by_name["h"]["label"] == ["h", "MatMul"]
    assert "why:" in by_name["h"]["detail"]
    # Centres inside the layout; every node a real size; no two nodes on one spot.
    for n in w.nodes:
        assert 0 < n["x"] < w.width and 0 < n["y"] < w.height
        assert n["w"] > 20 and n["h"] > 10
    assert len({(n["x"], n["y"]) for n in w.nodes}) == len(w.nodes)
    json.dumps([w.nodes, w.edges, w.boxes, w.legend, w.aside])  # what goes to the page


def test_edges_are_routed_and_control_edges_dashed(run):
    w = GraphWidget(run.graph, session=run.session)
    edges = {(e["src"], e["dst"]): e for e in w.edges}
    control = edges[("h", "out")]
    assert control["kind"] == "control" and control["dash"] == "5,3"
    data = edges[("h", "y")]
    assert data["kind"] == "data" and data["dash"] == ""
    nodes = {n["id"]: n for n in w.nodes}
    for e in w.edges:
        (x0, y0), (x1, y1) = e["points"][0], e["points"][-1]
        src, dst = nodes[e["src"]], nodes[e["dst"]]
        # From the bottom of the source to the top of the target.
        near = pytest.approx
        assert (x0, y0) == (near(src["x"], abs=0.15), near(src["y"] + src["h"] / 2, abs=0.15))
        assert (x1, y1) == (near(dst["x"], abs=0.15), near(dst["y"] - dst["h"] / 2, abs=0.15))


def test_partitioned_run_shows_boxes_and_the_transfer(run):
    w = GraphWidget(run_metadata=run.md)
    transfers = [n for n in w.nodes if n["kind"] == "transfer"]
    assert {n["op"] for n in transfers} == {"_Send", "_Recv"}
    assert all(n["base"] == "h" for n in transfers)
    (edge,) = [e for e in w.edges if e["kind"] == "transfer"]
    assert edge["color"] == palette.TRANSFER
    assert {w.node(edge["src"])["device"], w.node(edge["dst"])["device"]} == {GPU0, GPU1}
    kinds = {b["kind"] for b in w.boxes}
    assert {"task", "device"} <= kinds
    depths = [b["depth"] for b in w.boxes]
    assert depths == sorted(depths)  # outer boxes first: drawn under the inner ones
    device_boxes = {b["label"]: b for b in w.boxes if b["kind"] == "device"}
    assert device_boxes["GPU:0"]["stroke"] == w.colors[GPU0]
    legend = {e["label"]: e for e in w.legend}
    assert legend["transfer (_Send -> _Recv)"]["kind"] == "edge"
    assert legend["state (variable, queue)"]["style"] == "cylinder"


def test_payload_matches_the_static_view(run):
    view = show_graph(session=run.session)
    p = graph_payload(view)
    assert [n["id"] for n in p["nodes"]] == [n.id for n in view.nodes]
    lay = view.layout()
    assert (p["width"], p["height"]) == (round(lay.width, 1), round(lay.height, 1))
    assert p["title"] == view.title


def test_base_name_joins_tensors_and_cut_nodes_to_their_op():
    assert base_name("layer/mul:0") == "layer/mul"
    assert base_name("h/_send_h_0_to_/job:localhost/device:GPU:1") == "h"
    assert base_name("w/read/_recv_w/read_0") == "w/read"
    assert base_name("") == ""


def test_selected_and_active_are_plain_traits(run):
    w = GraphWidget(session=run.session)
    assert w.selected == "" and w.active == []
    w.selected = "y"
    assert w.node("y")["name"] == w.selected
    w.flash(["y", "h", "y"])
    assert w.active == ["h", "y"]
    with pytest.raises(KeyError, match="nope"):
        w.node("nope")


def test_update_redraws_with_a_run(run):
    w = GraphWidget(run.graph)
    assert {"/device:GPU:0", "/device:GPU:1"} <= set(w.colors)  # as requested
    w.update(run.graph, session=run.session)
    assert set(w.colors) == {GPU0, GPU1}
    assert "from placement records" in w.title
    with pytest.raises(ValueError, match="color_by"):
        GraphWidget(run.graph, color_by="nope")


def test_static_fallback_is_the_svg(run):
    w = GraphWidget(session=run.session)
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/svg+xml"].startswith("<svg")
    assert 'data-name="h"' in bundle["image/svg+xml"]
    assert bundle["text/plain"].startswith("GraphWidget(") and "nodes" in bundle["text/plain"]


def test_assets_ship_in_the_package():
    w = GraphWidget(tf.Graph())
    assert "export default { render }" in w._esm and ".tf-gw" in w._css
    assert "https://" not in w._esm and "http://" not in w._esm.replace("http://www.w3.org", "")
    assert w.nodes == [] and w.edges == []


def test_a_timeline_links_its_selection_and_flashes_what_ran(run):
    w = GraphWidget(session=run.session)
    lt = LiveTimeline()
    link = lt.link(w)
    assert lt.link(w) is link and lt.linked == [w]
    assert link.source == (lt, "selected") and link.target == (w, "selected")
    with lt.recording():
        run.session.run(tf.get_default_graph().get_tensor_by_name("out:0"))
    assert {"h", "y", "out"} <= set(w.active)
    lt.unlink(w)
    assert lt.linked == []
    with pytest.raises(TypeError, match="GraphWidget"):
        lt.link(LiveTimeline())


def test_a_click_on_a_collapsed_scope_opens_it():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, 8], name="x")
        h = x
        for i in range(3):
            with tf.variable_scope(f"layer{i}"):
                w = tf.get_variable("w", [8, 8])
                h = tf.nn.relu(tf.matmul(h, w))
        loss = tf.reduce_mean(h, name="loss")
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    w = GraphWidget(g, max_nodes=30)
    scopes = [n["name"] for n in w.nodes if n["kind"] == "scope"]
    assert "gradients" in scopes
    # What the page sends when the folder is clicked.
    w._on_page_message(w, {"type": "expand", "scope": "gradients"}, [])
    assert "gradients" not in [n["name"] for n in w.nodes if n["kind"] == "scope"]
    assert any(n["name"].startswith("gradients/") for n in w.nodes)
    with pytest.raises(ValueError, match="No collapsed scope 'nowhere'"):
        w.expand("nowhere")
    w._on_page_message(w, {"type": "expand", "scope": "nowhere"}, [])  # stale: ignored
