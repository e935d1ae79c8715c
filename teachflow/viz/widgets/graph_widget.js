// The graph widget's page side: an anywidget ESM module, plain JavaScript, no dependencies.
// It draws what the kernel laid out (teachflow/viz/widgets/graph_payload.py): boxes, then
// edges, then nodes, in one SVG group that wheel and drag zoom and pan. Hover shows a
// node's details; a click selects it (the `selected` trait, shared with a linked live
// timeline); `active` names ops that just ran, which flash.

const NS = "http://www.w3.org/2000/svg";
const CUT = /\/_(send|recv|feed|control)_/;
const LINE_H = 13;
const CAP = 5; // the height of a state node's elliptic cap

// The op a node, a tensor ("mul:0") or a _Send/_Recv node stands for (graph_payload.base_name).
function baseName(name) {
  const op = (name || "").split(":")[0];
  const m = CUT.exec(op);
  return m ? op.slice(0, m.index) : op;
}

function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== "") e.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(e);
  return e;
}

function nodeShape(n, g) {
  const x0 = n.x - n.w / 2;
  const y0 = n.y - n.h / 2;
  const paint = { fill: n.fill, stroke: n.stroke, "stroke-width": n.stroke_width };
  if (n.kind === "state") {
    const x1 = x0 + n.w;
    const y1 = y0 + n.h;
    const rx = n.w / 2;
    svgEl("path", {
      class: "tf-gw-shape",
      d: `M${x0},${y0 + CAP} L${x0},${y1 - CAP} A${rx},${CAP} 0 0 0 ${x1},${y1 - CAP} ` +
        `L${x1},${y0 + CAP} A${rx},${CAP} 0 0 0 ${x0},${y0 + CAP} Z`,
      ...paint,
    }, g);
    svgEl("ellipse", { cx: n.x, cy: y0 + CAP, rx, ry: CAP, ...paint }, g);
  } else if (n.kind === "scope") {
    svgEl("rect", { x: x0 + 4, y: y0 - 4, width: n.w, height: n.h, rx: 3, opacity: 0.6, ...paint }, g);
    svgEl("rect", { class: "tf-gw-shape", x: x0, y: y0, width: n.w, height: n.h, rx: 3, ...paint }, g);
  } else {
    const rx = n.kind === "transfer" ? 10 : 5;
    svgEl("rect", { class: "tf-gw-shape", x: x0, y: y0, width: n.w, height: n.h, rx, ...paint }, g);
  }
  const lines = n.label || [];
  const top = n.y - (LINE_H * lines.length) / 2 + (n.kind === "state" ? CAP / 2 : 0);
  lines.forEach((line, i) => {
    const t = svgEl("text", {
      x: n.x, y: top + LINE_H * (i + 1) - 3, "text-anchor": "middle",
      "font-size": i === 0 ? 11 : 9, "font-weight": i === 0 ? "bold" : "", fill: n.ink,
    }, g);
    t.textContent = line;
  });
}

