/*
 * calltrack dashboard: plain JavaScript against /api/stats, /api/calls and
 * /api/calls/<id>.  Every value from the API goes into the page through
 * textContent or an attribute, never as HTML, so a caller named
 * "<script>" is shown as text.
 */
'use strict';

const TOKEN_KEY = 'calltrack.token';
const REFRESH_MS = 10000;
const LIVE = new Set(['queued', 'ringing', 'in-progress']);
const $ = (id) => document.getElementById(id);

const state = { sort: 'started_at', order: 'desc', page: 1, total: 0, limit: 25, timer: null };

/* ---- API ---- */

class Unauthorized extends Error {}

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== '' && v !== null && v !== undefined) url.searchParams.set(k, v);
  }
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN_KEY) } });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) {
    let msg = 'the server answered ' + res.status;
    try { msg = (await res.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return res;
}

/* ---- helpers ---- */

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function isoDate(d) {
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' +
    String(d.getDate()).padStart(2, '0');
}

function duration(s) {
  if (s === null || s === undefined) return '–';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m ? m + 'm ' + String(r).padStart(2, '0') + 's' : r + 's';
}

function money(v) { return v === null || v === undefined ? '–' : '$' + Number(v).toFixed(2); }
function pct(v) { return (Math.round(v * 1000) / 10) + '%'; }
function when(iso) { return iso ? new Date(iso).toLocaleString() : '–'; }

/* The date range the picker says, as the API's from/to (to exclusive). */
function range() {
  const sel = $('range').value;
  if (sel === 'custom') {
    const to = $('to').value ? new Date($('to').value + 'T00:00:00') : new Date();
    to.setDate(to.getDate() + 1);
    return { from: $('from').value, to: $('to').value ? isoDate(to) : '' };
  }
  const to = new Date();
  to.setDate(to.getDate() + 1);
  const from = new Date();
  from.setDate(from.getDate() - (Number(sel) - 1));
  return { from: isoDate(from), to: isoDate(to) };
}

/* ---- sign-in ---- */

function showSignin(message) {
  stopRefresh();
  $('app').hidden = true;
  $('detail').hidden = true;
  $('signin').hidden = false;
  $('signin-error').hidden = !message;
  $('signin-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

function signOut(message) {
  localStorage.removeItem(TOKEN_KEY);
  showSignin(message);
}

async function guarded(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Unauthorized) signOut('That token is not valid (or was revoked). Sign in again.');
    else throw e;
  }
}

/* ---- stats ---- */

/*
 * Draws grouped bars (calls, answered, booked) per day as SVG.  Returns
 * the <svg>; one <g class="day"> per day, so tests can count them.
 */
function barChart(daily) {
  const NS = 'http://www.w3.org/2000/svg';
  const w = 600, h = 180, pad = 18;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  svg.setAttribute('preserveAspectRatio', 'none');
  const max = Math.max(1, ...daily.map((d) => d.calls));
  const slot = (w - pad) / Math.max(daily.length, 1);
  const bw = Math.max(1, slot / 4);
  daily.forEach((d, i) => {
    const g = document.createElementNS(NS, 'g');
    g.setAttribute('class', 'day');
    const title = document.createElementNS(NS, 'title');
    title.textContent = d.date + ': ' + d.calls + ' calls, ' + d.answered + ' answered, ' + d.booked + ' booked';
    g.appendChild(title);
    ['calls', 'answered', 'booked'].forEach((k, j) => {
      const r = document.createElementNS(NS, 'rect');
      const bh = (h - pad) * d[k] / max;
      r.setAttribute('x', pad + i * slot + j * bw);
      r.setAttribute('y', h - pad - bh);
      r.setAttribute('width', bw);
      r.setAttribute('height', bh);
      r.setAttribute('class', 'bar-' + k);
      g.appendChild(r);
    });
    svg.appendChild(g);
  });
  return svg;
}

function meterList(node, rows) {
  clear(node);
  const max = Math.max(1, ...rows.map((r) => r[1]));
  for (const [label, n] of rows) {
    const li = el('li');
    li.appendChild(el('span', label));
    const m = el('span', null, 'meter');
    m.style.width = (100 * n / max) + '%';
    li.appendChild(m);
    li.appendChild(el('span', n));
    node.appendChild(li);
  }
  if (!rows.length) node.appendChild(el('li', 'Nothing in this range', 'muted'));
}

async function loadStats() {
  const r = range();
  const s = await (await api('/api/stats', { from: r.from, to: r.to, include_test: $('f-test').checked })).json();
  $('tz').textContent = 'Days in ' + s.range.tz;
  $('c-total').textContent = s.total_calls;
  $('c-answer').textContent = pct(s.answer_rate);
  $('c-answered').textContent = s.answered_calls + ' answered';
  $('c-duration').textContent = duration(s.avg_duration_seconds);
  $('c-conversion').textContent = pct(s.booking.conversion_rate);
  $('c-confirmed').textContent = s.booking.confirmed;
  $('c-failed').textContent = s.booking.attempted_failed;
  $('c-none').textContent = s.booking.not_requested;
  $('c-hot').textContent = s.hot_leads;
  $('c-cost').textContent = money(s.total_cost);
  clear($('chart'));
  $('chart').appendChild(barChart(s.daily));
  meterList($('sentiment'), Object.entries(s.sentiment));
  meterList($('reasons'), s.end_call_reasons.slice(0, 6).map((x) => [x.reason.replace(/_/g, ' '), x.calls]));
  const act = $('activity');
  clear(act);
  for (const a of s.recent_activity) {
    const li = el('li');
    li.appendChild(el('strong', a.type === 'hot_lead' ? 'Hot lead ' : 'Completed '));
    li.appendChild(el('span', a.caller_name));
    li.appendChild(el('span', ' · ' + when(a.at), 'muted'));
    li.tabIndex = 0;
    li.addEventListener('click', () => openDetail(a.call_id));
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(a.call_id); });
    act.appendChild(li);
  }
  if (!s.recent_activity.length) act.appendChild(el('li', 'No activity in this range', 'muted'));
  $('stats-status').textContent = '';
}

