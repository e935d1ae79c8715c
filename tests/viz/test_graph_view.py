"""``show_graph``: a graph coloured by where its nodes ran, as DOT and as SVG.

The small model below puts a variable and a matmul on GPU:0 and the rest on GPU:1 of two
simulated GPUs, inside the name scope "model", with one control dependency.
"""

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

import teachflow as tf
from teachflow.framework.operation import NodeDef
from teachflow.viz import GraphView, graphviz_available, palette, show_graph

SVG = "{http://www.w3.org/2000/svg}"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def small_model():
    with tf.name_scope("model"):
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
def placed():
    """The small model, run once on 2 simulated GPUs: the session has placement records."""
    out = small_model()
    sess = tf.Session(config=tf.ConfigProto(simulated_gpus=2))
    sess.run(tf.global_variables_initializer())
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    sess.run(out, options=options, run_metadata=md)
    yield SimpleNamespace(session=sess, md=md, out=out)
    sess.close()


# -- reading DOT -----------------------------------------------------------------------------
_QUOTED = r'"(?:[^"\\]|\\.)*"'


def dot_nodes(dot):
    """{node id: {attribute: value}} for every node statement."""
    out = {}
    for m in re.finditer(rf"^\s*({_QUOTED}) \[(.*)\];$", dot, re.M):
        out[_unquote(m.group(1))] = dict(
            (k, _unquote(v)) for k, v in re.findall(rf"(\w+)=({_QUOTED})", m.group(2))
        )
    return out


def dot_edges(dot):
    """[(source, target, {attribute: value})] for every edge statement of the graph (the
    legend's invisible edges left out)."""
    out = []
    for m in re.finditer(rf"^\s*({_QUOTED}) -> ({_QUOTED}) \[(.*)\];$", dot, re.M):
        if m.group(1).startswith('"_legend'):
            continue
        attrs = dict((k, _unquote(v)) for k, v in re.findall(rf"(\w+)=({_QUOTED})", m.group(3)))
        out.append((_unquote(m.group(1)), _unquote(m.group(2)), attrs))
    return out


def _unquote(s):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s[1:-1])


def legend_colours(view):
    return {e.label: e.color for e in view.legend if e.kind == "fill"}


# -- colours ---------------------------------------------------------------------------------
def test_nodes_are_filled_with_the_colour_of_the_device_they_ran_on(placed):
    view = show_graph(session=placed.session)
    colours = legend_colours(view)
    assert set(colours) == {"GPU:0", "GPU:1"}
    assert colours["GPU:0"] != colours["GPU:1"]
    nodes = dot_nodes(view.dot)
    assert nodes["model/h"]["fillcolor"] == colours["GPU:0"]
    assert nodes["model/w"]["fillcolor"] == colours["GPU:0"]
    assert nodes["model/y"]["fillcolor"] == colours["GPU:1"]
    assert "placement records" in view.title
    # The tooltip says where and why.
    assert f"device: {GPU0}" in nodes["model/h"]["tooltip"]
    assert "why: colocated with model/w" in nodes["model/w/read"]["tooltip"]


def test_the_legend_in_the_dot_names_both_devices(placed):
    dot = show_graph(session=placed.session).dot
    legend = re.search(r'"_legend" \[shape=plaintext, label=<(.*)>\];', dot).group(1)
    assert re.search(r'BGCOLOR="#1f77b4".*?>GPU:0<', legend)
    assert re.search(r'BGCOLOR="#ff7f0e".*?>GPU:1<', legend)
    assert "control dependency" in legend
    # The state entry is a cylinder, as the variables are drawn, not a glyph like a ◉.
    state = re.search(r'"_legend_cylinder" \[([^\]]*)\]', dot).group(1)
    assert 'shape="cylinder"' in state and 'label="state (variable, queue)"' in state
    assert "&#9673;" not in dot and "◉" not in dot
    assert '"_legend" -> "_legend_cylinder" [style="invis"];' in dot


