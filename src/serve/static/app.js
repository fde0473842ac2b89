// jielong playground: draws what the API returns. Every number comes from the library (src/play.rs,
// src/generate.rs, chapter 3's attention maps, the runs' metrics.jsonl); this script computes none of it.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// ---------- talking to the API ----------

function showError(message) {
  const box = $('error');
  box.textContent = message ? 'error: ' + message : '';
  box.hidden = !message;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({ error: res.status + ' ' + res.statusText }));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

// A token as the page shows it: spaces and newlines made visible.
function shown(token) {
  return token.replace(/ /g, '␣').replace(/\n/g, '⏎');
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------- tabs ----------

let activeTab = 'game';
function showTab(name) {
  activeTab = name;
  for (const button of document.querySelectorAll('#tabs button')) {
    button.classList.toggle('active', button.dataset.tab === name);
  }
  for (const section of document.querySelectorAll('.tab')) {
    section.hidden = section.id !== 'tab-' + name;
  }
  if (name === 'runs') pollRun();
}

// ---------- the game, step by step ----------

function sampling() {
  return {
    temperature: Number($('temperature').value),
    top_k: Number($('top-k').value),
    top_p: Number($('top-p').value),
  };
}

function showSliders() {
  const s = sampling();
  $('temperature-value').textContent = s.temperature === 0 ? '0 (greedy)' : s.temperature.toFixed(2);
  $('top-k-value').textContent = s.top_k === 0 ? 'off' : String(s.top_k);
  $('top-p-value').textContent = s.top_p >= 1 ? '1.00 (off)' : s.top_p.toFixed(2);
}

let latest = 0; // only the answer to the latest request is drawn
async function refreshBars() {
  showSliders();
  const ask = ++latest;
  const s = sampling();
  const request = {
    checkpoint: $('game-checkpoint').value,
    prompt: $('game-prompt').value,
    top: Number($('game-top').value),
    ...s,
  };
  try {
    const next = await api('/api/next', request);
    if (ask !== latest) return;
    showError('');
    drawBars(next, s);
  } catch (e) {
    if (ask === latest) showError(e.message);
  } finally {
    if (ask === latest) document.body.dataset.state = 'ready';
  }
}

function drawBars(next, s) {
  const bars = $('bars');
  bars.replaceChildren();
  bars.dataset.temperature = String(s.temperature);
  bars.dataset.topK = String(s.top_k);
  bars.dataset.topP = String(s.top_p);
  bars.dataset.kept = String(next.kept);
  const widest = Math.max(...next.candidates.map((c) => Math.max(c.probability, c.sampled)), 1e-9);
  for (const c of next.candidates) {
    const kept = c.sampled > 0;
    const bar = el('div', {
      class: kept ? 'bar kept' : 'bar cut',
      'data-id': String(c.id),
      'data-token': c.token,
      'data-probability': String(c.probability),
      'data-sampled': String(c.sampled),
      title: kept ? 'kept by the rule: click to append it' : 'cut off by the rule: click to append it anyway',
    });
    bar.append(el('span', { class: 'token' }, shown(c.token)));
    const track = el('span', { class: 'track' });
    const model = el('span', { class: 'model' });
    model.style.width = (100 * c.probability / widest) + '%';
    const rule = el('span', { class: 'rule' });
    rule.style.width = (100 * c.sampled / widest) + '%';
    track.append(model, rule);
    bar.append(track);
    bar.append(el('span', { class: 'numbers' },
      (100 * c.probability).toFixed(1) + '% → ' + (kept ? (100 * c.sampled).toFixed(1) + '%' : 'cut')));
    bar.addEventListener('click', () => playMove(c.id));
    bars.append(bar);
  }
  $('game-summary').textContent =
    `The prompt is ${next.prompt_tokens} tokens (the model reads the last ${next.read_tokens}). ` +
    `The rule keeps ${next.kept} of ${next.vocab_size} tokens. ` +
    'Grey: the model\'s probability (temperature 1); colour: the probability the rule draws with.';
}

async function playMove(choose) {
  const request = {
    checkpoint: $('game-checkpoint').value,
    prompt: $('game-prompt').value,
    seed: Number($('game-seed').value),
    ...sampling(),
  };
  if (choose !== undefined) request.choose = choose;
  try {
    const move = await api('/api/play', request);
    $('game-prompt').value = move.text;
    if (move.drawn) $('game-seed').value = String(Number($('game-seed').value) + 1);
    const how = move.drawn ? 'drawn' : 'chosen';
    $('moves').append(el('li', {},
      `${how} “${shown(move.token.token)}” (model ${(100 * move.token.probability).toFixed(1)}%, ` +
      `rule ${(100 * move.token.sampled).toFixed(1)}%)`));
    refreshBars();
  } catch (e) {
    showError(e.message);
  }
}

function applyPreset(p) {
  $('temperature').value = String(p.temperature);
  $('top-k').value = String(p.top_k);
  $('top-p').value = String(p.top_p);
  refreshBars();
}

async function loadPresets() {
  const presets = await api('/api/presets');
  const body = $('presets').querySelector('tbody');
  for (const p of presets) {
    const button = el('button', { 'data-preset': p.name }, p.name);
    button.addEventListener('click', () => applyPreset(p));
    const row = el('tr');
    const cell = el('td');
    cell.append(button);
    row.append(cell, el('td', {}, p.temperature === 0 ? '0 (greedy)' : String(p.temperature)),
      el('td', {}, p.top_k === 0 ? 'off' : String(p.top_k)),
      el('td', {}, p.top_p >= 1 ? '1.0 (off)' : String(p.top_p)), el('td', {}, p.use_for));
    body.append(row);
    $('side-preset').append(el('option', { value: p.name }, p.name));
  }
  return presets;
}

// ---------- side by side ----------

// Stream one checkpoint's answer into `text`, reading the server-sent events as they arrive.
async function streamAnswer(checkpoint, request, text, status) {
  const res = await fetch('/api/generate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ checkpoint, ...request }),
  });
  if (!res.ok) {
    const e = await res.json().catch(() => ({ error: res.statusText }));
    status.textContent = 'error: ' + e.error;
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      const value = JSON.parse(data);
      if (event === 'token') text.textContent += value;
      if (event === 'done') status.textContent = `${value.reason} · ${value.seconds.toFixed(2)} s`;
      if (event === 'error') status.textContent = 'error: ' + value.error;
    }
  }
}

