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
const BOOKING_LABEL = { confirmed: 'Confirmed', attempted_failed: 'Attempted, failed', not_requested: 'Not requested' };
/* The normalized end reasons (docs/API.md, end_call_reason), in words. */
const END_LABEL = {
  customer_hangup: 'Caller hung up', agent_hangup: 'Agent hung up', no_answer: 'No answer',
  busy: 'Busy', voicemail: 'Voicemail', transfer: 'Transferred', timeout: 'Timed out',
  error: 'Error', canceled: 'Canceled', other: 'Other',
};
const $ = (id) => document.getElementById(id);

const state = { sort: 'started_at', order: 'desc', page: 1, total: 0, limit: 25, timer: null, gen: 0 };

/*
 * Views in files of their own (www/<view>.js, loaded before this file)
 * push themselves onto window.calltrackViews: filters() adds parameters
 * to the calls list's query, refresh(current) runs with every refresh,
 * detail(c) fills its part of a call's detail.  current() says whether
 * the refresh is still the newest: a view draws what it awaited only
 * while it is.  window.calltrack gives them this
 * file's helpers.
 */
const views = window.calltrackViews || [];

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
function bookingLabel(status) { return BOOKING_LABEL[status] || String(status).replace(/_/g, ' '); }
function endLabel(reason) { return END_LABEL[reason] || String(reason).replace(/_/g, ' '); }

/* ---- the timeline's times ---- */

const STAMP = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' };
const stampS = new Intl.DateTimeFormat(undefined, STAMP);
const stampMs = new Intl.DateTimeFormat(undefined, { ...STAMP, fractionalSecondDigits: 3 });

/*
 * The time of each event of a timeline, in the order given: the date and
 * the time to the second, and to the millisecond for an event that shares
 * its second with another one, so that callbacks a provider sent within
 * one second still read apart.
 */
function timelineTimes(events) {
  const ms = events.map((e) => Date.parse(e.received_at));
  const perSecond = new Map();
  for (const t of ms) if (!isNaN(t)) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) || 0) + 1);
  return ms.map((t) => isNaN(t) ? '–'
    : (perSecond.get(Math.floor(t / 1000)) > 1 ? stampMs : stampS).format(new Date(t)));
}

/* ---- a booking in words ---- */

/*
 * What decided a booking, as a line: "Confirmed — BSD-88213
 * (book_appointment)", "Attempted, failed — No availability on 2026-01-10
 * for whitening (book_appointment)", "Not requested".
 *
 * booking_evidence (docs/API.md, GET /api/calls/<id>) is the booking
 * tool's call that decided booking_status: {tool, tool_call_id,
 * successful, result}, where result is the tool's answer as text, cut to
 * 500 bytes, or null when the tool gave none; the evidence is null when no
 * booking tool ran.  Tools answer as they like; the fixtures show the usual
 * shapes (tests/fixtures/vapi, tests/fixtures/retell):
 *   {"success":true,"confirmation_id":"BSD-88213","start":"2026-01-08T10:30:00-08:00"}
 *   {"status":"confirmed","confirmation_id":"HAC-20260108-0042","start":"…"}
 *   {"success":false,"error":"No availability on 2026-01-10 for whitening"}
 *   Error: 409 Conflict - requested slot 2026-01-09T09:00 is no longer available
 *
 * The rule.  A result that parses as a JSON object is read as one (its
 * own keys, then those of an object under booking, appointment,
 * reservation, data or result); a result that does not (one cut at 500
 * bytes) is read for its "key": value pairs of strings and numbers.  Keys
 * compare without case, "_" or "-" (confirmationId is confirmation_id).
 *  - Confirmed: the reference is the first key of REFERENCE_KEYS holding a
 *    string or number of 1 to 64 characters.
 *  - Attempted, failed: the message is "error" (a string, or the
 *    "message" of an object under it), else "message", "reason" or
 *    "detail"; a result that is not JSON at all is the message itself,
 *    without a leading "Error:".  At most 200 characters.
 * A plain-text answer to a booking that succeeded gives its reference
 * after "confirmation" or "reference" (number, no., id or code), when it
 * holds a digit.  Without a reference or a message, the label and the
 * tool alone; without evidence, the label alone.
 */
const REFERENCE_KEYS = ['confirmationid', 'confirmationnumber', 'confirmationcode', 'confirmation',
  'bookingreference', 'bookingid', 'bookingnumber', 'reference', 'referencenumber', 'referenceid',
  'appointmentid', 'reservationid'];
const ERROR_KEYS = ['error', 'message', 'reason', 'detail'];
const NESTED_KEYS = ['booking', 'appointment', 'reservation', 'data', 'result'];
const keyOf = (k) => k.toLowerCase().replace(/[_-]/g, '');

