// neuromix live view: the network as SVG, live values from Server-Sent Events, controls.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const token = new URLSearchParams(location.search).get("token") || "";
const BOX_H = 24, ROW_GAP = 14, COL_GAP = 70, MARGIN = 30;
const HISTORY = 300;  // frames of a selected node's ports kept (10 s at 30/s)

const view = {
  graph: null, frame: null, selected: null, boxes: {}, edgeEls: [], dragging: new Set(),
  controls: {}, history: [], lastSent: {}, frames: 0,
};
window.neuromixView = view;  // for the tests and the curious

function el(tag, attrs, parent, ns) {
  const e = ns ? document.createElementNS(SVGNS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// ---- the graph ----------------------------------------------------------------------------
function drawGraph(g) {
  view.graph = g;
  view.history = [];
  matrix.entries = {};
  matrix.drawn = "";
  const nodesG = document.getElementById("nodes"), edgesG = document.getElementById("edges");
  nodesG.replaceChildren();
  edgesG.replaceChildren();
  view.boxes = {};
  const widths = {}, cols = {};
  for (const n of g.nodes) {  // measure every label first
    const grp = el("g", {class: "node" + (n.neuron ? " neuron" : ""), "data-node": n.id}, nodesG, true);
    const rect = el("rect", {class: "box", rx: 5, height: BOX_H}, grp, true);
    const text = el("text", {y: BOX_H / 2 + 4}, grp, true);
    text.textContent = n.id;
    el("title", {}, grp, true).textContent = `${n.id} (${n.type})`;
    const w = Math.ceil(text.getBBox().width) + 16;
    rect.setAttribute("width", w);
    text.setAttribute("x", 8);
    widths[n.id] = w;
    cols[n.layer] = Math.max(cols[n.layer] || 0, w);
    grp.addEventListener("click", () => select(n.id));
    view.boxes[n.id] = {grp, rect, w, node: n};
  }
  const layers = Object.keys(cols).map(Number).sort((a, b) => a - b);
  const colX = {};
  let x = MARGIN, maxRow = 0;
  for (const k of layers) { colX[k] = x; x += cols[k] + COL_GAP; }
  for (const n of g.nodes) {
    const b = view.boxes[n.id];
    b.x = colX[n.layer]; b.y = MARGIN + n.row * (BOX_H + ROW_GAP);
    maxRow = Math.max(maxRow, n.row);
    b.grp.setAttribute("transform", `translate(${b.x},${b.y})`);
  }
  const svg = document.getElementById("graph");
  svg.setAttribute("width", x + MARGIN);
  svg.setAttribute("height", MARGIN * 2 + (maxRow + 1) * (BOX_H + ROW_GAP) + 40);
  view.edgeEls = g.edges.map((e) => drawEdge(e, edgesG));
  buildControls(g);
  if (view.selected && !view.boxes[view.selected]) view.selected = null;
  select(view.selected || (g.nodes.find((n) => n.neuron) || g.nodes[0] || {}).id);
}

function drawEdge(e, parent) {
  const a = view.boxes[e.src], b = view.boxes[e.dst];
  const cls = "edge" + (e.feedback ? " feedback" : "");
  let d, lx, ly;
  if (e.src === e.dst) {  // a self-loop above the box
    const x0 = a.x + a.w * 0.3, x1 = a.x + a.w * 0.7, y = a.y;
    d = `M ${x1} ${y} C ${x1 + 18} ${y - 30}, ${x0 - 18} ${y - 30}, ${x0} ${y}`;
    lx = a.x + a.w / 2; ly = a.y - 22;
  } else if (!e.feedback) {
    const x0 = a.x + a.w, y0 = a.y + BOX_H / 2, x1 = b.x, y1 = b.y + BOX_H / 2;
    const dx = Math.max(30, (x1 - x0) / 2);
    d = `M ${x0} ${y0} C ${x0 + dx} ${y0}, ${x1 - dx} ${y1}, ${x1} ${y1}`;
    lx = (x0 + x1) / 2; ly = (y0 + y1) / 2 - 4;
  } else {  // feedback runs back below the boxes
    const x0 = a.x + a.w / 2, y0 = a.y + BOX_H, x1 = b.x + b.w / 2, y1 = b.y + BOX_H;
    const drop = 26 + Math.abs(x1 - x0) * 0.12;
    d = `M ${x0} ${y0} C ${x0} ${y0 + drop}, ${x1} ${y1 + drop}, ${x1} ${y1}`;
    lx = (x0 + x1) / 2; ly = Math.max(y0, y1) + drop * 0.75 + 10;
  }
  const path = el("path", {class: cls, d, stroke: "#777", "stroke-width": 1.2,
                           "marker-end": "url(#arrow)", "data-src": e.src, "data-dst": e.dst}, parent, true);
  el("title", {}, path, true).textContent = `${e.src} → ${e.dst} (${e.slot})` +
    (e.delay ? `, delay ${e.delay}` : e.feedback ? ", one sample late" : "");
  if (e.feedback || e.delay) {
    const t = el("text", {class: "delay", x: lx, y: ly, "text-anchor": "middle"}, parent, true);
    t.textContent = "z⁻" + (e.delay > 1 ? e.delay : "¹");
  }
  return path;
}

function weightStyle(path, w) {
  if (w === null || w === undefined) return;
  const mag = Math.min(Math.abs(w), 4);
  path.setAttribute("stroke-width", (0.6 + mag * 1.6).toFixed(2));
  const t = Math.min(Math.abs(w) / 2, 1);
  path.setAttribute("stroke", w >= 0 ? `rgb(${150 + 100 * t},${120 - 20 * t},${60})`
                                     : `rgb(${60},${140 + 60 * t},${170 + 80 * t})`);
}

function lightNodes(f) {
  const g = view.graph;
  g.nodes.forEach((n, i) => {
    const b = view.boxes[n.id];
    const lv = Math.min(1, f.level[i] || 0);
    const fill = n.neuron ? `hsl(${30 + 20 * lv}, ${45 + 50 * lv}%, ${14 + 46 * lv}%)`
                          : `hsl(220, 12%, ${18 + 10 * lv}%)`;
    b.rect.setAttribute("fill", fill);
    b.rect.setAttribute("data-level", lv.toFixed(4));
  });
  f.weights.forEach((w, i) => weightStyle(view.edgeEls[i], w));
}

// ---- selection ----------------------------------------------------------------------------
function select(id) {
  if (!id) return;
  view.selected = id;
  view.history = [];
  for (const [nid, b] of Object.entries(view.boxes)) b.grp.classList.toggle("selected", nid === id);
  const n = view.boxes[id].node;
  document.getElementById("sel-title").textContent = `${id} (${n.type})`;
  for (const d of document.querySelectorAll("#param-list details")) {
    const mine = d.dataset.node === id;
    d.classList.toggle("selected", mine);
    d.open = mine;
    if (mine) d.scrollIntoView({block: "nearest"});
  }
  showMatrixPanel(id);
}

function drawSelected(f) {
  const id = view.selected;
  if (!id || !view.boxes[id]) return;
  const n = view.boxes[id].node;
  const point = f.points[id];
  const values = n.ports.map((p) => f.ports[p]);
  view.history.push(values);
  if (view.history.length > HISTORY) view.history.shift();
  const info = n.ports.map((p, k) => `${view.graph.ports[p].port} ${fmt(values[k])}`).join(" · ");
  document.getElementById("sel-info").textContent = info;
  drawCurve(point && (point.curve || n.curve), point);
  drawShares(point);
  drawHistory(n);
}

function fmt(v) { return v === undefined ? "–" : (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)); }

function drawCurve(curve, point) {
  const c = document.getElementById("curve"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  if (!curve) { ctx.fillStyle = "#789"; ctx.fillText("no activation curve for this node", 10, 20); return; }
  const u = curve.u, y = curve.y;
  const ymin = Math.min(...y), ymax = Math.max(...y), span = (ymax - ymin) || 1;
  const X = (v) => 10 + (v - u[0]) / (u[u.length - 1] - u[0]) * (c.width - 20);
  const Y = (v) => c.height - 14 - (v - ymin) / span * (c.height - 28);
  ctx.strokeStyle = "#334"; ctx.beginPath(); ctx.moveTo(X(0), 0); ctx.lineTo(X(0), c.height);
  ctx.moveTo(0, Y(0)); ctx.lineTo(c.width, Y(0)); ctx.stroke();
  ctx.strokeStyle = "#9ab"; ctx.lineWidth = 1.5; ctx.beginPath();
  u.forEach((v, i) => (i ? ctx.lineTo(X(v), Y(y[i])) : ctx.moveTo(X(v), Y(y[i]))));
  ctx.stroke();
  ctx.fillStyle = "#789"; ctx.fillText(`${curve.name}(u)`, 14, 12);
  if (!point) return;
  const uu = Math.max(u[0], Math.min(u[u.length - 1], point.u));
  let k = 0; while (k < u.length - 2 && u[k + 1] < uu) k++;
  const t = (uu - u[k]) / ((u[k + 1] - u[k]) || 1), yy = y[k] + t * (y[k + 1] - y[k]);
  ctx.fillStyle = "#fc4"; ctx.beginPath(); ctx.arc(X(uu), Y(yy), 6, 0, 2 * Math.PI); ctx.fill();
  ctx.fillStyle = "#dde"; ctx.fillText(`u = ${fmt(point.u)}`, c.width - 90, c.height - 4);
}

function drawShares(point) {
  const box = document.getElementById("shares");
  box.replaceChildren();
  if (!point) return;
  point.inputs.forEach((src, i) => {
    const row = el("div", {class: "share"}, box);
    el("span", {class: "name"}, row).textContent = src;
    const bar = el("span", {class: "bar"}, row);
    bar.style.width = `${Math.round(point.shares[i] * 160)}px`;
    el("span", {}, row).textContent = `${Math.round(point.shares[i] * 100)} %`;
  });
}

const COLOURS = ["#fc4", "#6cf", "#f68", "#8e8", "#c9f", "#fa6", "#6ee", "#ccc"];

function drawHistory(n) {
  const c = document.getElementById("history"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const h = view.history;
  if (h.length < 2) return;
  const k = Math.min(n.ports.length, COLOURS.length);
  let lo = Infinity, hi = -Infinity;
  for (const row of h) for (let j = 0; j < k; j++) { lo = Math.min(lo, row[j]); hi = Math.max(hi, row[j]); }
  const span = (hi - lo) || 1;
  for (let j = 0; j < k; j++) {
    ctx.strokeStyle = COLOURS[j]; ctx.beginPath();
    h.forEach((row, i) => {
      const x = i / (HISTORY - 1) * c.width, y = c.height - 4 - (row[j] - lo) / span * (c.height - 8);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
  const legend = document.getElementById("history-legend");
  if (legend.dataset.node !== n.id) {
    legend.dataset.node = n.id;
    legend.replaceChildren();
    n.ports.slice(0, k).forEach((p, j) => {
      const s = el("span", {}, legend);
      s.textContent = view.graph.ports[p].port;
      s.style.color = COLOURS[j];
    });
  }
}

// ---- controls -----------------------------------------------------------------------------
function buildControls(g) {
  const list = document.getElementById("param-list");
  list.replaceChildren();
  view.controls = {};
  const groups = {};
  const gains = matrixGains(g);  // a network's gains go beside its matrix picture
  g.params.forEach((p, i) => {
    if (gains.boxes[p.address]) return addControl(p, i, gains.boxes[p.address], gains.slider);
    if (!groups[p.node]) {
      const d = el("details", {"data-node": p.node}, list);
      el("summary", {}, d).textContent = p.node;
      groups[p.node] = d;
    }
    addControl(p, i, groups[p.node]);
  });
}

function addControl(p, i, parent, slider) {
  const row = el("div", {class: "param"}, parent);
  const label = el("label", {for: `p${i}`, title: p.address}, row);
  label.textContent = p.address.slice(p.node.length + 1);
  // a wide range (a weight may be up to the validator's ±1e6) moves in asinh steps: fine
  // near 0, where weights live, and still reaching the ends; the number box is exact
  const wide = !slider && p.hi - p.lo > 1000;
  const toPos = (v) => wide ? Math.asinh(v) : v, toVal = (x) => wide ? Math.sinh(x) : x;
  const [lo, hi] = slider || [p.lo, p.hi];
  const range = el("input", {type: "range", id: `p${i}`, min: toPos(lo), max: toPos(hi),
                             step: "any", value: toPos(p.value), "data-address": p.address},
                   row);
  const num = el("input", {type: "number", min: p.lo, max: p.hi, step: "any", value: p.value,
                           "data-address": p.address}, row);
  const send = (v) => { num.value = v; range.value = toPos(Number(v)); queueSet(p.address, Number(v)); };
  range.addEventListener("input", () => send(Number(toVal(Number(range.value)).toPrecision(6))));
  num.addEventListener("change", () => send(num.value));
  for (const inp of [range, num]) {
    inp.addEventListener("pointerdown", () => view.dragging.add(p.address));
    inp.addEventListener("focus", () => view.dragging.add(p.address));
    inp.addEventListener("blur", () => view.dragging.delete(p.address));
  }
  range.addEventListener("pointerup", () => view.dragging.delete(p.address));
  view.controls[p.address] = {range, num, index: i, toPos};
}

const pending = new Map();
let flushing = false;

function queueSet(address, value) {  // at most one request in flight: the latest value wins
  if (!Number.isFinite(value)) return;
  pending.set(address, value);
  if (!flushing) flush();
}

async function flush() {
  flushing = true;
  while (pending.size) {
    const [address, value] = pending.entries().next().value;
    pending.delete(address);
    if (!await post("/set", {address, value})) break;
    view.lastSent[address] = value;
  }
  flushing = false;
}

async function post(path, body) {  // a control request; says what went wrong in the status line
  try {
    const r = await fetch(`${path}?token=${encodeURIComponent(token)}`, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    if (r.ok) return true;
    document.getElementById("status").textContent = (await r.json()).error;
  } catch (err) {
    document.getElementById("status").textContent = "the player has stopped";
  }
  return false;
}

function showParams(f) {
  view.graph.params.forEach((p, i) => {
    const c = view.controls[p.address];
    if (!c || view.dragging.has(p.address)) return;
    const v = f.params[i];
    if (Number(c.num.value) !== Number(v.toPrecision(6))) {
      c.range.value = c.toPos(v); c.num.value = Number(v.toPrecision(6));
    }
    c.range.dataset.value = v;
  });
}

// ---- outputs ------------------------------------------------------------------------------
function unpack(text) {  // base64 of little-endian float32 (model.packed)
  const bytes = Uint8Array.from(atob(text || ""), (ch) => ch.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function drawScope(f) {
  const c = document.getElementById("scope"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.strokeStyle = "#334"; ctx.beginPath(); ctx.moveTo(0, c.height / 2); ctx.lineTo(c.width, c.height / 2); ctx.stroke();
  const s = f.scope;
  if (!s.length) return;
  let peak = 1e-9; for (const v of s) peak = Math.max(peak, Math.abs(v));
  const g = Math.max(peak, 0.05);
  ctx.strokeStyle = "#6cf"; ctx.beginPath();
  for (let i = 0; i < s.length; i++) {
    const x = i / (s.length - 1) * c.width, y = c.height / 2 - s[i] / g * (c.height / 2 - 4);
    i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
  }
  ctx.stroke();
}

function drawSpectrum(f) {
  const c = document.getElementById("spectrum"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const s = f.spectrum, hz = view.graph.bin_hz || [];
  if (!s.length) return;
  const lo = -100, hi = 0;
  ctx.fillStyle = "#f68";
  const w = c.width / s.length;
  for (let i = 0; i < s.length; i++) {
    const h = Math.max(0, (Math.min(s[i], hi) - lo) / (hi - lo)) * (c.height - 12);
    ctx.fillRect(i * w, c.height - 12 - h, Math.max(w - 0.5, 1), h);
  }
  ctx.fillStyle = "#789";
  for (const mark of [100, 1000, 10000]) {
    const i = hz.findIndex((v) => v >= mark);
    if (i >= 0) ctx.fillText(mark >= 1000 ? `${mark / 1000}k` : `${mark}`, i * w, c.height - 1);
  }
}

function drawMeter(f) {
  const c = document.getElementById("meter"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const n = f.meter.length || 1, w = (c.width - 10) / n;
  f.meter.forEach(([rms, peak], i) => {
    const H = (db) => Math.max(0, Math.min(1, (db + 60) / 60)) * (c.height - 4);
    ctx.fillStyle = "#8e8"; ctx.fillRect(5 + i * w, c.height - H(rms), w - 4, H(rms));
    ctx.fillStyle = peak > -0.5 ? "#f44" : "#fc4"; ctx.fillRect(5 + i * w, c.height - H(peak), w - 4, 2);
  });
}

function showStatus(f) {
  const st = f.status, ms = (s) => (s * 1000).toFixed(2);
  document.getElementById("status").textContent = f.midi  // an instrument: ticks, no callback
    ? `${f.seconds.toFixed(1)} s · tick ${st.blocks} at ${Math.round(1 / st.budget)} Hz`
    : `${f.seconds.toFixed(1)} s · callback ${ms(st.callback_median)} ms (max ${ms(st.callback_max)}) ` +
      `of ${ms(st.budget)} ms · underruns ${st.underruns}`;
  const ly = f.lyapunov, p = document.getElementById("lyapunov");
  if (ly.error) p.textContent = ly.error;
  else if (ly.describe) p.textContent = (ly.per_second === null ? "" : `λ = ${ly.per_second.toFixed(2)} /s: `) +
    ly.describe + (ly.running ? " (estimating again…)" : "");
  else p.textContent = ly.running ? "estimating…" : "–";
}

// ---- the stream ---------------------------------------------------------------------------
function connect() {
  const source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
  source.addEventListener("graph", (ev) => drawGraph(JSON.parse(ev.data)));
  source.addEventListener("matrix", (ev) => matrixMessage(JSON.parse(ev.data)));
  source.addEventListener("frame", (ev) => {
    const f = JSON.parse(ev.data);
    if (!view.graph || f.generation !== view.graph.generation) return;
    f.scope = unpack(f.scope);
    f.spectrum = unpack(f.spectrum);
    view.frame = f;
    view.frames += 1;
    requestAnimationFrame(() => paint(f));
  });
  source.addEventListener("error", () => {
    document.getElementById("status").textContent = "disconnected (the player stopped?)";
    source.close();
  });
}

function paint(f) {
  // a newer frame came meanwhile, or a new graph (a frame of the old one must not be drawn
  // on it: its arrays are the old patch's)
  if (f !== view.frame || !view.graph || f.generation !== view.graph.generation) return;
  lightNodes(f);
  showParams(f);
  drawSelected(f);
  drawMatrix();  // again when a gain moved
  drawScope(f);
  drawSpectrum(f);
  drawMeter(f);
  showStatus(f);
  if (f.midi) {  // an instrument: the MIDI its outputs sent
    document.getElementById("midi-panel").hidden = false;
    document.getElementById("midi").textContent = f.midi.join("\n");
  }
}

document.getElementById("estimate").addEventListener("click", () =>
  fetch(`/lyapunov?token=${encodeURIComponent(token)}`, {method: "POST"}));
setupMatrix();
connect();
