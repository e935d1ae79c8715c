// The live timeline's page side: an anywidget ESM module, plain JavaScript, no dependencies.
// One lane per device, a bar per op (coloured by op family) or transfer (red). The kernel
// sends only new events ("append" messages); this module keeps its own copy, trimmed to the
// kept steps, and asks for everything ("sync") when a view opens. Hover for details, click
// to select a node, wheel to zoom the time axis (drag to pan), pause, and download the held
// events as Chrome-trace JSON or a standalone HTML page, built here.

const LANE = 22; // pixels per device lane
const TOP = 14; // room for the step labels
const AXIS = 18; // room for the time axis at the bottom
const CUT = /\/_(send|recv|feed|control)_/; // nodes the partitioner added, after their op

function shortDevice(d) {
  const i = d.lastIndexOf("device:");
  return i >= 0 ? d.slice(i + 7) : d;
}

const TASK = /\/job:([^/]+)\/replica:\d+\/task:(\d+)/;

// A lane's name: "GPU:0" when every device is in one task, else "worker:0 GPU:0".
function laneNames(devices) {
  const task = (d) => { const m = TASK.exec(d); return m ? m[1] + ":" + m[2] : ""; };
  const one = new Set(devices.map(task)).size <= 1;
  return devices.map((d) => (one || !task(d) ? "" : task(d) + " ") + shortDevice(d));
}

// The op a node, a tensor ("mul:0") or a _Send/_Recv node ("mul/_send_0_...") stands for:
// what the graph widget highlights for it.
export function baseName(name) {
  const op = (name || "").split(":")[0];
  const m = CUT.exec(op);
  return m ? op.slice(0, m.index) : op;
}

function fmtUs(us) {
  if (Math.abs(us) >= 1000) return (us / 1000).toFixed(2) + " ms";
  return us.toFixed(1) + " us";
}

// Round ticks between a and b (us since the origin), never before 0, all in the one unit
// that suits the span: "0 ms, 2 ms, 4 ms", not "-25.5 us" beside "1.20 ms".
function timeTicks(a, b) {
  const span = Math.max(b - a, 1e-3);
  const [unit, per] = span >= 1e6 ? ["s", 1e6] : span >= 1e3 ? ["ms", 1e3] : ["us", 1];
  const raw = span / per / 5;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) * per;
  const out = [];
  for (let t = Math.ceil(Math.max(a, 0) / step) * step; t <= b + 1e-9; t += step) {
    const v = Math.round((t / per) * 1e6) / 1e6;
    out.push([t, v + " " + unit]);
  }
  return out;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The same trace `teachflow.viz.widgets.timeline_export.chrome_trace` builds in Python.
function chromeTrace(events, devices) {
  const pids = new Map(devices.map((d, i) => [d, i]));
  const out = devices.map((d, i) => ({ name: "process_name", ph: "M", pid: i, args: { name: d } }));
  const tids = new Map();
  for (const e of events) {
    if (!pids.has(e.device)) pids.set(e.device, pids.size);
    const pid = pids.get(e.device);
    const key = pid + "/" + (e.thread || 0);
    if (!tids.has(key)) tids.set(key, tids.size);
    const ev = {
      name: e.op, ph: "X", ts: e.start_us, dur: Math.max(e.end_us - e.start_us, 0),
      pid, tid: tids.get(key), cat: "Op", args: { name: e.node, op: e.op, step: e.step },
    };
    (e.inputs || []).forEach((inp, k) => { ev.args["input" + k] = inp; });
    if (e.kind === "transfer") {
      ev.cat = "Transfer";
      ev.cname = "terrible";
      Object.assign(ev.args, { src: e.src, dst: e.dst, bytes: e.bytes });
    }
    out.push(ev);
  }
  return { traceEvents: out, displayTimeUnit: "ms" };
}