def test_before_any_run_nodes_show_the_device_they_asked_for():
    small_model()
    c = tf.constant(3.0, name="anywhere")
    view = show_graph()
    colours = legend_colours(view)
    assert set(colours) == {
        "/device:GPU:0 (requested)",
        "/device:GPU:1 (requested)",
        "no device requested",
    }
    assert colours["no device requested"] == palette.UNPLACED
    assert view.node(c.op.name).fill == palette.UNPLACED
    assert "requested devices" in view.title


def test_step_stats_colour_the_nodes_that_ran(placed):
    view = show_graph(run_metadata=SimpleNamespace(step_stats=placed.md.step_stats))
    assert view.node("model/h").device == GPU0 and view.node("model/h").placed
    # The initializer did not run in this step: grey, "not placed".
    assert view.node("model/w/Assign").fill == palette.UNPLACED
    assert "not placed" in legend_colours(view)
    assert "step stats" in view.title


def test_colour_by_task_and_by_op_family(placed):
    by_task = show_graph(session=placed.session, color_by="task")
    assert list(legend_colours(by_task)) == ["/job:localhost/task:0"]
    by_op = show_graph(session=placed.session, color_by="op")
    assert by_op.node("model/h").fill == palette.OP_FAMILY_COLORS["matrix"]
    assert by_op.node("model/w").fill == palette.OP_FAMILY_COLORS["state"]
    assert {"matrix", "state", "input", "math", "control"} <= set(legend_colours(by_op))


# -- shapes, lines and boxes -----------------------------------------------------------------
def test_a_control_dependency_is_a_dashed_edge(placed):
    edges = dot_edges(show_graph(session=placed.session).dot)
    styles = {(s, d): a["style"] for s, d, a in edges}
    assert styles[("model/h", "model/out")] == "dashed"
    assert styles[("model/y", "model/out")] == "solid"
    assert styles[("model/x", "model/h")] == "solid"


def test_a_variable_is_drawn_as_state(placed):
    view = show_graph(session=placed.session)
    nodes = dot_nodes(view.dot)
    assert nodes["model/w"]["shape"] == "cylinder"
    assert nodes["model/w"]["color"] == palette.STATE
    assert nodes["model/h"]["shape"] == "box"
    assert view.node("model/w").kind == "state"
    assert view.node("model/w/Assign").kind == "op"  # it writes state, owns none


def test_name_scopes_are_boxes(placed):
    view = show_graph(session=placed.session)
    dot = view.dot
    assert 'subgraph "cluster_scope:model" { label="model";' in dot
    # The variable sits in a box of its own with its initial value, Assign and read.
    assert 'subgraph "cluster_scope:model/w" { label="w";' in dot
    assert view.node("model/w").group == ("scope:model", "scope:model/w")
    assert view.node("model/h").group == ("scope:model",)


def test_edge_labels_show_dtype_and_shape(placed):
    view = show_graph(session=placed.session, edge_labels=True)
    labels = {(e.src, e.dst): e.label for e in view.edges}
    assert labels[("model/x", "model/h")] == "float32 [1,2]"
    assert labels[("model/h", "model/out")] == ""  # a control edge carries no tensor


# -- partitioned runs ------------------------------------------------------------------------
def test_partition_graphs_show_the_send_recv_pair_between_gpus(placed):
    view = show_graph(run_metadata=placed.md)
    transfers = [e for e in view.edges if e.kind == "transfer"]
    assert len(transfers) == 1
    send, recv = view.node(transfers[0].src), view.node(transfers[0].dst)
    assert (send.op_type, send.device) == ("_Send", GPU0)
    assert (recv.op_type, recv.device) == ("_Recv", GPU1)
    assert send.group[:2] == ("task:/job:localhost/replica:0/task:0", f"device:{GPU0}")
    assert recv.group[:2] == ("task:/job:localhost/replica:0/task:0", f"device:{GPU1}")
    [(s, d, attrs)] = [e for e in dot_edges(view.dot) if e[2]["color"] == palette.TRANSFER]
    assert (s, d) == (send.id, recv.id)
    assert 'subgraph "cluster_device:' + GPU0 + '" { label="GPU:0";' in view.dot


