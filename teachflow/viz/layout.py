"""A layered graph layout in plain Python: how the graph view draws without Graphviz.

It follows the method of Sugiyama, Tagawa and Toda (1981), the one Graphviz's ``dot`` uses:

1. **Ranks.** Edges point down. A node's rank is its longest path from a source; a source
   (a constant, a variable) then moves down to sit just above its first consumer. Edges
   that would close a cycle are turned around for ranking only.
2. **Dummies.** An edge that spans several ranks is cut into a chain through one *dummy*
   node per rank, so it can be routed around other nodes.
3. **Order.** Within each rank nodes are sorted by the mean position of their neighbours
   in the rank above (then below), sweeping a few times and keeping the order with the
   fewest edge crossings. The members of a box (a name scope, a device) stay next to each
   other: boxes are sorted as units by their members' mean position.
4. **x.** Each box packs its members and inner boxes left to right, per rank, like a
   skyline: an inner box takes its width on every rank it spans, so boxes never overlap.
   Then nodes and boxes slide toward the mean x of their neighbours, within the room
   they have; the packing is redone a few times in the order the neighbours ask for.
5. **y.** Ranks are stacked with room above for the labels of the boxes that start there.

    >>> from teachflow.viz.layout import LayoutNode, layered_layout
    >>> nodes = [LayoutNode("a", 40, 20), LayoutNode("b", 40, 20), LayoutNode("c", 40, 20)]
    >>> lay = layered_layout(nodes, [("a", "c"), ("b", "c")])
    >>> lay.rank == {"a": 0, "b": 0, "c": 1}, lay.y["c"] > lay.y["a"]
    (True, True)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayoutNode:
    """A node to place: its size and the path of boxes it sits in, outermost first."""

    id: str
    width: float
    height: float
    group: tuple = ()


@dataclass(frozen=True)
class Spacing:
    node_gap: float = 18.0  # between neighbours in a rank
    rank_gap: float = 34.0  # between ranks
    box_pad: float = 9.0  # inside a box, around its members
    box_label: float = 15.0  # the height of a box's label line
    dummy_width: float = 4.0
    margin: float = 8.0
    sweeps: int = 8
    pack_passes: int = 3
    slide_passes: int = 4


@dataclass
class Layout:
    """Where everything goes. Coordinates are centres (nodes) or corners (boxes)."""

    x: dict  # node id -> centre x
    y: dict  # node id -> centre y
    rank: dict  # node id -> rank
    order: list  # per rank: the node ids in left-to-right order (dummies left out)
    routes: list  # per input edge: [(x, y), ...] from source to target ([] if dropped)
    boxes: dict  # group path -> (x0, y0, x1, y1)
    width: float
    height: float
    crossings: int
    sizes: dict = field(default_factory=dict)  # node id -> (width, height)


def layered_layout(nodes, edges, *, box_min_width=None, spacing=None) -> Layout:
    """Lay out ``nodes`` (`LayoutNode`) with ``edges``: (source id, target id) pairs, or
    triples whose third item names a *bundle*: long edges from one source in one bundle
    share a route until they branch off to their targets.

    ``box_min_width`` maps a group path to the least width of its box (room for its
    label). The result is the same for the same input, run after run.
    """
    sp = spacing or Spacing()
    g = _Graph(nodes, edges, sp)
    if not g.ids:
        routes = [[] for _ in g.edges]
        return Layout({}, {}, {}, [], routes, {}, 2 * sp.margin, 2 * sp.margin, 0)
    g.rank_nodes()
    g.add_dummies()
    g.order_ranks()
    g.place_x(box_min_width or {})
    g.place_y()
    return g.result()


class _Graph:
    """The working state of one layout; vertices are ints (real nodes first, then dummies)."""

    def __init__(self, nodes, edges, sp):
        self.sp = sp
        self.ids = [n.id for n in nodes]
        self.index = {n.id: i for i, n in enumerate(nodes)}
        if len(self.index) != len(self.ids):
            raise ValueError("layered_layout: node ids must be unique")
        self.w = [float(n.width) for n in nodes]
        self.h = [float(n.height) for n in nodes]
        self.group = [tuple(n.group) for n in nodes]
        self.n_real = len(nodes)
        # Input edges, with the ones that cannot be drawn (unknown ends, loops) kept as None.
        self.edges = []
        self.bundle = []
        for edge in edges:
            src, dst = edge[0], edge[1]
            a, b = self.index.get(src), self.index.get(dst)
            self.edges.append(None if a is None or b is None or a == b else (a, b))
            self.bundle.append(edge[2] if len(edge) > 2 else None)

    # -- 1. ranks ------------------------------------------------------------------------
    def rank_nodes(self):
        n = self.n_real
        out = [[] for _ in range(n)]
        for e, ab in enumerate(self.edges):
            if ab is not None:
                out[ab[0]].append(e)
        self.reversed = self._back_edges(out)
        self.dag = {}  # edge index -> (upper vertex, lower vertex)
        for e, ab in enumerate(self.edges):
            if ab is not None:
                self.dag[e] = (ab[1], ab[0]) if e in self.reversed else ab
        succ = [[] for _ in range(n)]
        indeg = [0] * n
        for a, b in self.dag.values():
            succ[a].append(b)
            indeg[b] += 1
        rank = [0] * n
        ready = [v for v in range(n) if indeg[v] == 0]
        heapq.heapify(ready)
        topo = []
        while ready:
            v = heapq.heappop(ready)
            topo.append(v)
            for w in succ[v]:
                rank[w] = max(rank[w], rank[v] + 1)
                indeg[w] -= 1
                if indeg[w] == 0:
                    heapq.heappush(ready, w)
        has_pred = {b for _, b in self.dag.values()}
        for v in topo:
            if v not in has_pred and succ[v]:
                # A source sits just above its first consumer, not at the top of the page.
                rank[v] = min(rank[w] for w in succ[v]) - 1
        self.rank = rank
        self.succ = succ

    def _back_edges(self, out):
        """Edges that close a cycle in a depth-first search, visited in node order."""
        state = [0] * len(out)  # 0 new, 1 on the stack, 2 done
        back = set()
        for root in range(len(out)):
            if state[root]:
                continue
            state[root] = 1
            stack = [(root, iter(out[root]))]
            while stack:
                v, it = stack[-1]
                for e in it:
                    w = self.edges[e][1]
                    if state[w] == 1:
                        back.add(e)
                    elif state[w] == 0:
                        state[w] = 1
                        stack.append((w, iter(out[w])))
                        break
                else:
                    state[v] = 2
                    stack.pop()
        return back

    # -- 2. dummies ----------------------------------------------------------------------
    def add_dummies(self):
        # Long edges leaving one node (of one bundle) share their dummies: one trunk that
        # branches where the targets are, instead of a fan of parallel lines.
        self.chain = {}  # edge index -> [upper, dummy..., lower]
        self.adj_down = [[] for _ in range(self.n_real)]
        self.adj_up = [[] for _ in range(self.n_real)]
        trunk = {}
        for e, (a, b) in self.dag.items():
            path = [a]
            lca = _common_prefix(self.group[a], self.group[b])
            for r in range(self.rank[a] + 1, self.rank[b]):
                key = (a, self.bundle[e], r)
                d = trunk.get(key)
                if d is None:
                    d = trunk[key] = self._new_vertex(r, lca)
                else:
                    self.group[d] = _common_prefix(self.group[d], lca)
                path.append(d)
            path.append(b)
            self.chain[e] = path
            for u, v in zip(path, path[1:]):
                if v not in self.adj_down[u]:
                    self.adj_down[u].append(v)
                    self.adj_up[v].append(u)

    def _new_vertex(self, rank, group):
        self.w.append(self.sp.dummy_width)
        self.h.append(0.0)
        self.group.append(group)
        self.rank.append(rank)
        self.adj_down.append([])
        self.adj_up.append([])
        return len(self.w) - 1

    # -- 3. order within ranks -----------------------------------------------------------
    def order_ranks(self):
        n_ranks = max(self.rank, default=-1) + 1
        layers = [[] for _ in range(n_ranks)]
        for v in range(len(self.w)):
            layers[self.rank[v]].append(v)
        group_ids = {}
        for grp in sorted({p for v in range(len(self.w)) for p in _prefixes(self.group[v])}):
            group_ids[grp] = len(group_ids)
        group_ids[()] = -1  # the page itself: the box around everything, never drawn
        self.group_ids = group_ids
        self.depth = max((len(gr) for gr in self.group), default=0)
        pos = {}
        for layer in layers:
            layer[:] = self._sorted_layer(layer, {v: float(v) for v in layer})
            pos.update((v, i) for i, v in enumerate(layer))
        best = [list(x) for x in layers]
        best_crossings = self._crossings(layers, pos)
        for _ in range(self.sp.sweeps):
            if best_crossings == 0:
                break
            for r in range(1, n_ranks):
                self._sweep(layers[r], self.adj_up, pos)
            for r in range(n_ranks - 2, -1, -1):
                self._sweep(layers[r], self.adj_down, pos)
            c = self._crossings(layers, pos)
            if c < best_crossings:
                best, best_crossings = [list(x) for x in layers], c
        self.layers = best
        self.n_crossings = best_crossings
        self.pos = {v: i for layer in best for i, v in enumerate(layer)}

    def _sweep(self, layer, neighbours, pos):
        bary = {}
        for v in layer:
            ns = neighbours[v]
            bary[v] = sum(pos[u] for u in ns) / len(ns) if ns else float(pos[v])
        layer[:] = self._sorted_layer(layer, bary)
        pos.update((v, i) for i, v in enumerate(layer))

    def _sorted_layer(self, layer, bary):
        """Sort by barycenter, a box's members kept together and placed by their mean."""
        sums = {}
        for v in layer:
            for p in _prefixes(self.group[v]):
                s = sums.setdefault(p, [0.0, 0])
                s[0] += bary[v]
                s[1] += 1
        mean = {p: s[0] / s[1] for p, s in sums.items()}

        def key(v):
            grp = self.group[v]
            parts = []
            for k in range(1, self.depth + 1):
                if k <= len(grp):
                    p = grp[:k]
                    parts.append((mean[p], 0, self.group_ids[p]))
                else:
                    parts.append((bary[v], 1, -1))
            parts.append((bary[v], 1, v))
            return parts

        return sorted(layer, key=key)

    def _crossings(self, layers, pos):
        total = 0
        for layer in layers[:-1]:
            pairs = sorted((pos[u], pos[v]) for u in layer for v in self.adj_down[u])
            total += _inversions([b for _, b in pairs])
        return total

    # -- 4. x ----------------------------------------------------------------------------
    def place_x(self, box_min_width):
        """Pack each box's items left to right in an order; slide them toward their
        neighbours within the room that leaves; then pack again in the order of where the
        neighbours are, a few times."""
        n_v = len(self.w)
        layer_len = {r: len(layer) for r, layer in enumerate(self.layers)}
        score = [(self.pos[v] + 0.5) / layer_len[self.rank[v]] for v in range(n_v)]
        groups = sorted(self.group_ids, key=lambda p: (len(p), self.group_ids[p]))
        children = {p: [] for p in groups}
        direct = {p: [] for p in groups}
        for p in groups:
            if p:
                children[p[:-1]].append(p)
        for v in range(n_v):
            direct[self.group[v]].append(v)
        span, key, inside, nested = {}, {}, {}, {}
        for p in reversed(groups):  # deepest first
            ranks = [self.rank[v] for v in direct[p]] + [r for c in children[p] for r in span[c]]
            span[p] = (min(ranks), max(ranks))
            for v in direct[p]:
                key[(0, v)] = score[v]
            members = [score[v] for v in direct[p]] + [key[(1, c)] for c in children[p]]
            key[(1, p)] = sum(members) / len(members)
            inside[p] = list(direct[p]) + [v for c in children[p] for v in inside[c]]
            nested[p] = [p] + [q for c in children[p] for q in nested[c]]
        self.groups, self.children, self.direct, self.span = groups, children, direct, span
        self.inside, self.nested = inside, nested
        self.nbrs = [self.adj_up[v] + self.adj_down[v] for v in range(n_v)]
        for _ in range(1 + self.sp.pack_passes):
            self._pack(box_min_width, key)
            self._slide()
            key = {item: self._wanted_left(item) + self._width(item) / 2 for item in key}

    def _width(self, item):
        kind, ident = item
        return self.w[ident] if kind == 0 else self.box_w[ident]

    def _left(self, item):
        kind, ident = item
        return self.x[ident] - self.w[ident] / 2 if kind == 0 else self.box_x[ident]

    def _wanted_left(self, item):
        """Where an item's left edge would put it level with its neighbours."""
        kind, ident = item
        if kind == 0:
            ns = self.nbrs[ident]
            if not ns:
                return self._left(item)
            return sum(self.x[u] for u in ns) / len(ns) - self.w[ident] / 2
        k = len(ident)
        shifts = [
            self.x[u] - self.x[v]
            for v in self.inside[ident]
            for u in self.nbrs[v]
            if self.group[u][:k] != ident
        ]
        return self.box_x[ident] + (sum(shifts) / len(shifts) if shifts else 0.0)

    def _items(self, p):
        """A box's items: (kind, id, first rank, last rank); kind 0 a node, 1 a box."""
        items = [(0, v, self.rank[v], self.rank[v]) for v in self.direct[p]]
        items += [(1, c, self.span[c][0], self.span[c][1]) for c in self.children[p]]
        return items

    def _pack(self, box_min_width, key):
        """Left-pack every box's items in ``key`` order, inner boxes first (a skyline per
        rank: an inner box takes its width on every rank it spans)."""
        sp = self.sp
        rel, self.box_w = {}, {}
        for p in reversed(self.groups):
            items = self._items(p)
            items.sort(key=lambda it: (key[it[:2]], it[0], self._tie(it)))
            skyline = {}
            for kind, ident, r0, r1 in items:
                w = self.w[ident] if kind == 0 else self.box_w[ident]
                x = max(
                    (skyline[r] + sp.node_gap for r in range(r0, r1 + 1) if r in skyline),
                    default=0.0,
                )
                for r in range(r0, r1 + 1):
                    skyline[r] = x + w
                rel[(kind, ident)] = x
            inner = max(skyline.values(), default=0.0)
            pad = sp.box_pad if p else 0.0
            least = box_min_width.get(p, 0.0) - 2 * pad
            shift = (least - inner) / 2 if least > inner else 0.0
            for kind, ident, *_ in items:
                rel[(kind, ident)] += pad + shift
            self.box_w[p] = max(inner, least) + 2 * pad
        self.box_x = {(): 0.0}
        self.x = [0.0] * len(self.w)
        for p in self.groups:  # outermost first
            x0 = self.box_x[p]
            for c in self.children[p]:
                self.box_x[c] = x0 + rel[(1, c)]
            for v in self.direct[p]:
                self.x[v] = x0 + rel[(0, v)] + self.w[v] / 2

    def _tie(self, item):
        return item[1] if item[0] == 0 else self.group_ids[item[1]]

    def _slide(self):
        """Slide nodes and boxes toward their neighbours, never past a neighbour in any rank
        they span nor out of their box, so that edges run as straight as packing allows."""
        gap = self.sp.node_gap
        for i in range(self.sp.slide_passes):
            for p in self.groups:  # outer boxes first: inner ones then move with them
                pad = self.sp.box_pad if p else 0.0
                lo_box = self.box_x[p] + pad
                hi_box = self.box_x[p] + self.box_w[p] - pad
                items = self._items(p)
                rows = {}
                for it in sorted(items, key=lambda it: self._left(it[:2])):
                    for r in range(it[2], it[3] + 1):
                        rows.setdefault(r, []).append(it[:2])
                at = {(r, item): k for r, row in rows.items() for k, item in enumerate(row)}
                if i % 2:
                    items.reverse()
                for kind, ident, r0, r1 in items:
                    item = (kind, ident)
                    w = self._width(item)
                    lo, hi = lo_box, hi_box - w
                    for r in range(r0, r1 + 1):
                        row, k = rows[r], at[(r, item)]
                        if k > 0:
                            lo = max(lo, self._left(row[k - 1]) + self._width(row[k - 1]) + gap)
                        if k + 1 < len(row):
                            hi = min(hi, self._left(row[k + 1]) - gap - w)
                    if lo > hi:
                        continue
                    new = min(max(self._wanted_left(item), lo), hi)
                    self._move(item, new - self._left(item))

    def _move(self, item, delta):
        kind, ident = item
        if kind == 0:
            self.x[ident] += delta
            return
        for v in self.inside[ident]:
            self.x[v] += delta
        for q in self.nested[ident]:
            self.box_x[q] += delta

    # -- 5. y ----------------------------------------------------------------------------
    def place_y(self):
        sp = self.sp
        n_ranks = len(self.layers)
        heights = [0.0] * n_ranks
        for v in range(self.n_real):
            heights[self.rank[v]] = max(heights[self.rank[v]], self.h[v])
        boxes = [p for p in self.span if p]
        nest_start, nest_end = {}, {}
        for p in sorted(boxes, key=len, reverse=True):  # inner boxes first
            r0, r1 = self.span[p]
            inner = [c for c in self.children[p]]
            nest_start[p] = 1 + max(
                (nest_start[c] for c in inner if self.span[c][0] == r0), default=0
            )
            nest_end[p] = 1 + max((nest_end[c] for c in inner if self.span[c][1] == r1), default=0)
        above = [0.0] * n_ranks
        below = [0.0] * n_ranks
        for p in boxes:
            r0, r1 = self.span[p]
            above[r0] = max(above[r0], nest_start[p] * (sp.box_label + sp.box_pad))
            below[r1] = max(below[r1], nest_end[p] * sp.box_pad)
        top = [0.0] * n_ranks
        y = sp.margin
        for r in range(n_ranks):
            y += above[r]
            top[r] = y
            y += heights[r] + below[r] + sp.rank_gap
        self.height = (y - sp.rank_gap if n_ranks else y) + sp.margin
        self.y = [top[self.rank[v]] + heights[self.rank[v]] / 2 for v in range(len(self.w))]
        self.boxes = {}
        for p in boxes:
            r0, r1 = self.span[p]
            x0 = self.box_x[p] + sp.margin
            self.boxes[p] = (
                x0,
                top[r0] - nest_start[p] * (sp.box_label + sp.box_pad),
                x0 + self.box_w[p],
                top[r1] + heights[r1] + nest_end[p] * sp.box_pad,
            )
        self.width = self.box_w[()] + 2 * sp.margin
        self.x = [x + sp.margin for x in self.x]

    # -- 6. the result -------------------------------------------------------------------
    def result(self) -> Layout:
        routes = []
        for e, ab in enumerate(self.edges):
            if ab is None:
                routes.append([])
                continue
            path = self.chain[e]
            a, b = path[0], path[-1]
            pts = [(self.x[a], self.y[a] + self.h[a] / 2)]
            pts += [(self.x[d], self.y[d]) for d in path[1:-1]]
            pts.append((self.x[b], self.y[b] - self.h[b] / 2))
            routes.append(pts[::-1] if e in self.reversed else pts)
        real = range(self.n_real)
        return Layout(
            x={self.ids[v]: self.x[v] for v in real},
            y={self.ids[v]: self.y[v] for v in real},
            rank={self.ids[v]: self.rank[v] for v in real},
            order=[[self.ids[v] for v in layer if v < self.n_real] for layer in self.layers],
            routes=routes,
            boxes=self.boxes,
            width=self.width,
            height=self.height,
            crossings=self.n_crossings,
            sizes={self.ids[v]: (self.w[v], self.h[v]) for v in real},
        )


def _prefixes(group):
    return [group[:k] for k in range(1, len(group) + 1)]


def _common_prefix(a, b):
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return a[:k]


def _inversions(seq) -> int:
    """Pairs i < j with seq[i] > seq[j]: the crossings between two ranks (merge count)."""
    if len(seq) < 2:
        return 0
    mid = len(seq) // 2
    left, right = seq[:mid], seq[mid:]
    count = _inversions(left) + _inversions(right)
    left.sort()
    right.sort()
    j = 0
    for x in left:
        while j < len(right) and right[j] < x:
            j += 1
        count += j
    return count