/* ---- calls ---- */

function callFilters() {
  const r = range();
  return {
    q: $('q').value.trim(), status: $('f-status').value, direction: $('f-direction').value,
    booking_status: $('f-booking').value, sentiment: $('f-sentiment').value,
    include_test: $('f-test').checked, from: r.from, to: r.to,
    sort: state.sort, order: state.order,
  };
}

function row(c) {
  const tr = el('tr');
  tr.tabIndex = 0;
  tr.dataset.id = c.id;
  tr.appendChild(el('td', when(c.call_at)));
  const who = el('td', c.caller_name, c.name_source === 'contact' ? '' : 'phone-only');
  if (c.name_source !== 'contact') who.title = 'No name known: ' + (c.name_source === 'phone' ? 'the number is shown' : 'no number either');
  tr.appendChild(who);
  tr.appendChild(el('td', c.phone_number || '–'));
  tr.appendChild(el('td', c.direction || '–'));
  const st = el('td');
  st.appendChild(el('span', c.status, 'tag' + (LIVE.has(c.status) ? ' live' : '')));
  tr.appendChild(st);
  tr.appendChild(el('td', duration(c.duration_seconds)));
  const bk = el('td');
  bk.appendChild(el('span', c.booking_status.replace(/_/g, ' '), 'tag ' + c.booking_status));
  tr.appendChild(bk);
  tr.appendChild(el('td', c.sentiment || '–'));
  tr.appendChild(el('td', money(c.cost)));
  tr.addEventListener('click', () => openDetail(c.id));
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(c.id); });
  return tr;
}

async function loadCalls() {
  const f = callFilters();
  const status = $('calls-status');
  status.className = 'status';
  status.textContent = 'Loading calls…';
  const res = await (await api('/api/calls', { ...f, limit: state.limit, page: state.page })).json();
  const body = $('rows');
  clear(body);
  res.calls.forEach((c) => body.appendChild(row(c)));
  state.total = res.total;
  const pages = Math.max(1, Math.ceil(res.total / state.limit));
  // A broad search counts up to 1,000 matches: "1000+ calls".
  const more = res.total_capped ? '+' : '';
  $('page-info').textContent = 'Page ' + state.page + ' of ' + Math.max(pages, state.page) + more +
    ' · ' + res.total + more + ' calls';
  $('prev').disabled = state.page <= 1;
  $('next').disabled = state.page >= pages && !res.total_capped;
  if (res.calls.length) {
    status.textContent = '';
  } else if (f.q || f.status || f.direction || f.booking_status || f.sentiment) {
    status.textContent = 'No calls match these filters in this range.';
  } else {
    status.textContent = 'No calls in this range.' + (f.include_test ? '' : ' Test calls are hidden.');
  }
  for (const b of document.querySelectorAll('th button')) {
    if (b.dataset.sort === state.sort) b.setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
    else b.removeAttribute('aria-sort');
  }
}