def test_a_cluster_run_shows_transfers_between_tasks(servers):
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(tf.ones([2, 2]), name="w")
    with tf.device("/job:worker/task:0"):
        y = tf.matmul(tf.constant([[1.0, 2.0]], name="x"), w, name="y")
    with tf.device("/job:worker/task:1"):
        z = tf.reduce_sum(y * 3.0, name="z")
    config = tf.ConfigProto(operation_timeout_in_ms=10_000)
    with tf.Session(servers.worker.target, config=config) as sess:
        sess.run(tf.global_variables_initializer())
        md = tf.RunMetadata()
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
        sess.run(z, options=options, run_metadata=md)
        remote = show_graph(session=sess)  # the master's placement records
    view = show_graph(run_metadata=md)
    task = {n.id: n.group[0] for n in view.nodes}
    crossing = [(e.src, e.dst) for e in view.edges if e.kind == "transfer"]
    assert len(crossing) == 2  # w/read: ps -> worker:0, y: worker:0 -> worker:1
    assert {(task[s], task[d]) for s, d in crossing} == {
        ("task:/job:ps/replica:0/task:0", "task:/job:worker/replica:0/task:0"),
        ("task:/job:worker/replica:0/task:0", "task:/job:worker/replica:0/task:1"),
    }
    red = [(s, d) for s, d, a in dot_edges(view.dot) if a["color"] == palette.TRANSFER]
    assert sorted(red) == sorted(crossing)
    for label in ("/job:ps/task:0", "/job:worker/task:0", "/job:worker/task:1"):
        assert f'label="{label}";' in view.dot
    assert set(legend_colours(view)) == {
        "/job:ps/task:0/CPU:0",
        "/job:worker/task:0/GPU:0",  # worker:0 has two simulated GPUs
        "/job:worker/task:1/CPU:0",
    }
    assert "from placement records" in remote.title
    assert remote.node("y").device == "/job:worker/replica:0/task:0/device:GPU:0"
    assert remote.node("w").device == "/job:ps/replica:0/task:0/device:CPU:0"


