"""The pure-Python layered layout: ranks, order, boxes, routes, and its guarantees."""

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teachflow.viz.layout import LayoutNode, Spacing, layered_layout


def node(name, width=40, group=()):
    return LayoutNode(name, width, 20, group)


def extent(lay, name):
    w, h = lay.sizes[name]
    return lay.x[name] - w / 2, lay.y[name] - h / 2, lay.x[name] + w / 2, lay.y[name] + h / 2


def test_ranks_are_longest_paths_and_edges_point_down():
    nodes = [node(n) for n in "abcd"]
    lay = layered_layout(nodes, [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    assert lay.rank == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert lay.y["a"] < lay.y["b"] < lay.y["c"] < lay.y["d"]


def test_a_source_sits_just_above_its_consumer():
    # "k" (a constant) is only needed by "d": it goes to rank 2, not to the top.
    nodes = [node(n) for n in "abcdk"]
    lay = layered_layout(nodes, [("a", "b"), ("b", "c"), ("c", "d"), ("k", "d")])
    assert lay.rank["k"] == lay.rank["d"] - 1 == 2


def test_routes_start_at_the_source_and_end_at_the_target():
    lay = layered_layout([node("a"), node("b")], [("a", "b")])
    (x0, y0), (x1, y1) = lay.routes[0][0], lay.routes[0][-1]
    assert (x0, y0) == (lay.x["a"], extent(lay, "a")[3])  # bottom of a
    assert (x1, y1) == (lay.x["b"], extent(lay, "b")[1])  # top of b


def test_long_edges_bend_through_one_point_per_rank():
    nodes = [node(n) for n in "abcd"]
    lay = layered_layout(nodes, [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    route = lay.routes[3]
    assert len(route) == 4  # a, two dummies (ranks 1 and 2), d
    ys = [y for _, y in route]
    assert ys == sorted(ys)


def test_long_edges_from_one_source_share_a_trunk():
    nodes = [node(n) for n in "abcdef"]
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("a", "e"), ("a", "f"), ("e", "f")]
    lay = layered_layout(nodes, edges)
    to_e, to_f = lay.routes[4], lay.routes[5]
    assert to_e[1:4] == to_f[1:4]  # the same dummies on ranks 1..3
    # In different bundles (say data and control), they keep apart.
    bundled = [e + ("data",) for e in edges[:5]] + [("a", "f", "control"), ("e", "f", "data")]
    lay = layered_layout(nodes, bundled)
    assert lay.routes[4][1] != lay.routes[5][1]


def test_unknown_ends_and_self_loops_are_dropped_not_fatal():
    lay = layered_layout([node("a")], [("a", "a"), ("a", "nowhere")])
    assert lay.routes == [[], []]


def test_a_cycle_is_laid_out_with_one_edge_turned_around():
    lay = layered_layout([node("a"), node("b")], [("a", "b"), ("b", "a")])
    assert lay.rank == {"a": 0, "b": 1}
    back = lay.routes[1]
    assert back[0][1] > back[-1][1]  # drawn upward, from b to a
    assert back[-1] == (lay.x["a"], extent(lay, "a")[3])


def test_order_removes_avoidable_crossings():
    # Ranks a,b over c,d with a->d and b->c cross unless one rank is flipped.
    nodes = [node(n) for n in "abcd"]
    lay = layered_layout(nodes, [("a", "d"), ("b", "c"), ("a", "x")])
    assert lay.crossings == 0


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        layered_layout([node("a"), node("a")], [])


def test_boxes_hold_their_members_and_their_labels():
    nodes = [node("a", group=("g",)), node("b", group=("g", "g/h")), node("c")]
    lay = layered_layout(nodes, [("a", "b"), ("b", "c")], box_min_width={("g",): 300})
    gx0, gy0, gx1, gy1 = lay.boxes[("g",)]
    hx0, hy0, hx1, hy1 = lay.boxes[("g", "g/h")]
    assert gx1 - gx0 >= 300
    assert gx0 < hx0 and hx1 < gx1 and gy0 < hy0 and hy1 <= gy1
    for name, box in (("a", lay.boxes[("g",)]), ("b", lay.boxes[("g", "g/h")])):
        x0, y0, x1, y1 = extent(lay, name)
        assert box[0] <= x0 and x1 <= box[2] and box[1] <= y0 and y1 <= box[3]
    assert not (gx0 <= lay.x["c"] <= gx1 and gy0 <= lay.y["c"] <= gy1)


def test_members_of_a_box_stay_together_in_a_rank():
    nodes = [node("r")] + [node(f"g{i}", group=("g",)) for i in range(3)]
    nodes += [node(f"h{i}", group=("h",)) for i in range(3)]
    edges = [("r", n.id) for n in nodes[1:]]
    lay = layered_layout(nodes, edges)
    row = lay.order[1]
    labels = "".join(n[0] for n in row)
    assert labels in ("ggghhh", "hhhggg")


# -- properties ------------------------------------------------------------------------------
@st.composite
def dags(draw):
    """A random DAG of up to 30 nodes, each in a random nest of up to 3 boxes."""
    n = draw(st.integers(1, 30))
    nodes = []
    for i in range(n):
        path = draw(st.lists(st.sampled_from("pq"), max_size=3))
        group = tuple("/".join(path[: k + 1]) for k in range(len(path)))
        nodes.append(
            LayoutNode(f"n{i}", draw(st.integers(10, 90)), draw(st.integers(10, 30)), group)
        )
    edges = []
    for j in range(1, n):
        for i in draw(st.lists(st.integers(0, j - 1), max_size=3)):
            edges.append((f"n{i}", f"n{j}"))
    return nodes, edges


def _overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=60, deadline=None)
@given(dags())
def test_layout_guarantees(graph):
    nodes, edges = graph
    lay = layered_layout(nodes, edges)
    by_id = {n.id: n for n in nodes}
    # No two nodes of a rank overlap.
    for row in lay.order:
        spans = sorted(extent(lay, n)[::2] for n in row)
        for (_, right), (left, _) in zip(spans, spans[1:]):
            assert right <= left + 1e-6
    # Every edge of an acyclic graph points down, and its route joins its ends.
    for (s, d), route in zip(edges, lay.routes):
        assert lay.rank[s] < lay.rank[d]
        assert route[0][1] < route[-1][1]
    # A box holds every member; boxes that are not nested do not overlap.
    for n in nodes:
        for k in range(1, len(n.group) + 1):
            box = lay.boxes[n.group[:k]]
            x0, y0, x1, y1 = extent(lay, n.id)
            assert box[0] <= x0 + 1e-6 and x1 <= box[2] + 1e-6
            assert box[1] <= y0 + 1e-6 and y1 <= box[3] + 1e-6
    paths = list(lay.boxes)
    for i, p in enumerate(paths):
        for q in paths[i + 1 :]:
            if p[: len(q)] != q and q[: len(p)] != p:
                assert not _overlaps(lay.boxes[p], lay.boxes[q]), (p, q)
    # Nodes outside a box are not drawn inside it.
    for n in nodes:
        for p, box in lay.boxes.items():
            if n.group[: len(p)] != p:
                assert not _overlaps(extent(lay, n.id), box), (n.id, p)
    # Everything is on the page.
    assert all(0 <= extent(lay, i)[0] and extent(lay, i)[2] <= lay.width for i in by_id)
    assert all(0 <= extent(lay, i)[1] and extent(lay, i)[3] <= lay.height for i in by_id)


@settings(max_examples=15, deadline=None)
@given(dags())
def test_same_graph_same_layout(graph):
    nodes, edges = graph
    assert layered_layout(nodes, edges) == layered_layout(nodes, edges)


def test_three_hundred_nodes_in_well_under_two_seconds():
    rng = random.Random(7)
    nodes = []
    for i in range(300):
        scope = rng.choice([(), ("a",), ("a", "a/b"), ("c",)])
        nodes.append(LayoutNode(f"n{i}", rng.randint(30, 120), 28, scope))
    edges = [
        (f"n{rng.randint(max(0, i - 25), i - 1)}", f"n{i}") for i in range(1, 300) for _ in range(2)
    ]
    start = time.perf_counter()
    lay = layered_layout(nodes, edges)
    assert time.perf_counter() - start < 2.0
    assert len(lay.x) == 300


def test_spacing_is_configurable():
    nodes = [node("a"), node("b")]
    tight = layered_layout(nodes, [("a", "b")], spacing=Spacing(rank_gap=10))
    loose = layered_layout(nodes, [("a", "b")], spacing=Spacing(rank_gap=100))
    assert loose.y["b"] - loose.y["a"] == tight.y["b"] - tight.y["a"] + 90