/*
 * A tool's result read as the rule above says: {fields, text}, fields
 * the scalar values by normalized key, text the result when it is plain
 * text (not JSON; a JSON string is its text), else null.
 */
function readResult(result) {
  const fields = new Map();
  const put = (k, v) => {
    const key = keyOf(k);
    if (!fields.has(key)) fields.set(key, v);
  };
  let obj;
  try { obj = JSON.parse(result); } catch (e) { obj = undefined; /* cut short, or plain text */ }
  if (typeof obj === 'string') return { fields, text: obj };
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) put(k, v);
    for (const [k, v] of Object.entries(obj)) {
      if (NESTED_KEYS.includes(keyOf(k)) && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v)) put(k2, v2);
      }
    }
    return { fields, text: null };
  }
  if (obj !== undefined || /^\s*[[{]/.test(result)) {
    const pair = /"([A-Za-z0-9_-]{1,64})"\s*:\s*("(?:[^"\\]|\\.){0,300}"|-?\d{1,20})/g;
    for (const m of result.matchAll(pair)) {
      try { put(m[1], JSON.parse(m[2])); } catch (e) { /* a string cut inside an escape */ }
    }
    return { fields, text: null };
  }
  return { fields, text: result };
}

/* s without control characters and spare white space, cut to max. */
function tidy(s, max) {
  const t = String(s).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function bookingReference(result) {
  const { fields, text } = readResult(result);
  for (const k of REFERENCE_KEYS) {
    const v = fields.get(k);
    if ((typeof v === 'string' || typeof v === 'number') && String(v).trim() !== '' && String(v).length <= 64) {
      return tidy(v, 64);
    }
  }
  // Plain text: "Booked, confirmation number BSD-88213".
  const m = text && /\b(?:confirmation|reference)\s*(?:number|no\.?|id|code)?\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9-]{1,63})/i.exec(text);
  return m && /\d/.test(m[1]) ? m[1] : '';
}

function bookingError(result) {
  const { fields, text } = readResult(result);
  if (text !== null) return tidy(text.replace(/^\s*error\b\s*[:\-–—]?\s*/i, ''), 200);
  const err = fields.get('error');
  if (err && typeof err === 'object' && typeof err.message === 'string') return tidy(err.message, 200);
  for (const k of ERROR_KEYS) {
    const v = fields.get(k);
    if (typeof v === 'string' && v.trim() !== '') return tidy(v, 200);
  }
  return '';
}

function bookingText(status, ev) {
  const label = bookingLabel(status);
  if (!ev || status === 'not_requested') return label;
  const result = typeof ev.result === 'string' ? ev.result : '';
  const what = !result ? '' : status === 'confirmed' ? bookingReference(result) : bookingError(result);
  const tool = typeof ev.tool === 'string' && ev.tool ? ' (' + ev.tool + ')' : '';
  return label + (what ? ' — ' + what : '') + tool;
}

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
  document.dispatchEvent(new Event('calltrack:signout'));
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

/* The smallest of 1, 2 or 5 times a power of ten that is at least n. */
function niceCeil(n) {
  if (n <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(n)));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/* "2026-01-05" as "Jan 5", read as the calendar date it names. */
function shortDate(ymd) {
  const [, m, d] = ymd.split('-').map(Number);
  return MONTHS[m - 1] + ' ' + d;
}

/*
 * Draws grouped bars (calls, answered, booked) per day as SVG, drawn at
 * the width it is given, with a value scale (0, half and the top of a
 * round scale, with grid lines) on the left and the dates below, one
 * label every few days.  Returns the <svg>; one <g class="day"> per day,
 * so tests can count them, <g class="axis-y"> and <g class="axis-x">.
 */