# -- large graphs ----------------------------------------------------------------------------
def mlp(layers=6, variables_only=False):
    x = tf.placeholder(tf.float32, [None, 8], name="x")
    h = x
    for i in range(layers):
        with tf.variable_scope(f"layer{i}"):
            w = tf.get_variable("w", [8, 8])
            b = tf.get_variable("b", [8], initializer=tf.zeros_initializer())
            h = tf.nn.relu(tf.matmul(h, w) + b)
    loss = tf.reduce_mean(tf.square(h), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return loss, train, tf.global_variables_initializer()


def test_init_is_moved_aside_with_its_edges_counted():
    mlp(layers=6)  # 12 variables: init has 12 control inputs
    view = show_graph(max_nodes=None)
    aside = {a.node.name: a for a in view.aside}
    assert aside["init"].counts == {"control inputs": 12}
    assert aside["init"].summary == "12 control inputs"
    assert all("init" not in (e.src, e.dst) for e in view.edges)
    assert 'subgraph "cluster_aside"' in view.dot
    assert "12 control inputs" in dot_nodes(view.dot)["init"]["label"]
    kept = show_graph(max_nodes=None, aside_degree=0)
    assert kept.aside == [] and kept.node("init").kind == "op"


def test_named_scopes_collapse_into_one_node():
    mlp(layers=2)
    view = show_graph(collapse=["gradients"], max_nodes=None)
    g = view.node("scope:gradients")
    assert g.kind == "scope" and g.members > 10 and g.label == "gradients"
    assert not any(n.name.startswith("gradients/") for n in view.nodes)
    # Edges into and out of the scope are merged, counted, and none is left inside it.
    into = [e for e in view.edges if e.dst == "scope:gradients"]
    assert into and all(e.src != e.dst for e in view.edges)
    assert any(e.count > 1 and e.label == f"x{e.count}" for e in into)
    assert dot_nodes(view.dot)["scope:gradients"]["shape"] == "folder"
    assert view.model.collapsed == ["scope:gradients"]


def test_beyond_max_nodes_the_largest_scopes_collapse():
    mlp(layers=9)
    n_ops = len(tf.get_default_graph().get_operations())
    assert n_ops > 300
    view = show_graph(max_nodes=60)
    assert len(view.nodes) <= 60
    assert "scope:gradients" in view.model.collapsed  # the largest scope goes first
    assert f"{n_ops} nodes | {len(view.nodes)} shown" in view.title
    everything = show_graph(max_nodes=None)
    assert len(everything.nodes) + len(everything.aside) == n_ops


def test_a_big_graph_collapses_its_scopes_by_default_and_expand_opens_one():
    mlp(layers=3)  # about 150 nodes, as lab 09's model
    n_ops = len(tf.get_default_graph().get_operations())
    assert 100 < n_ops < 300
    view = show_graph()
    assert len(view.nodes) <= 60 and "scope:gradients" in view.model.collapsed
    opened = show_graph(expand=["gradients"])
    assert "scope:gradients" not in opened.model.collapsed
    assert any(n.name.startswith("gradients/") for n in opened.nodes)
    # Scopes inside gradients may fold instead; nothing outside it was opened.
    assert len(opened.nodes) > len(view.nodes)
    everything = show_graph(collapse=False)
    assert everything.model.collapsed == []
    assert len(everything.nodes) + len(everything.aside) == n_ops
    assert show_graph(collapse="gradients", max_nodes=None).model.collapsed == ["scope:gradients"]


def test_a_big_graph_scrolls_in_the_notebook_instead_of_shrinking():
    mlp(layers=3)
    html = show_graph(collapse=False, engine="python")._repr_html_()
    # A notebook fits an <svg> image to the cell: the view opts out and scrolls.
    assert "overflow:auto" in html
    assert '<svg style="max-width:none;height:auto"' in html
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', html)]
    assert sizes and min(sizes) >= 8


def test_three_hundred_nodes_draw_without_graphviz():
    # How fast: bench/bench_graph_scale.py measures it (never a timed unit test).
    mlp(layers=9)
    view = show_graph(max_nodes=None)
    svg = view.svg(engine="python")
    assert len(view.nodes) > 300
    ET.fromstring(svg)


def test_the_same_graph_draws_the_same_every_time(placed):
    a = show_graph(session=placed.session)
    b = show_graph(session=placed.session)
    assert a.dot == b.dot
    assert a.svg(engine="python") == b.svg(engine="python")


# -- SVG -------------------------------------------------------------------------------------
def test_svg_without_graphviz_has_one_group_per_node_labels_and_legend(placed):
    view = show_graph(session=placed.session, engine="python")
    root = ET.fromstring(view.svg())
    assert root.tag == f"{SVG}svg"
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:1] == ["node"]]
    assert len(groups) == len(view.nodes) + len(view.aside)
    by_name = {g.get("data-name"): g for g in groups}
    h = by_name["model/h"]
    assert h.get("data-device") == GPU0
    assert [t.text for t in h.iter(f"{SVG}text")] == ["h", "MatMul"]
    assert h.find(f"{SVG}rect").get("fill") == legend_colours(view)["GPU:0"]
    assert "device: " + GPU0 in h.find(f"{SVG}title").text
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert "GPU:0" in texts and "GPU:1" in texts and "control dependency" in texts
    dashed = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge control" and g.get("data-dst") == "model/out"
    ]
    assert dashed[0].find(f"{SVG}path").get("stroke-dasharray")
    boxes = [g.get("data-box") for g in root.iter(f"{SVG}g") if "box" in g.get("class", "")]
    assert "scope:model" in boxes and "scope:model/w" in boxes


def test_svg_marks_state_and_transfers(placed):
    root = ET.fromstring(show_graph(run_metadata=placed.md).svg(engine="python"))
    state = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node state"]
    assert [g.get("data-name") for g in state] == ["model/w"]
    assert state[0].find(f"{SVG}ellipse") is not None  # the cylinder's cap
    red = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge transfer"]
    assert len(red) == 1 and red[0].find(f"{SVG}path").get("stroke") == palette.TRANSFER