let presetList = [];
function runSideBySide() {
  const chosen = [...document.querySelectorAll('#side-checkpoints input:checked')].map((i) => i.value);
  const answers = $('side-answers');
  answers.replaceChildren();
  if (chosen.length === 0) {
    showError('tick at least one checkpoint');
    return;
  }
  showError('');
  const preset = presetList.find((p) => p.name === $('side-preset').value) || presetList[0];
  const request = {
    prompt: $('side-prompt').value,
    temperature: preset.temperature,
    top_k: preset.top_k,
    top_p: preset.top_p,
    seed: Number($('side-seed').value),
    max_tokens: Number($('side-tokens').value),
  };
  for (const checkpoint of chosen) {
    const box = el('article', { class: 'answer', 'data-checkpoint': checkpoint });
    box.append(el('h3', {}, checkpoint), el('pre', {}), el('p', { class: 'status' }, 'generating…'));
    const answer = el('span', { class: 'continuation' });
    box.querySelector('pre').append(el('span', { class: 'prompt' }, request.prompt), answer);
    answers.append(box);
    const status = box.querySelector('.status');
    streamAnswer(checkpoint, request, answer, status)
      .catch((e) => { status.textContent = 'error: ' + e.message; });
  }
}

// ---------- attention ----------

function heatmap(tokens, weights, title) {
  const n = tokens.length;
  const cell = Math.max(5, Math.min(14, Math.floor(230 / n)));
  const label = 48;
  const size = label + n * cell;
  const figure = el('figure', { class: 'heatmap' });
  const picture = svg('svg', { width: size, height: size, viewBox: `0 0 ${size} ${size}` });
  for (let q = 0; q < n; q++) {
    picture.append(svg('text', { x: label - 4, y: label + q * cell + cell * 0.75, 'text-anchor': 'end' },
      shown(tokens[q])));
    picture.append(svg('text', {
      x: 0, y: 0, transform: `translate(${label + q * cell + cell * 0.75},${label - 4}) rotate(-90)`,
    }, shown(tokens[q])));
    for (let k = 0; k < n; k++) {
      const w = weights[q][k];
      const rect = svg('rect', {
        x: label + k * cell, y: label + q * cell, width: cell, height: cell,
        fill: `rgba(180, 40, 30, ${w.toFixed(4)})`, 'data-weight': String(w),
      });
      rect.append(svg('title', {}, `${shown(tokens[q])} → ${shown(tokens[k])}: ${w.toFixed(3)}`));
      picture.append(rect);
    }
  }
  figure.append(picture, el('figcaption', {}, title));
  return figure;
}