// The page `LiveTimeline.save_html` writes (timeline_export.standalone_html), built here.
function standaloneHtml(model, events) {
  const state = {
    events, steps: model.get("steps"), devices: model.get("devices"),
    palette: model.get("palette"), keep_steps: model.get("keep_steps"),
    numbers: model.get("numbers"), device_colors: model.get("device_colors"), paused: false, selected: "", export_request: 0,
  };
  const esc = (s) => s.replace(/<\//g, "<\\/");
  // In a page saved before, the module and style are the page's own.
  const own = (sel) => (document.querySelector(sel) || {}).textContent || "";
  const esm = model.get("_esm") || own("#tf-esm");
  const css = model.get("_css") || own("style");
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>teachflow timeline</title>" +
    "<style>" + css + "</style></head><body><div id=\"timeline\"></div>" +
    "<script type=\"text/plain\" id=\"tf-esm\">" + esc(esm) + "</" + "script>" +
    "<script type=\"application/json\" id=\"tf-state\">" + esc(JSON.stringify(state)) + "</" + "script>" +
    "<script type=\"module\">const state=JSON.parse(document.getElementById('tf-state').textContent);" +
    "const h={};const fire=(n,...a)=>(h[n]||[]).forEach((f)=>f(...a));" +
    "const model={get:(k)=>state[k],set:(k,v)=>{state[k]=v;fire('change:'+k);}," +
    "on:(n,f)=>{(h[n]=h[n]||[]).push(f);},off:()=>{},save_changes:()=>{}," +
    "send:(m)=>{if(m.type==='sync')setTimeout(()=>fire('msg:custom',{type:'reset',events:state.events}),0);}};" +
    "const src=document.getElementById('tf-esm').textContent;" +
    "const mod=await import(URL.createObjectURL(new Blob([src],{type:'text/javascript'})));" +
    "mod.default.render({model,el:document.getElementById('timeline')});</" + "script></body></html>";
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "tf-lt";
  const bar = document.createElement("div");
  bar.className = "tf-lt-bar";
  const button = (text, onClick) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.addEventListener("click", onClick);
    bar.appendChild(b);
    return b;
  };
  let events = []; // this view's copy: the kernel sends only what is new
  let firstStep; // the oldest step kept, as the last message said
  const pauseBtn = button("Pause", () => {
    model.set("paused", !model.get("paused"));
    model.save_changes();
  });
  const bumpExport = () => {
    model.set("export_request", (model.get("export_request") || 0) + 1);
    model.save_changes();
  };
  button("Chrome trace JSON", () => {
    download("timeline.json", JSON.stringify(chromeTrace(events, model.get("devices") || [])), "application/json");
    bumpExport();
  });
  button("HTML", () => {
    download("timeline.html", standaloneHtml(model, events), "text/html");
    bumpExport();
  });
  button("Reset zoom", () => { view = null; draw(); });
  const info = document.createElement("span");
  info.className = "tf-lt-info";
  bar.appendChild(info);
  const canvas = document.createElement("canvas");
  const tip = document.createElement("div");
  tip.className = "tf-lt-tip";
  const legend = document.createElement("div");
  legend.className = "tf-lt-legend";
  root.append(bar, canvas, legend, tip);
  let legendKey = "";
  el.appendChild(root);

  let LEFT = 90; // room for the lane names, measured at each draw
  let view = null; // [t0, t1] in us when zoomed; null follows the data
  // Steps named by their number in the session (a cluster's step ids are large random
  // numbers): the kernel sends numbers[i] for steps[i], as every other view numbers them.
  const stepNumber = (id) => {
    const i = (model.get("steps") || []).indexOf(id);
    const n = (model.get("numbers") || [])[i];
    return n === undefined ? "?" : String(n);
  };
  let boxes = []; // [x, y, w, h, event] of the bars drawn, for hover and click

  function extent() {
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const e of events) {
      if (e.start_us < t0) t0 = e.start_us;
      if (e.end_us > t1) t1 = e.end_us;
    }
    return t0 === Infinity ? [0, 1] : [t0, Math.max(t1, t0 + 1)];
  }

  function draw() {
    const devices = model.get("devices") || [];
    const pal = model.get("palette") || {};
    const fam = pal.families || {};
    const selected = baseName(model.get("selected"));
    const width = Math.max(el.clientWidth || 0, 400);
    const height = TOP + Math.max(devices.length, 1) * LANE + AXIS;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px sans-serif";
    const names = laneNames(devices);
    LEFT = Math.max(60, ...names.map((n) => ctx.measureText(n).width + 18));
    const [t0, t1] = view || extent();
    const scale = (width - LEFT - 4) / (t1 - t0);
    const rows = new Map(devices.map((d, i) => [d, i]));
    ctx.textBaseline = "middle";
    devices.forEach((d, i) => {
      ctx.fillStyle = i % 2 ? "#fafafa" : "#f0f0f0";
      ctx.fillRect(LEFT, TOP + i * LANE, width - LEFT, LANE);
      // The device's colour in every view of the session, then its name.
      ctx.fillStyle = (model.get("device_colors") || {})[d] || "#c7c7c7";
      ctx.fillRect(2, TOP + i * LANE + 3, 5, LANE - 6);
      ctx.fillStyle = pal.text || "#222";
      ctx.fillText(names[i], 10, TOP + i * LANE + LANE / 2);
    });
    // Where each step starts: a thin line and its number above the lanes.
    const firsts = new Map();
    for (const e of events) {
      const f = firsts.get(e.step);
      if (f === undefined || e.start_us < f) firsts.set(e.step, e.start_us);
    }
    ctx.fillStyle = "#888";
    for (const [step, t] of firsts) {
      const x = LEFT + (t - t0) * scale;
      if (x < LEFT || x > width) continue;
      ctx.fillRect(x, TOP, 1, height - TOP - AXIS);
      ctx.fillText("step " + stepNumber(step), x + 3, TOP / 2);
    }
    boxes = [];
    const lanes = {};
    for (const e of events) {
      const row = rows.get(e.device);
      if (row === undefined) continue;
      const x = LEFT + (e.start_us - t0) * scale;
      const w = Math.max((e.end_us - e.start_us) * scale, 1);
      if (x + w < LEFT || x > width) continue;
      const y = TOP + row * LANE + 3;
      const h = LANE - 6;
      const x0 = Math.max(x, LEFT);
      ctx.fillStyle = e.kind === "transfer" ? (pal.transfer || "#d62728") : (fam[e.family] || "#c7c7c7");
      ctx.fillRect(x0, y, w, h);
      if (selected && baseName(e.node) === selected) {
        ctx.strokeStyle = pal.error || "#000";
        ctx.lineWidth = 2;
        ctx.strokeRect(x0, y, w, h);
      }
      boxes.push([x0, y, w, h, e]);
      if (e.kind === "op") lanes[e.device] = (lanes[e.device] || 0) + 1;
    }
    // Time axis: time since the first event shown, in one unit, round ticks from 0.
    ctx.fillStyle = "#555";
    ctx.textBaseline = "top";
    const origin = extent()[0];
    const tickLabels = [];
    for (const [t, label] of timeTicks(t0 - origin, t1 - origin)) {
      const x = LEFT + (t + origin - t0) * scale;
      ctx.fillRect(x, height - AXIS, 1, 4);
      ctx.fillText(label, Math.min(x, width - 60), height - AXIS + 5);
      tickLabels.push(label);
    }
    const steps = model.get("steps") || [];
    info.textContent = (model.get("paused") ? "paused - " : "") + events.length + " events, steps " +
      (steps.length ? stepNumber(steps[0]) + "-" + stepNumber(steps[steps.length - 1]) : "none") +
      (selected ? ", selected " + model.get("selected") : "");
    pauseBtn.textContent = model.get("paused") ? "Resume" : "Pause";
    // The legend: the colours of the op families on show, and the transfer red.
    const shown = [...new Set(events.map((e) => (e.kind === "transfer" ? "transfer" : e.family)))].sort();
    if (shown.join() !== legendKey) {
      legendKey = shown.join();
      legend.replaceChildren(...shown.map((f) => {
        const item = document.createElement("span");
        const sw = document.createElement("i");
        sw.style.background = f === "transfer" ? (pal.transfer || "#d62728") : (fam[f] || "#c7c7c7");
        item.append(sw, document.createTextNode(f));
        return item;
      }));
    }
    // What is drawn, for tests and the browser's console: op bars per device lane.
    root.dataset.events = String(events.length);
    root.dataset.lanes = JSON.stringify(lanes);
    // What was drawn, for tests and tools that cannot read a canvas.
    canvas.tfTicks = tickLabels;
    canvas.tfColors = { ...(model.get("device_colors") || {}) };
    canvas.tfBars = boxes.map(([x, y, w, h, e]) => ({ x, y, w, h, node: e.node, device: e.device, kind: e.kind }));
  }

  function hit(ev) {
    const r = canvas.getBoundingClientRect();
    const mx = ev.clientX - r.left;
    const my = ev.clientY - r.top;
    // The last drawn is on top: search from the end.
    for (let i = boxes.length - 1; i >= 0; i--) {
      const [x, y, w, h, e] = boxes[i];
      if (mx >= x - 1 && mx <= x + w + 1 && my >= y && my <= y + h) return [e, mx, my];
    }
    return [null, mx, my];
  }

  let drag = null;
  let moved = false;
  canvas.addEventListener("mousemove", (ev) => {
    if (drag) {
      const [a, b] = drag.view;
      const dt = ((ev.clientX - drag.x) / (canvas.clientWidth - LEFT - 4)) * (b - a);
      if (Math.abs(ev.clientX - drag.x) > 3) moved = true;
      view = [a - dt, b - dt];
      draw();
      return;
    }
    const [e, mx, my] = hit(ev);
    if (!e) { tip.style.display = "none"; return; }
    const lines = [
      e.node, "type: " + e.op + " (" + e.family + ")", "device: " + e.device,
      "duration: " + fmtUs(e.end_us - e.start_us), "step: " + stepNumber(e.step) + " (id " + e.step + ")",
    ];
    if (e.kind === "transfer") lines.push("from: " + e.src, "bytes: " + e.bytes);
    else if (e.inputs && e.inputs.length) lines.push("inputs: " + e.inputs.join(", "));
    tip.textContent = lines.join("\n");
    tip.style.left = mx + 12 + "px";
    tip.style.top = my + 30 + "px";
    tip.style.display = "block";
  });
  canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; drag = null; });
  canvas.addEventListener("click", (ev) => {
    if (moved) return;
    const [e] = hit(ev);
    model.set("selected", e ? e.node : "");
    model.save_changes();
    draw();
  });
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const [a, b] = view || extent();
    const r = canvas.getBoundingClientRect();
    const frac = Math.min(Math.max((ev.clientX - r.left - LEFT) / (r.width - LEFT - 4), 0), 1);
    const t = a + (b - a) * frac; // the time under the mouse stays put
    const f = ev.deltaY > 0 ? 1.25 : 0.8;
    view = [t - (t - a) * f, t + (b - t) * f];
    draw();
  }, { passive: false });
  canvas.addEventListener("mousedown", (ev) => {
    moved = false;
    drag = { x: ev.clientX, view: view || extent() };
  });
  canvas.addEventListener("mouseup", () => { drag = null; });

  // Several changes in one frame (a batch, its steps and devices): draw once.
  let queued = false;
  const later = window.requestAnimationFrame ? (f) => window.requestAnimationFrame(f) : (f) => setTimeout(f, 0);
  const redraw = () => {
    if (queued) return;
    queued = true;
    later(() => { queued = false; draw(); });
  };
  const onMessage = (msg) => {
    if (!msg || (msg.type !== "append" && msg.type !== "reset")) return;
    if (msg.type === "reset") events = (msg.events || []).slice();
    else events.push(...(msg.events || []));
    if (msg.steps && msg.steps[0] !== firstStep) {
      // Steps older than the kept ones leave (the kernel trimmed them too).
      firstStep = msg.steps[0];
      const kept = new Set(msg.steps);
      events = events.filter((e) => kept.has(e.step));
    }
    redraw();
  };
  const traits = ["devices", "palette", "selected", "paused", "steps", "numbers", "device_colors"];
  for (const name of traits) model.on("change:" + name, redraw);
  model.on("msg:custom", onMessage);
  model.send({ type: "sync" }); // everything held so far, once
  draw();
  return () => {
    for (const name of traits) model.off("change:" + name, redraw);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
