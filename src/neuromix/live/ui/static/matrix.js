// neuromix live view: a network node's weight matrices as pictures (heat maps with a colour
// bar), edited by row (scale or set) or by a gain. Loaded before view.js, whose globals
// (view, el, unpack, queueSet, post) it uses when called.
"use strict";

const MATRIX_PX = 300;  // the picture's side in CSS pixels (a cell may be smaller than one)
const GAIN_SLIDER = [0, 2];  // a gain's slider; its number box takes the whole range

const matrix = {
  entries: {},   // node -> block -> Float32Array of the stored entries (row-major)
  version: 0,    // of the latest matrix message
  block: "w",    // the block shown
  row: null, col: null,  // the selected cell
  hovered: null, // the cell under the pointer: {i, j}
  drawn: "",     // what the picture shows now (node, block, version, gain)
  gainBoxes: {}, // node -> the element holding its gain controls
};
window.neuromixMatrix = matrix;  // for the tests and the curious

// a diverging colour map on the page's dark ground: 0 is dark, positive warm (as positive
// edges), negative cool; t in [-1, 1]
const STOPS_POS = [[24, 26, 32], [226, 118, 42], [255, 236, 172]];
const STOPS_NEG = [[24, 26, 32], [58, 138, 226], [196, 230, 255]];

function colour(t) {
  const stops = t >= 0 ? STOPS_POS : STOPS_NEG;
  const a = Math.min(Math.abs(t), 1) * 2, k = Math.min(Math.floor(a), 1), f = a - k;
  return stops[k].map((c, i) => Math.round(c + (stops[k + 1][i] - c) * f));
}

function networkOf(id) {
  return view.graph && (view.graph.matrices || []).find((m) => m.node === id);
}

// called by buildControls: a box for each network's gains in the matrix panel
function matrixGains(g) {
  const holder = document.getElementById("matrix-gains");
  holder.replaceChildren();
  matrix.gainBoxes = {};
  const boxes = {};
  for (const m of g.matrices || []) {
    const box = el("div", {class: "gains", "data-node": m.node}, holder);
    matrix.gainBoxes[m.node] = box;
    for (const b of m.blocks) boxes[b.gain] = box;
  }
  return {boxes, slider: GAIN_SLIDER};
}

function showMatrixPanel(id) {
  const m = networkOf(id);
  document.getElementById("matrix-panel").hidden = !m;
  for (const [node, box] of Object.entries(matrix.gainBoxes)) box.hidden = node !== id;
  if (!m) return;
  const select = document.getElementById("matrix-block");
  select.replaceChildren();
  for (const b of m.blocks) {
    const o = el("option", {value: b.name}, select);
    o.textContent = `${b.title} (${b.rows}×${b.cols})`;
  }
  if (!m.blocks.some((b) => b.name === matrix.block)) matrix.block = m.blocks[0].name;
  select.value = matrix.block;
  matrix.row = matrix.col = matrix.hovered = null;
  showRow();
  drawMatrix();
}

function currentBlock() {
  const m = networkOf(view.selected);
  if (!m) return null;
  const k = m.blocks.findIndex((b) => b.name === matrix.block);
  if (k < 0) return null;
  const gains = view.frame && view.frame.gains ? view.frame.gains[m.node] : null;
  const gain = gains && gains[k] !== null && gains[k] !== undefined ? gains[k] : 1;
  const stored = (matrix.entries[m.node] || {})[matrix.block] || null;
  return {m, b: m.blocks[k], gain, stored};
}

function address(b, i, j) {
  return `${b.prefix}.${i}.${b.keys ? b.keys[j] : j}`;
}

function drawMatrix() {
  const cur = currentBlock();
  const c = document.getElementById("matrix");
  if (!cur || !cur.stored) return;
  const {m, b, gain, stored} = cur;
  const key = `${m.node}/${b.name}/${matrix.version}/${gain}/${matrix.row}`;
  if (key === matrix.drawn) return;
  matrix.drawn = key;
  let peak = 0;
  for (const v of stored) peak = Math.max(peak, Math.abs(v * gain));
  peak = peak || 1;
  const cell = MATRIX_PX / Math.max(b.rows, b.cols);
  c.width = Math.max(1, Math.round(b.cols * cell));
  c.height = Math.max(1, Math.round(b.rows * cell));
  const img = new ImageData(b.cols, b.rows);
  for (let k = 0; k < stored.length; k++) {
    const [r, g, bl] = colour(stored[k] * gain / peak);
    img.data[4 * k] = r; img.data[4 * k + 1] = g; img.data[4 * k + 2] = bl; img.data[4 * k + 3] = 255;
  }
  const pixels = new OffscreenCanvas(b.cols, b.rows);
  pixels.getContext("2d").putImageData(img, 0, 0);
  const ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(pixels, 0, 0, c.width, c.height);
  if (matrix.row !== null && matrix.row < b.rows) {
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5;
    ctx.strokeRect(0.75, matrix.row * c.height / b.rows, c.width - 1.5, Math.max(c.height / b.rows, 2));
  }
  Object.assign(c.dataset, {node: m.node, block: b.name, version: matrix.version, gain, peak});
  drawBar(peak);
  showHover();
}