def test_every_label_is_escaped():
    # Graph names cannot hold quotes, but device strings from a device function can, and
    # nodes read from a partition graph can be called anything.
    with tf.device(lambda op: 'dev "<&>'):
        tf.constant(1.0, name="a>b\\c")
    view = show_graph()
    nodes = dot_nodes(view.dot)
    assert nodes["a>b\\c"]["label"] == "a>b\\c\nConst"
    assert legend_colours(view) == {'dev "<&> (requested)': palette.QUALITATIVE[0]}
    root = ET.fromstring(view.svg(engine="python"))
    assert any(t.text == 'dev "<&> (requested)' for t in root.iter(f"{SVG}text"))

    odd = 'x"<&>y'
    dev = "/job:localhost/replica:0/task:0/device:CPU:0"
    md = SimpleNamespace(
        partition_graphs=[[NodeDef(odd, "Const", [], dev), NodeDef("z", "Identity", [odd], dev)]]
    )
    view = show_graph(tf.Graph(), run_metadata=md)
    assert dot_edges(view.dot)[0][:2] == (odd, "z")
    root = ET.fromstring(view.svg(engine="python"))
    assert [g.get("data-name") for g in root.iter(f"{SVG}g") if g.get("data-name")] == [odd, "z"]
    # Outside quoted strings and the legend's HTML label, DOT has no stray quote or bracket.
    rest = re.sub(_QUOTED, "", re.sub(r"label=<.*>\]", "", view.dot))
    assert '"' not in rest and "<" not in rest


@pytest.mark.skipif(not graphviz_available(), reason="Graphviz's dot program is not installed")
def test_graphviz_draws_the_svg_when_installed(placed):
    view = show_graph(session=placed.session)
    svg = view.svg()  # engine "auto" picks Graphviz
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "GPU:0" in texts and "model" in texts
    assert svg != view.svg(engine="python")
    # Names that need escaping reach Graphviz intact.
    with tf.Graph().as_default() as g, tf.device(lambda op: 'dev "<&>'):
        tf.constant(1.0, name="a>b\\c")
    texts = [t.text for t in ET.fromstring(show_graph(g).svg()).iter(f"{SVG}text")]
    assert "a>b\\c" in texts and 'dev "<&> (requested)' in texts


def test_without_graphviz_auto_uses_the_built_in_layout(placed, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert not graphviz_available()
    view = show_graph(session=placed.session)
    assert view.svg() == view.svg(engine="python")
    assert 'class="teachflow-graph"' in view.svg()


# -- display and files -----------------------------------------------------------------------
def test_notebook_display(placed):
    view = show_graph(session=placed.session, engine="python")
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    assert bundle["text/html"] == view._repr_html_()
    assert bundle["image/svg+xml"] == view._repr_svg_() == view.svg()
    assert view._repr_html_().startswith('<div class="teachflow-graph-view"')
    assert "<svg" in view._repr_html_()
    assert bundle["text/plain"].startswith("<GraphView 10 nodes")
    assert "GPU:0, GPU:1" in repr(view)
    assert set(view._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}


def test_save_svg_dot_and_png(placed, tmp_path):
    view = show_graph(session=placed.session, engine="python")
    assert view.save(tmp_path / "g.svg").read_text() == view.svg()
    assert view.save(tmp_path / "g.dot").read_text() == view.dot
    png = view.save(tmp_path / "g.png").read_bytes()  # matplotlib draws the layout
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="use .svg, .dot or .png"):
        view.save(tmp_path / "g.jpg")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="color_by must be one of"):
        show_graph(color_by="colour")
    with pytest.raises(ValueError, match="engine must be one of"):
        show_graph(engine="js")
    with pytest.raises(ValueError, match="engine must be one of"):
        show_graph().svg(engine="js")
    with pytest.raises(KeyError, match="No node 'nope'"):
        show_graph().node("nope")


def test_an_empty_graph_still_draws():
    view = show_graph(tf.Graph())
    assert isinstance(view, GraphView) and view.nodes == [] and view.edges == []
    ET.fromstring(view.svg(engine="python"))
    assert view.dot.startswith("digraph teachflow {")