async function downloadCsv(e) {
  e.preventDefault();
  await guarded(async () => {
    const res = await api('/api/calls', { ...callFilters(), format: 'csv' });
    const url = URL.createObjectURL(await res.blob());
    const a = el('a');
    a.href = url;
    a.download = 'calls.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}

/* ---- detail ---- */

let lastFocus = null;

async function openDetail(id) {
  lastFocus = document.activeElement;
  await guarded(async () => {
    const c = await (await api('/api/calls/' + encodeURIComponent(id))).json();
    $('d-title').textContent = c.caller_name;
    $('d-meta').textContent = [c.direction, c.status, when(c.call_at), duration(c.duration_seconds),
      c.phone_number, c.ended_reason].filter(Boolean).join(' · ');
    $('d-summary').textContent = c.summary || 'No summary.';
    const audio = $('d-audio');
    audio.hidden = !c.recording_url;
    if (c.recording_url) audio.src = c.recording_url; else audio.removeAttribute('src');
    const ev = c.booking_evidence;
    $('d-booking').textContent = c.booking_status.replace(/_/g, ' ') +
      (ev ? ' — ' + ev.tool + ' ' + (ev.successful ? 'succeeded' : 'did not succeed') +
        (ev.result ? ': ' + ev.result : '') : '');
    const a = c.hot_lead_alert;
    $('d-lead').textContent = a ? 'Hot lead, score ' + a.score + ' (' + a.reasons.join(', ') + ')'
      : (c.lead_score !== null ? 'Score ' + c.lead_score + (c.lead_reasons ? ' (' + c.lead_reasons.join(', ') + ')' : '')
        : 'Not scored.');
    $('d-transcript').textContent = c.transcript || 'No transcript.';
    const list = $('d-events');
    clear(list);
    for (const e of c.events) list.appendChild(el('li', when(e.received_at) + ' — ' + e.type + ' (' + e.outcome + ')'));
    $('detail').hidden = false;
    $('d-close').focus();
  });
}

function closeDetail() {
  $('detail').hidden = true;
  $('d-audio').pause();
  if (lastFocus) lastFocus.focus();
}

/* ---- refresh ---- */

async function refresh() {
  await guarded(async () => {
    try {
      await Promise.all([loadStats(), loadCalls()]);
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      $('calls-status').className = 'status error';
      $('calls-status').textContent = 'Could not load the dashboard: ' + e.message + '. Retrying…';
    }
  });
}

function stopRefresh() { if (state.timer) clearInterval(state.timer); state.timer = null; }

function start() {
  $('signin').hidden = true;
  $('app').hidden = false;
  stopRefresh();
  refresh();
  state.timer = setInterval(refresh, REFRESH_MS);
}

/* ---- wiring ---- */

function wire() {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, $('token').value.trim());
    start();
  });
  $('signout').addEventListener('click', () => signOut(''));
  const again = () => { state.page = 1; refresh(); };
  $('range').addEventListener('change', () => {
    $('custom-range').hidden = $('range').value !== 'custom';
    again();
  });
  for (const id of ['from', 'to', 'f-status', 'f-direction', 'f-booking', 'f-sentiment', 'f-test']) {
    $(id).addEventListener('change', again);
  }
  let typing = null;
  $('q').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(again, 300); });
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); again(); });
  for (const b of document.querySelectorAll('th button')) {
    b.addEventListener('click', () => {
      state.order = state.sort === b.dataset.sort && state.order === 'desc' ? 'asc' : 'desc';
      state.sort = b.dataset.sort;
      again();
    });
  }
  $('prev').addEventListener('click', () => { state.page--; guarded(loadCalls); });
  $('next').addEventListener('click', () => { state.page++; guarded(loadCalls); });
  $('csv').addEventListener('click', downloadCsv);
  $('d-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('detail').hidden) closeDetail(); });
  $('detail').addEventListener('click', (e) => { if (e.target === $('detail')) closeDetail(); });
  if (localStorage.getItem(TOKEN_KEY)) start(); else showSignin('');
}

wire();