function barChart(daily, width) {
  const NS = 'http://www.w3.org/2000/svg';
  const w = Math.max(320, Math.round(width || 600)), h = 180;
  const left = 36, bottom = 20, top = 8;
  const plot = h - bottom - top;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  svg.setAttribute('preserveAspectRatio', 'none');
  const make = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const max = niceCeil(Math.max(1, ...daily.map((d) => d.calls)));
  const y = (v) => top + plot - plot * v / max;
  const ay = make('g', { class: 'axis-y' });
  for (const v of [0, max / 2, max]) {
    if (v !== Math.floor(v)) continue;
    ay.appendChild(make('line', { x1: left, x2: w, y1: y(v), y2: y(v), class: 'grid' }));
    ay.appendChild(make('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  svg.appendChild(ay);
  const slot = (w - left) / Math.max(daily.length, 1);
  const bw = Math.max(1, slot / 4);
  const every = Math.max(1, Math.ceil(daily.length / 8));
  const ax = make('g', { class: 'axis-x' });
  daily.forEach((d, i) => {
    const g = make('g', { class: 'day' });
    g.appendChild(make('title', {}, d.date + ': ' + d.calls + ' calls, ' + d.answered + ' answered, ' +
      d.booked + ' booked'));
    ['calls', 'answered', 'booked'].forEach((k, j) => {
      const bh = plot * d[k] / max;
      g.appendChild(make('rect', { x: left + i * slot + slot / 8 + j * bw, y: top + plot - bh,
        width: bw, height: bh, class: 'bar-' + k }));
    });
    svg.appendChild(g);
    if (i % every === 0) {
      ax.appendChild(make('text', { x: left + i * slot + slot / 2, y: h - 5, 'text-anchor': 'middle' },
        shortDate(d.date)));
    }
  });
  svg.appendChild(ax);
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

async function loadStats(current) {
  const r = range();
  const s = await (await api('/api/stats', { from: r.from, to: r.to, include_test: $('f-test').checked })).json();
  if (!current()) return;
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
  $('chart').appendChild(barChart(s.daily, $('chart').clientWidth));
  meterList($('sentiment'), Object.entries(s.sentiment));
  meterList($('reasons'), s.end_call_reasons.slice(0, 6).map((x) => [endLabel(x.reason), x.calls]));
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
    ...Object.assign({}, ...views.map((v) => (v.filters ? v.filters() : {}))),
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
  bk.appendChild(el('span', bookingLabel(c.booking_status), 'tag ' + c.booking_status));
  tr.appendChild(bk);
  tr.appendChild(el('td', c.sentiment || '–'));
  tr.appendChild(el('td', money(c.cost)));
  tr.addEventListener('click', () => openDetail(c.id));
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(c.id); });
  return tr;
}

async function loadCalls(current) {
  const f = callFilters();
  const status = $('calls-status');
  status.className = 'status';
  status.textContent = 'Loading calls…';
  const res = await (await api('/api/calls', { ...f, limit: state.limit, page: state.page })).json();
  if (!current()) return;
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
      c.phone_number].filter(Boolean).join(' · ');
    // The end reason by its normalized label, the provider's own code
    // beside it, small.
    const end = $('d-end');
    clear(end);
    end.hidden = !c.end_call_reason && !c.ended_reason;
    end.appendChild(el('span', 'Ended: ' + (c.end_call_reason ? endLabel(c.end_call_reason) : 'reason not known'),
      'end-label'));
    if (c.ended_reason) {
      end.appendChild(document.createTextNode(' '));
      end.appendChild(el('small', c.ended_reason, 'code'));
    }
    $('d-summary').textContent = c.summary || 'No summary.';
    const audio = $('d-audio');
    audio.hidden = !c.recording_url;
    if (c.recording_url) audio.src = c.recording_url; else audio.removeAttribute('src');
    $('d-booking').textContent = bookingText(c.booking_status, c.booking_evidence);
    const a = c.hot_lead_alert;
    $('d-lead').textContent = a ? 'Hot lead, score ' + a.score + ' (' + a.reasons.join(', ') + ')'
      : (c.lead_score !== null ? 'Score ' + c.lead_score + (c.lead_reasons ? ' (' + c.lead_reasons.join(', ') + ')' : '')
        : 'Not scored.');
    $('d-transcript').textContent = c.transcript || 'No transcript.';
    const list = $('d-events');
    clear(list);
    const times = timelineTimes(c.events);
    c.events.forEach((e, i) => {
      const li = el('li');
      li.appendChild(el('time', times[i]));
      li.lastChild.dateTime = e.received_at;
      li.appendChild(document.createTextNode(' — ' + e.type + ' (' + e.outcome + ')' + (e.error ? ': ' + e.error : '')));
      list.appendChild(li);
    });
    for (const v of views) if (v.detail) v.detail(c);
    $('detail').hidden = false;
    $('d-close').focus();
    // Views of their own files add to it (leads.js: the call's lead).
    document.dispatchEvent(new CustomEvent('calltrack:detail', { detail: c }));
  });
}

function closeDetail() {
  $('detail').hidden = true;
  $('d-audio').pause();
  if (lastFocus) lastFocus.focus();
}

/* ---- refresh ---- */

/*
 * Refreshes overlap: the timer's, and one for each change of a filter
 * (choosing "Custom" and typing its two dates are three).  Each is
 * numbered, and what it fetched is drawn only while it is the newest, so a
 * slow answer for an earlier range never paints over a later one.
 */
async function refresh() {
  const gen = ++state.gen;
  const current = () => gen === state.gen;
  await guarded(async () => {
    try {
      await Promise.all([loadStats(current), loadCalls(current),
        ...views.map((v) => (v.refresh ? v.refresh(current) : null))]);
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      if (!current()) return;
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
  // The views of their own files (notify.js) start here.
  document.dispatchEvent(new Event('calltrack:signin'));
}

window.calltrack = { api, el, clear, range, duration, money, pct, openDetail,
  again: () => { state.page = 1; refresh(); } };

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