function legendSwatch(entry) {
  const s = document.createElementNS(NS, "svg");
  s.setAttribute("width", "24");
  s.setAttribute("height", "12");
  if (entry.kind === "fill") {
    svgEl("rect", { x: 1, y: 1, width: 22, height: 10, rx: 2, fill: entry.color, stroke: "#555", "stroke-width": 0.6 }, s);
  } else if (entry.kind === "edge") {
    svgEl("path", { d: "M1,6 L23,6", stroke: entry.color, "stroke-width": entry.width || 1, "stroke-dasharray": entry.dash }, s);
  } else if (entry.style === "cylinder") {
    svgEl("rect", { x: 5, y: 3, width: 14, height: 8, fill: "#fff", stroke: entry.color, "stroke-width": 2 }, s);
    svgEl("ellipse", { cx: 12, cy: 3, rx: 7, ry: 2.5, fill: "#fff", stroke: entry.color, "stroke-width": 2 }, s);
  } else {
    svgEl("rect", { x: 7, y: 1, width: 15, height: 9, fill: "#fff", stroke: entry.color }, s);
    svgEl("rect", { x: 3, y: 3, width: 15, height: 9, fill: "#fff", stroke: entry.color }, s);
  }
  return s;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "tf-gw";
  const bar = document.createElement("div");
  bar.className = "tf-gw-bar";
  const button = (text, title, onClick) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.addEventListener("click", onClick);
    bar.appendChild(b);
    return b;
  };
  button("Fit", "Show the whole graph", () => fit());
  button("+", "Zoom in", () => zoomBy(1.25));
  button("\u2212", "Zoom out", () => zoomBy(0.8));
  const info = document.createElement("span");
  info.className = "tf-gw-info";
  bar.appendChild(info);
  const stage = document.createElement("div");
  stage.className = "tf-gw-stage";
  const svg = svgEl("svg", { class: "tf-gw-svg", width: "100%", height: "100%" });
  const defs = svgEl("defs", {}, svg);
  const world = svgEl("g", { class: "tf-gw-world" }, svg);
  const tip = document.createElement("div");
  tip.className = "tf-gw-tip";
  stage.append(svg, tip);
  const legend = document.createElement("div");
  legend.className = "tf-gw-legend";
  root.append(bar, stage, legend);
  el.appendChild(root);

  let t = { x: 0, y: 0, k: 1 }; // world -> screen: translate, then scale
  let byBase = new Map(); // base name -> [node <g>]
  let edgesOf = new Map(); // node id -> [edge <g>]
  let nodeOf = new Map(); // <g> -> node dict
  let fitted = false;
  let drag = null; // {x, y, t, moved} while the mouse is down
  const uid = Math.random().toString(36).slice(2, 8); // marker ids unique in the page

  const apply = () => world.setAttribute("transform", `translate(${t.x},${t.y}) scale(${t.k})`);
  const stageSize = () => [stage.clientWidth || 600, stage.clientHeight || model.get("view_height") || 460];

  // Never fit so small that a label reads below 8 px: a bigger graph is shown from its
  // top left corner at that size, to be panned (drag) or opened scope by scope.
  const MIN_K = 8 / 9;
  function fit() {
    const [W, H] = stageSize();
    const w = Math.max(model.get("width") || 1, 1);
    const h = Math.max(model.get("height") || 1, 1);
    const k = Math.max(Math.min(W / w, H / h, 1.6), MIN_K);
    t = { k, x: Math.max((W - w * k) / 2, 8), y: Math.max((H - h * k) / 2, 8) };
    apply();
    root.dataset.scale = k.toFixed(3);
  }

  function zoomAt(px, py, f) {
    const k = Math.min(Math.max(t.k * f, 0.05), 8);
    t = { k, x: px - ((px - t.x) * k) / t.k, y: py - ((py - t.y) * k) / t.k };
    apply();
  }

  function zoomBy(f) {
    const [W, H] = stageSize();
    zoomAt(W / 2, H / 2, f);
  }

  function build() {
    tip.style.display = "none"; // a redraw (a scope opened) leaves no stale tip behind
    while (world.firstChild) world.firstChild.remove();
    while (defs.firstChild) defs.firstChild.remove();
    byBase = new Map();
    edgesOf = new Map();
    nodeOf = new Map();
    const kinds = new Map();
    for (const e of model.get("edges") || []) kinds.set(e.kind, e.color);
    for (const [kind, color] of kinds) {
      const m = svgEl("marker", {
        id: "tf-gw-arrow-" + kind + "-" + uid, viewBox: "0 0 10 10", refX: 10, refY: 5,
        markerUnits: "userSpaceOnUse", markerWidth: kind === "transfer" ? 9 : 7,
        markerHeight: kind === "transfer" ? 9 : 7, orient: "auto",
      }, defs);
      svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: color }, m);
    }
    const gBoxes = svgEl("g", { class: "tf-gw-boxes" }, world);
    for (const b of model.get("boxes") || []) {
      const g = svgEl("g", { class: "tf-gw-box " + b.kind, "data-box": b.id }, gBoxes);
      svgEl("rect", {
        x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, rx: 6,
        fill: b.fill, stroke: b.stroke, "stroke-width": b.width, "stroke-dasharray": b.dash,
      }, g);
      const label = svgEl("text", { x: b.x0 + 7, y: b.y0 + 13, fill: b.ink, "font-size": 10 }, g);
      label.textContent = b.label;
      g.dataset.tip = b.detail;
    }
    const gEdges = svgEl("g", { class: "tf-gw-edges" }, world);
    for (const e of model.get("edges") || []) {
      const g = svgEl("g", { class: "tf-gw-edge " + e.kind, "data-src": e.src, "data-dst": e.dst }, gEdges);
      svgEl("path", {
        d: "M" + e.points.map((p) => p[0] + "," + p[1]).join(" L"), fill: "none",
        stroke: e.color, "stroke-width": e.width, "stroke-dasharray": e.dash,
        "marker-end": `url(#tf-gw-arrow-${e.kind}-${uid})`,
      }, g);
      if (e.label) {
        const mid = Math.floor(e.points.length / 2);
        const [a, b] = [e.points[mid - 1] || e.points[0], e.points[mid]];
        const lt = svgEl("text", { class: "tf-gw-edge-label", x: (a[0] + b[0]) / 2 + 4, y: (a[1] + b[1]) / 2 + 3, "font-size": 8 }, g);
        lt.textContent = e.label;
      }
      g.dataset.tip = `${e.src} -> ${e.dst} (${e.kind}${e.count > 1 ? ", x" + e.count : ""})`;
      for (const id of [e.src, e.dst]) {
        if (!edgesOf.has(id)) edgesOf.set(id, []);
        edgesOf.get(id).push(g);
      }
    }
    const gNodes = svgEl("g", { class: "tf-gw-nodes" }, world);
    for (const n of model.get("nodes") || []) {
      const g = svgEl("g", {
        class: "tf-gw-node " + n.kind, "data-name": n.name, "data-device": n.device, "data-op": n.op,
      }, gNodes);
      nodeShape(n, g);
      nodeOf.set(g, n);
      if (!byBase.has(n.base)) byBase.set(n.base, []);
      byBase.get(n.base).push(g);
    }
    // The legend: what each colour, line and shape means, then the nodes moved aside.
    legend.replaceChildren();
    for (const entry of model.get("legend") || []) {
      const item = document.createElement("span");
      item.className = "tf-gw-legend-item " + entry.kind;
      item.dataset.key = entry.style;
      const label = document.createElement("span");
      label.textContent = entry.label;
      item.append(legendSwatch(entry), label);
      legend.appendChild(item);
    }
    for (const a of model.get("aside") || []) {
      const item = document.createElement("span");
      item.className = "tf-gw-legend-item aside";
      item.title = a.detail;
      item.append(legendSwatch({ kind: "fill", color: a.fill }), document.createTextNode("aside: " + a.label + " (" + a.summary + ")"));
      legend.appendChild(item);
    }
    info.textContent = model.get("title") || "";
    root.dataset.nodes = String((model.get("nodes") || []).length);
    root.dataset.edges = String((model.get("edges") || []).length);
    showSelection(false);
  }

  function showSelection(follow) {
    for (const g of world.querySelectorAll(".tf-gw-selected, .tf-gw-linked")) {
      g.classList.remove("tf-gw-selected", "tf-gw-linked");
    }
    const key = baseName(model.get("selected"));
    const hits = key ? byBase.get(key) || [] : [];
    world.classList.toggle("tf-gw-has-selection", hits.length > 0);
    for (const g of hits) {
      g.classList.add("tf-gw-selected");
      for (const e of edgesOf.get(nodeOf.get(g).id) || []) e.classList.add("tf-gw-linked");
    }
    root.dataset.selected = String(hits.length);
    if (follow && hits.length) {
      // Bring the op itself (not its _Send/_Recv) into view when it is outside (a click in
      // the timeline): at a legible scale a big graph is wider than its stage.
      const n = nodeOf.get(hits.find((g) => nodeOf.get(g).name === key) || hits[0]);
      const [W, H] = stageSize();
      const sx = t.x + n.x * t.k;
      const sy = t.y + n.y * t.k;
      if (sx < 0 || sx > W || sy < 0 || sy > H) {
        t = { k: t.k, x: W / 2 - n.x * t.k, y: H / 2 - n.y * t.k };
        apply();
      }
    }
  }

  function flash() {
    for (const name of model.get("active") || []) {
      for (const g of byBase.get(baseName(name)) || []) {
        if (g.animate) {
          g.animate([{ filter: "drop-shadow(0 0 5px #ffb000)" }, { filter: "none" }], { duration: 700 });
        }
      }
    }
  }

  // Hover, click, wheel and drag.
  const nodeAt = (target) => {
    const g = target.closest && target.closest(".tf-gw-node, .tf-gw-edge, .tf-gw-box");
    return g && world.contains(g) ? g : null;
  };
  stage.addEventListener("mousemove", (ev) => {
    const r = stage.getBoundingClientRect();
    if (drag) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      t = { k: t.k, x: drag.t.x + dx, y: drag.t.y + dy };
      apply();
      tip.style.display = "none";
      return;
    }
    const g = nodeAt(ev.target);
    if (!g) { tip.style.display = "none"; return; }
    const n = nodeOf.get(g);
    tip.textContent = n ? n.detail : g.dataset.tip || "";
    tip.style.left = ev.clientX - r.left + 14 + "px";
    tip.style.top = ev.clientY - r.top + 14 + "px";
    tip.style.display = "block";
  });
  stage.addEventListener("mouseleave", () => { tip.style.display = "none"; drag = null; });
  stage.addEventListener("mousedown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, t: { ...t }, moved: false };
  });
  stage.addEventListener("mouseup", (ev) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag) return;
    const g = nodeAt(ev.target);
    const n = g ? nodeOf.get(g) : null;
    if (n && n.kind === "scope") {
      // A collapsed name scope: the kernel draws the graph again with it open.
      model.send({ type: "expand", scope: n.name });
      return;
    }
    model.set("selected", n ? n.name : "");
    model.save_changes();
    showSelection(false);
  });
  stage.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = stage.getBoundingClientRect();
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, ev.deltaY > 0 ? 0.85 : 1 / 0.85);
  }, { passive: false });

  stage.style.height = (model.get("view_height") || 460) + "px";
  let queued = false;
  const rebuild = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; build(); fit(); });
  };
  const onSelected = () => showSelection(true);
  const onHeight = () => { stage.style.height = model.get("view_height") + "px"; fit(); };
  const drawn = ["nodes", "edges", "boxes", "legend", "aside", "width", "height", "title"];
  for (const name of drawn) model.on("change:" + name, rebuild);
  model.on("change:selected", onSelected);
  model.on("change:active", flash);
  model.on("change:view_height", onHeight);
  build();
  // The stage has its size once it is in the page: fit then, and once more if it changes.
  const observer = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => {
    if (!fitted && stage.clientWidth > 0) { fitted = true; fit(); }
  }) : null;
  if (observer) observer.observe(stage);
  fit();
  return () => {
    for (const name of drawn) model.off("change:" + name, rebuild);
    model.off("change:selected", onSelected);
    model.off("change:active", flash);
    model.off("change:view_height", onHeight);
    if (observer) observer.disconnect();
  };
}

export default { render };