async function showAttention() {
  const box = $('attention-maps');
  try {
    const view = await api('/api/attention', {
      checkpoint: $('attention-checkpoint').value,
      prompt: $('attention-prompt').value,
    });
    showError('');
    box.replaceChildren();
    const shownTokens = view.layers[0].tokens.length;
    if (shownTokens < view.text_tokens) {
      box.append(el('p', { class: 'hint' }, `The text is ${view.text_tokens} tokens; the maps show its last ${shownTokens}.`));
    }
    view.layers.forEach((layer, l) => {
      const row = el('div', { class: 'layer', 'data-layer': String(l + 1) });
      row.append(el('h3', {}, `layer ${l + 1}`));
      for (const [title, weights] of layer.panels) row.append(heatmap(layer.tokens, weights, title));
      box.append(row);
    });
  } catch (e) {
    showError(e.message);
  } finally {
    document.body.dataset.state = 'ready';
  }
}

// ---------- runs ----------

let run = { name: '', records: [], lines: 0 };
let polling = null;

function lossChart(records) {
  const width = 900, height = 420, left = 60, bottom = 40, top = 20, right = 150;
  const series = [
    { key: 'loss', label: 'batch loss', color: '#b0b8c8', points: [] },
    { key: 'train_loss', label: 'train (estimate)', color: '#1f5fa8', points: [] },
    { key: 'val_loss', label: 'validation', color: '#c0392b', points: [] },
  ];
  for (const r of records) {
    for (const s of series) {
      const y = r[s.key];
      if (typeof y === 'number' && isFinite(y)) s.points.push([r.step, y]);
    }
  }
  const all = series.flatMap((s) => s.points);
  const picture = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, id: 'loss-chart' });
  if (all.length === 0) {
    picture.append(svg('text', { x: left, y: height / 2 }, 'no records yet'));
    return picture;
  }
  const xMax = Math.max(...all.map((p) => p[0]), 1);
  const yMin = Math.min(...all.map((p) => p[1]));
  const yMax = Math.max(...all.map((p) => p[1]));
  const span = yMax - yMin || 1;
  const X = (x) => left + (width - left - right) * x / xMax;
  const Y = (y) => top + (height - top - bottom) * (1 - (y - yMin) / span);
  picture.append(svg('line', { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: 'axis' }));
  picture.append(svg('line', { x1: left, y1: top, x2: left, y2: height - bottom, class: 'axis' }));
  for (let i = 0; i <= 4; i++) {
    const y = yMin + span * i / 4;
    picture.append(svg('text', { x: left - 6, y: Y(y) + 4, 'text-anchor': 'end' }, y.toFixed(2)));
    const x = xMax * i / 4;
    picture.append(svg('text', { x: X(x), y: height - bottom + 18, 'text-anchor': 'middle' }, String(Math.round(x))));
  }
  picture.append(svg('text', { x: (width - right + left) / 2, y: height - 4, 'text-anchor': 'middle' }, 'training step'));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ');
    picture.append(svg('polyline', { points: d, fill: 'none', stroke: s.color, 'stroke-width': s.key === 'loss' ? 1 : 2.5, 'data-series': s.key }));
    picture.append(svg('text', { x: width - right + 10, y: top + 20 * i + 12, style: `fill: ${s.color}` }, s.label));
  });
  return picture;
}

async function pollRun() {
  const name = $('runs-run').value;
  if (!name) return;
  if (name !== run.name) run = { name, records: [], lines: 0 };
  try {
    const m = await api(`/api/metrics?run=${encodeURIComponent(name)}&after=${run.lines}`);
    if (m.run !== run.name) return;
    run.records.push(...m.records);
    run.lines = m.lines;
    $('runs-chart').replaceChildren(lossChart(run.records));
    const last = run.records[run.records.length - 1];
    $('runs-summary').textContent = last
      ? `step ${last.step} · batch loss ${Number(last.loss).toFixed(3)} · ${Math.round(last.tokens_per_sec)} tokens/s`
      : '';
    $('runs-status').textContent = `${run.records.length} records; checking for more every 2 s`;
    showError('');
  } catch (e) {
    showError(e.message);
  } finally {
    document.body.dataset.state = 'ready';
  }
}