function drawBar(peak) {
  const c = document.getElementById("matrix-bar"), ctx = c.getContext("2d");
  for (let x = 0; x < c.width; x++) {
    ctx.fillStyle = `rgb(${colour(2 * x / (c.width - 1) - 1).join(",")})`;
    ctx.fillRect(x, 0, 1, c.height);
  }
  const p = Number(peak.toPrecision(3));
  document.getElementById("matrix-lo").textContent = `${-p}`;
  document.getElementById("matrix-hi").textContent = `${p}`;
}

function cellAt(ev) {  // the cell under the pointer, or null
  const cur = currentBlock(), c = document.getElementById("matrix");
  if (!cur) return null;
  const r = c.getBoundingClientRect();
  const i = Math.floor((ev.clientY - r.top) / r.height * cur.b.rows);
  const j = Math.floor((ev.clientX - r.left) / r.width * cur.b.cols);
  return i < 0 || j < 0 || i >= cur.b.rows || j >= cur.b.cols ? null : {i, j};
}

function cellValue(cell) {  // the block, gain and stored value of a cell, or null
  const cur = currentBlock();
  if (!cell || !cur || !cur.stored || cell.i >= cur.b.rows || cell.j >= cur.b.cols) return null;
  return {...cur, ...cell, value: cur.stored[cell.i * cur.b.cols + cell.j]};
}

function describeCell(at) {
  const eff = at.value * at.gain;
  return `${address(at.b, at.i, at.j)} = ${at.value.toPrecision(4)}` +
    (at.gain !== 1 ? ` × gain ${at.gain.toPrecision(3)} = ${eff.toPrecision(4)}` : "");
}

function hover(ev) {
  matrix.hovered = cellAt(ev);
  showHover();
}

function showHover() {  // again whenever the picture is redrawn: the value may have moved
  const at = cellValue(matrix.hovered), p = document.getElementById("matrix-hover");
  if (!at) { p.textContent = "hover a cell: its address and value; click: edit its row"; return; }
  p.textContent = describeCell(at);
  Object.assign(p.dataset, {address: address(at.b, at.i, at.j), value: at.value,
                            effective: at.value * at.gain});
}

function pick(ev) {
  const at = cellAt(ev);
  if (!at) return;
  matrix.row = at.i; matrix.col = at.j;
  showRow();
  drawMatrix();
}

function showRow() {
  const cur = currentBlock(), box = document.getElementById("matrix-row");
  box.hidden = !cur || matrix.row === null || matrix.row >= cur.b.rows;
  if (box.hidden) return;
  const what = cur.b.name === "out" ? `readout ${matrix.row}'s weights`
                                    : `neuron ${matrix.row}'s incoming ${cur.b.name === "w" ? "weights" : "input weights"}`;
  document.getElementById("row-title").textContent = `row ${matrix.row} of ${cur.b.name}: ${what}`;
  const j = Math.min(matrix.col, cur.b.cols - 1), cellBox = document.getElementById("cell-value");
  cellBox.dataset.address = address(cur.b, matrix.row, j);
  document.getElementById("cell-address").textContent = cellBox.dataset.address;
  if (document.activeElement !== cellBox && cur.stored)
    cellBox.value = Number(cur.stored[matrix.row * cur.b.cols + j].toPrecision(6));
}

async function editRow(change) {
  const cur = currentBlock();
  if (!cur || matrix.row === null) return;
  const body = {node: cur.m.node, block: cur.b.name, row: matrix.row, ...change};
  await post("/row", body);
}

function matrixMessage(msg) {
  if (!view.graph || msg.generation !== view.graph.generation) return;
  for (const [node, blocks] of Object.entries(msg.nodes)) {
    matrix.entries[node] = {};
    for (const [name, text] of Object.entries(blocks)) matrix.entries[node][name] = unpack(text);
  }
  matrix.version = msg.version;
  showRow();
  drawMatrix();
}

function setupMatrix() {
  const c = document.getElementById("matrix");
  c.addEventListener("mousemove", hover);
  c.addEventListener("mouseleave", () => { matrix.hovered = null; showHover(); });
  c.addEventListener("click", pick);
  document.getElementById("matrix-block").addEventListener("change", (ev) => {
    matrix.block = ev.target.value; matrix.row = matrix.col = matrix.hovered = null;
    showRow(); drawMatrix();
  });
  for (const btn of document.querySelectorAll("#matrix-row button[data-scale]"))
    btn.addEventListener("click", () => editRow({scale: Number(btn.dataset.scale)}));
  for (const btn of document.querySelectorAll("#matrix-row button[data-value]"))
    btn.addEventListener("click", () => editRow({value: Number(btn.dataset.value)}));
  const amount = document.getElementById("row-amount");
  document.getElementById("row-scale").addEventListener("click", () => editRow({scale: Number(amount.value)}));
  document.getElementById("row-set").addEventListener("click", () => editRow({value: Number(amount.value)}));
  const cellBox = document.getElementById("cell-value");
  cellBox.addEventListener("change", () => queueSet(cellBox.dataset.address, Number(cellBox.value)));
}