async function loadRuns() {
  const runs = await api('/api/runs');
  const select = $('runs-run');
  const current = select.value || params.get('run');
  select.replaceChildren(...runs.map((r) => el('option', { value: r.name },
    r.name + (r.updated_secs_ago !== null && r.updated_secs_ago < 30 ? ' (training now)' : ''))));
  if (current && runs.some((r) => r.name === current)) select.value = current;
}

// ---------- start ----------

async function loadCheckpoints() {
  const list = await api('/api/checkpoints');
  const usable = list.checkpoints.filter((c) => c.summary);
  const option = (c) => {
    const kind = c.summary.model_config.kind;
    const step = c.summary.step === null || c.summary.step === undefined ? '' : `, step ${c.summary.step}`;
    return el('option', { value: c.name }, `${c.name} (${kind}${step})`);
  };
  for (const select of document.querySelectorAll('.checkpoint-select')) {
    select.replaceChildren(...usable.map(option));
  }
  const boxes = $('side-checkpoints');
  boxes.replaceChildren(...usable.map((c, i) => {
    const label = el('label');
    const box = el('input', { type: 'checkbox', value: c.name });
    box.checked = i < 2;
    label.append(box, document.createTextNode(' ' + c.name));
    return label;
  }));
  if (usable.length === 0) showError(`no checkpoint under ${list.runs_dir}: train one first (e.g. jielong chapter 1)`);
}

async function start() {
  for (const button of document.querySelectorAll('#tabs button')) {
    button.addEventListener('click', () => showTab(button.dataset.tab));
  }
  for (const id of ['temperature', 'top-k', 'top-p']) $(id).addEventListener('input', refreshBars);
  $('game-prompt').addEventListener('input', refreshBars);
  $('game-checkpoint').addEventListener('change', refreshBars);
  $('game-top').addEventListener('change', refreshBars);
  $('game-next').addEventListener('click', () => playMove());
  $('side-go').addEventListener('click', runSideBySide);
  $('attention-go').addEventListener('click', showAttention);
  $('runs-run').addEventListener('change', pollRun);
  try {
    [presetList] = await Promise.all([loadPresets(), loadCheckpoints(), loadRuns()]);
  } catch (e) {
    showError(e.message);
  }
  polling = setInterval(() => { if (activeTab === 'runs') pollRun(); }, 2000);
  setInterval(() => loadRuns().catch(() => {}), 10000);
  applyParams();
}

// A link (or a test) may set the page up: ?tab=game&checkpoint=…&prompt=…&t=0.3&top_k=…&top_p=…&top=…,
// ?tab=side&checkpoints=a,b&preset=…&tokens=…&go=1, ?tab=attention, ?tab=runs&run=…. Slider settings are applied as a student's
// would be: the value is set and an `input` event dispatched, so the page's own handlers fetch and draw.
function applyParams() {
  const checkpoint = params.get('checkpoint');
  if (checkpoint) for (const s of document.querySelectorAll('.checkpoint-select')) s.value = checkpoint;
  const prompt = params.get('prompt');
  if (prompt !== null) {
    for (const id of ['game-prompt', 'side-prompt', 'attention-prompt']) $(id).value = prompt;
  }
  if (params.get('top')) $('game-top').value = params.get('top');
  if (params.get('preset')) $('side-preset').value = params.get('preset');
  if (params.get('tokens')) $('side-tokens').value = params.get('tokens');
  if (params.get('checkpoints')) {
    const wanted = params.get('checkpoints').split(',');
    for (const box of document.querySelectorAll('#side-checkpoints input')) box.checked = wanted.includes(box.value);
  }
  const tab = params.get('tab') || 'game';
  showTab(tab);
  const slide = (id, value) => {
    if (value === null) return false;
    $(id).value = value;
    $(id).dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  };
  const moved = [slide('top-k', params.get('top_k')), slide('top-p', params.get('top_p')),
    slide('temperature', params.get('t'))].some(Boolean);
  if (tab === 'game' && !moved) refreshBars();
  if (tab === 'side' && params.has('go')) runSideBySide();
  if (tab === 'attention') showAttention();
}

start();
