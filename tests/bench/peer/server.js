'use strict';
/*
 * server.js: make bench's peer.  The webhook ingest a calltrack user would
 * otherwise run, and the original system ran: Node.js, Express and pg.
 *
 *   PEER_PORT=N [PEER_WORKERS=2] [PEER_POOL=8] PGHOST=... PGUSER=calltrack_app \
 *       node server.js            serve on 127.0.0.1:N
 *   node server.js --sql          print the statement it sends, and exit
 *
 * It takes the same three webhooks as calltrack (POST /hooks/vapi/<slug>,
 * /hooks/retell/<slug>, /hooks/twilio/<slug>; nginx passes /peer/... here),
 * checks the same signatures with node:crypto (crypto.timingSafeEqual),
 * maps the fields in plain JavaScript as lib/ingest/vapi.c, retell.c and
 * twilio.c do, and sends the same statement: the text of
 * ct_event_apply_sql() (lib/ingest/event.c) with the same parameters, as
 * one parameterized query (pg's unnamed statement, as calltrack's
 * PQexecParams; the raw body as binary bytea).  tests/bench/run checks
 * that one sample of each webhook makes the same row in calls here as
 * through calltrack.
 *
 * Why it is a fair peer: a node:cluster of PEER_WORKERS processes (2, one
 * per core of the bench machine), each with a pg.Pool of PEER_POOL
 * connections (8); idiomatic Express (express.raw body parsing up to
 * 16 MB, async handlers, res.json); no artificial slowness; the same
 * nginx in front, on loopback.  One round trip per webhook, as calltrack:
 * the integration (secrets, org, country, booking tools, Twilio's public
 * URL) is read with ct_integration_lookup on first use and kept for
 * CALLTRACK_INTEGRATION_TTL seconds (30), and read again at once when a
 * signature fails, as calltrack's workers do (lib/ingest/integration.c).
 * It does less than calltrack, which only favours it: no log line per
 * request, refusals answered but not kept in rejected_events, no refusal
 * limit per address, no spool when the database is away (503 instead).
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The parameters of ct_apply_event, in the order of enum ct_event_param
// (CT_EVENT_PARAMS, lib/ingest/event.h).
const PARAMS = [
  'p_integration', 'p_provider', 'p_provider_call_id', 'p_event_type',
  'p_dedup_key', 'p_payload', 'p_content_type', 'p_mode', 'p_error',
  'p_status_answered', 'p_status_unanswered', 'p_answered', 'p_sequence',
  'p_ended_reason', 'p_end_call_reason', 'p_direction', 'p_phone_number',
  'p_phone_raw', 'p_agent_number', 'p_customer_name', 'p_is_test_call',
  'p_started_at', 'p_ended_at', 'p_duration_seconds', 'p_cost',
  'p_recording_url', 'p_transcript', 'p_summary', 'p_sentiment',
  'p_booking_status', 'p_booking_evidence', 'p_lead_score',
  'p_lead_reasons', 'p_metadata', 'p_transfer_destination',
  'p_transferred', 'p_agent_id', 'p_agent_name', 'p_agent_version',
  'p_analysis', 'p_success', 'p_success_raw', 'p_cost_breakdown',
  'p_linked_call_sid', 'p_org',
];
const APPLY_SQL = 'SELECT outcome, call_id, error FROM ct_apply_event(' +
  PARAMS.map((n, i) => `${n} => $${i + 1}`).join(', ') + ')';

if (process.argv[2] === '--sql') {
  process.stdout.write(APPLY_SQL + '\n');
  process.exit(0);
}

const WORKERS = Number(process.env.PEER_WORKERS || 2);
const POOL = Number(process.env.PEER_POOL || 8);
const PORT = Number(process.env.PEER_PORT || 0);
const TTL_MS = Number(process.env.CALLTRACK_INTEGRATION_TTL || 30) * 1000;
const WINDOW_S = 300;

if (cluster.isPrimary) {
  if (!PORT) {
    console.error('peer: PEER_PORT is not set');
    process.exit(2);
  }
  let listening = 0;
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++listening === WORKERS)
      console.log(`peer: listening on 127.0.0.1:${PORT}, ${WORKERS} workers, pools of ${POOL}`);
  });
  let stopping = false;
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(`peer: worker ${w.process.pid} exited (${signal || code})`);
      process.exitCode = 1;
    }
    if (Object.keys(cluster.workers).length === 0) process.exit();
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return;
}

// ---- a worker ---------------------------------------------------------

const express = require('express');
const { Pool } = require('pg');
const { parsePhoneNumberFromString, isSupportedCountry } = require('libphonenumber-js');

const pool = new Pool({
  max: POOL,
  application_name: `calltrack-peer[${process.pid}]`,
  options: '-c statement_timeout=5000',
});
pool.on('error', (err) => console.error('peer: idle client:', err.message));

// ---- the data calltrack's build compiles in (lib/data/) ----------------

const DATA = path.join(__dirname, '..', '..', '..', 'lib', 'data');

function tsv(name) {
  return fs.readFileSync(path.join(DATA, name), 'utf8').split('\n').slice(1)
    .filter((l) => l !== '').map((l) => l.split('\t'));
}

// End codes to statuses, as tools/gen-reasons makes them.
function reasonTable(name) {
  const t = new Map();
  for (const [code, , status, reason] of tsv(name)) {
    const dep = status === 'canceled if never connected, else completed';
    t.set(code, { answered: dep ? 'completed' : status, unanswered: dep ? 'canceled' : status,
      reason: reason || null });
  }
  return t;
}
const VAPI_REASONS = reasonTable('vapi-ended-reasons.tsv');
const RETELL_REASONS = reasonTable('retell-disconnection-reasons.tsv');
const COST_NAMES = tsv('cost-parts.tsv').map(([source, name, part]) =>
  ({ source, name, part: part === '-' ? null : part }));
const COST_PARTS = ['transport', 'stt', 'llm', 'tts', 'platform', 'other'];

// ---- JSON as calltrack reads it (lib/core/json.c) ----------------------

class Refused extends Error {
  constructor(status, code, field) {
    super(code);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}
const malformed = (field) => new Refused(400, 'malformed_body', field);

function at(o, p) {
  for (const step of p.split('.')) {
    if (o === null || typeof o !== 'object' || Array.isArray(o) || !Object.hasOwn(o, step))
      return null;
    o = o[step];
  }
  return o === undefined ? null : o;
}
// A non-empty string without a NUL, else null.
function str(o, p) {
  const v = at(o, p);
  return typeof v === 'string' && v !== '' && !v.includes('\0') ? v : null;
}
// A string that names something: one holding a NUL refuses the body.
function key(o, p, field) {
  const v = at(o, p);
  if (typeof v !== 'string' || v === '') return null;
  if (v.includes('\0')) throw malformed(field);
  return v;
}
function first(o, paths) {
  for (const p of paths) {
    const v = str(o, p);
    if (v !== null) return v;
  }
  return null;
}
// A JSON number, or a string holding one; finite.
function num(o, p) {
  let v = at(o, p);
  if (typeof v === 'string') {
    if (v === '' || !/^[0-9+\-.eE]+$/.test(v)) return null;
    v = Number(v);
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function truthy(v) {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v === 1 ? 1 : v === 0 ? 0 : -1;
  if (typeof v !== 'string') return -1;
  const s = v.toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return 1;
  if (s === 'false' || s === '0' || s === 'no') return 0;
  return -1;
}
const anyTruthy = (o, paths) => paths.some((p) => truthy(at(o, p)) === 1);
function holdsNul(v, depth = 0) {
  if (typeof v === 'string') return v.includes('\0');
  if (v === null || typeof v !== 'object' || depth > 32) return false;
  if (Array.isArray(v)) return v.some((x) => holdsNul(x, depth + 1));
  return Object.entries(v).some(([k, x]) => k.includes('\0') || holdsNul(x, depth + 1));
}
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

// ---- times (event.c) ---------------------------------------------------

const monthDays = (y, m) => (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 :
  [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

// ct_time_iso: the text when it is a calendar-exact ISO 8601 time, else ''.
function timeIso(s) {
  if (typeof s !== 'string' || s.length < 19 || s.length >= 40) return '';
  const m = ISO.exec(s);
  if (!m) return '';
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > monthDays(y, mo) || h > 23 || mi > 59 || sec > 60)
    return '';
  let off = 0;
  if (m[9]) {
    // ±HH:MM or ±HHMM, nothing else
    const tail = s.slice(s.indexOf(m[9], 19) + 1);
    if (!/^\d{2}:\d{2}$/.test(tail) && !/^\d{4}$/.test(tail)) return '';
    off = Number(m[10]) * 60 + Number(m[11]);
    if (Number(m[11]) > 59 || off > 14 * 60) return '';
    if (m[9] === '-') off = -off;
  }
  if (sec === 60) {
    // a leap second: 23:59:60 UTC on a month's last day only
    const t = Date.UTC(y, mo - 1, d, h, mi, 59) - off * 60000;
    const u = new Date(t), n = new Date(t + 1000);
    if (u.getUTCHours() !== 23 || u.getUTCMinutes() !== 59 || n.getUTCDate() !== 1) return '';
  }
  return s;
}
function epochMs(iso) {
  const m = ISO.exec(iso);
  if (!m) return -1;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  const off = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60) : 0;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, 0);
  return t.getTime() - off * 1000 + ms;
}
function timeFromMs(ms) {
  if (ms < 0 || ms > 253402300799999) return '';
  return new Date(ms).toISOString();
}
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
// Twilio's RFC 2822 Timestamp, as ISO 8601 (ct_twilio_time).
function twilioTime(s) {
  if (s === null) return '';
  const comma = s.indexOf(',');
  if (comma >= 0) s = s.slice(comma + 1);
  const m = /^\s*(\d{1,2})\s+(\S{1,3})\s+(\d{1,4})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s+([+-]\d{4})$/.exec(s);
  if (!m || m[2].length !== 3) return '';
  const mi = MONTHS.indexOf(m[2]);
  if (mi < 0 || mi % 3 !== 0) return '';
  const p2 = (v) => String(v).padStart(2, '0');
  const z = m[7];
  return timeIso(`${String(m[3]).padStart(4, '0')}-${p2(mi / 3 + 1)}-${p2(+m[1])}T${p2(+m[4])}:` +
    `${p2(+m[5])}:${p2(+m[6])}${z[0]}${z.slice(1, 3)}:${z.slice(3, 5)}`);
}

// ---- numbers (phonenumber.cc) ------------------------------------------

function isExtension(s) {
  const l = s.toLowerCase();
  const mark = [';ext=', 'extension', 'ext.', 'ext', 'x', '#'].find((w) => l.startsWith(w));
  return mark !== undefined && /^[ \t]*\d{1,10}[ \t]*$/.test(s.slice(mark.length));
}
// E.164 of raw read in country, or ''.
function e164(raw, country) {
  if (raw === null || raw.length > 64 || typeof country !== 'string' || !/^[A-Za-z]{2}$/.test(country))
    return '';
  const region = country.toUpperCase();
  if (!isSupportedCountry(region)) return '';
  let p = raw.toLowerCase().startsWith('tel:') ? 4 : 0;
  const start = p;
  let digits = 0, plus = false;
  for (; p < raw.length; p++) {
    const c = raw[p];
    if (c >= '0' && c <= '9') digits++;
    else if (c === '+' && digits === 0 && !plus) plus = true;
    else if (!' \t()-./'.includes(c)) break;
  }
  if (digits === 0 || (p < raw.length && !isExtension(raw.slice(p)))) return '';
  const pn = parsePhoneNumberFromString(raw.slice(start, p), region);
  if (!pn || !pn.isPossible()) return '';
  return /^\+[1-9]\d{1,14}$/.test(pn.number) ? pn.number : '';
}

// ---- the event ----------------------------------------------------------

function newEvent() {
  return {
    callId: null, type: null, dedup: '', mode: 'apply', statusAnswered: null,
    statusUnanswered: null, answered: false, sequence: -1, endedReason: null,
    endCallReason: null, direction: null, phone: '', phoneRaw: null, agentNumber: '',
    customerName: null, isTest: -1, startedAt: '', endedAt: '', duration: -1, cost: '',
    recordingUrl: null, transcript: null, summary: null, sentiment: null,
    bookingStatus: null, bookingEvidence: null, leadScore: -1, leadReasons: null,
    metadata: null, transferDestination: null, transferred: false, agentId: null,
    agentName: null, agentVersion: '', analysis: null, success: -1, successRaw: '',
    costBreakdown: null, linkedCallSid: null, note: null,
  };
}

function setAgent(ev, id, name, version) {
  if (id !== null && Buffer.byteLength(id) <= 200) ev.agentId = id;
  if (name !== null && Buffer.byteLength(name) <= 200) ev.agentName = name;
  let s = null;
  if (typeof version === 'number' && Number.isInteger(version)) s = String(version);
  else if (typeof version === 'string' && !version.includes('\0')) s = version;
  ev.agentVersion = s !== null && Buffer.byteLength(s) <= 200 ? s : '';
}

const SID = /^CA[0-9a-f]{32}$/;
function linkCallSid(ev, sid) {
  if (sid === null || sid === '') return;
  if (SID.test(sid)) {
    ev.linkedCallSid = sid;
    return;
  }
  ev.linkedCallSid = null;
  if (ev.note === null) ev.note = 'the twilio call sid named is not a CallSid: not linked';
}

function setCost(ev, usd) {
  if (Number.isFinite(usd) && usd >= 0 && usd <= 1e9) ev.cost = usd.toFixed(6);
}

function numbers(ev, customer, agent, country) {
  ev.phoneRaw = customer;
  ev.phone = e164(customer, country);
  ev.agentNumber = e164(agent, country);
}

const SHAPES = [
  ['error', 'failed', 'error'], ['fault', 'failed', 'error'], ['fail', 'failed', 'error'],
  ['voicemail', 'voicemail', 'voicemail'], ['busy', 'busy', 'busy'],
  ['no-answer', 'no-answer', 'no_answer'], ['no_answer', 'no-answer', 'no_answer'],
  ['did-not-answer', 'no-answer', 'no_answer'], ['cancel', 'canceled', 'canceled'],
  ['forward', 'completed', 'transfer'], ['transfer', 'completed', 'transfer'],
];
function setEnd(ev, table, code) {
  ev.endedReason = code;
  const row = table && code !== null ? table.get(code) : undefined;
  if (row) {
    ev.statusAnswered = row.answered;
    ev.statusUnanswered = row.unanswered;
    ev.endCallReason = row.reason;
    return;
  }
  const shape = code === null ? undefined : SHAPES.find(([n]) => code.includes(n));
  if (shape) {
    ev.statusAnswered = ev.statusUnanswered = shape[1];
    ev.endCallReason = shape[2];
  } else {
    ev.statusAnswered = 'completed';
    ev.statusUnanswered = 'failed';
    ev.endCallReason = null;
  }
}

function sentiment(s) {
  if (s === null) return null;
  const l = s.toLowerCase();
  return l === 'positive' || l === 'neutral' || l === 'negative' ? l : null;
}

function defaultDuration(ev) {
  if (ev.duration >= 0) return;
  if (ev.startedAt === '') {
    ev.duration = 0;
    return;
  }
  const a = epochMs(ev.startedAt), b = ev.endedAt ? epochMs(ev.endedAt) : -1;
  if (a >= 0 && b >= a) ev.duration = Math.floor((b - a + 500) / 1000);
}

// ---- analysis and success (analysis.c) ---------------------------------

function depth(v, limit) {
  if (v === null || typeof v !== 'object') return 0;
  if (limit < 0) return 1;
  let best = 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    const d = depth(x, limit - 1);
    if (d > best) best = d;
    if (best > limit) break;
  }
  return best + 1;
}

function buildAnalysis(parts, ev) {
  const acc = {};
  let why = null;
  for (const [k, v] of parts) {
    if (v === null) continue;
    if (k === null) {
      if (!isObject(v)) {
        why = 'analysis not stored: it is not an object';
        continue;
      }
      Object.assign(acc, v);
      continue;
    }
    if (typeof v !== 'object') {
      why = 'analysis not stored: a part of it is not an object or an array';
      continue;
    }
    acc[k] = v;
  }
  let out = null;
  if (Object.keys(acc).length > 0) {
    if (depth(acc, 16) > 16) why = 'analysis not stored: it nests deeper than 16';
    else if (holdsNul(acc)) why = 'analysis not stored: it holds a NUL';
    else {
      const s = JSON.stringify(acc);
      if (Buffer.byteLength(s) > 65536) why = 'analysis not stored: it is over 64 KB';
      else out = s;
    }
  }
  ev.analysis = out;
  if (why !== null) ev.note = why;
}

const PASS = new Set(['true', 'yes', 'pass', 'passed', 'success', 'successful', 'succeeded',
  'excellent', 'very good', 'good', 'strongly agree', 'agree']);
const FAIL = new Set(['false', 'no', 'fail', 'failed', 'failure', 'unsuccessful', 'fair', 'poor',
  'very poor', 'bad', 'neutral', 'neither agree nor disagree', 'disagree', 'strongly disagree']);
const decimal = (s) => (/^(\d|\.\d)/.test(s) && /^[0-9.eE+-]+$/.test(s) && Number.isFinite(Number(s))
  ? Number(s) : null);

function scaled(v, rubric) {
  if (rubric === 'NumericScale') return v >= 0 && v <= 10 ? +(v >= 7) : -1;
  if (rubric === 'PercentageScale') return v <= 100 ? +(v >= 70) : -1;
  if (rubric === 'LikertScale') return v >= 1 && v <= 5 ? +(v >= 4) : -1;
  if (rubric === 'PassFail') return v === 1 ? 1 : v === 0 ? 0 : -1;
  if (v === 0) return 0;
  if (v < 1) return +(v >= 0.7);
  if (v <= 5) return +(v >= 4);
  if (v <= 10) return +(v >= 7);
  if (v <= 100) return +(v >= 70);
  return -1;
}

function successText(s, rubric) {
  s = s.replace(/^\s+/, '').replace(/[\s.!]+$/, '');
  if (s === '' || Buffer.byteLength(s) > 200) return -1;
  const b = s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (PASS.has(b)) return 1;
  if (FAIL.has(b)) return 0;
  if (/^[a-f][+-]?$/.test(b)) return +(b[0] <= 'c');
  if (b.endsWith('%')) {
    const a = decimal(b.slice(0, -1));
    return a === null || a > 100 ? -1 : +(a >= 70);
  }
  const slash = b.indexOf('/');
  if (slash >= 0) {
    const a = decimal(b.slice(0, slash)), d = decimal(b.slice(slash + 1));
    return a === null || d === null || d <= 0 || a > d ? -1 : +(a / d >= 0.7);
  }
  const a = decimal(b);
  return a === null ? -1 : scaled(a, rubric);
}

function utf8Prefix(s, max) {
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  let n = max;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n).toString();
}

function successEval(ev, v, rubric) {
  ev.successRaw = '';
  ev.success = -1;
  if (typeof v === 'boolean') {
    ev.successRaw = String(v);
    ev.success = v ? 1 : 0;
  } else if (typeof v === 'number') {
    ev.successRaw = String(v);
    ev.success = v < 0 ? -1 : scaled(v, rubric);
  } else if (typeof v === 'string' && !v.includes('\0')) {
    ev.successRaw = utf8Prefix(v, 200);
    ev.success = successText(v, rubric);
  }
}

// ---- cost by part (cost.c) ---------------------------------------------

function costPart(source, name) {
  if (name === null) return null;
  for (const c of COST_NAMES)
    if (c.source === source && c.name === name) return c.part;
  for (const c of COST_NAMES) {
    if (c.source !== source || !c.name.includes('*')) continue;
    const p = c.name;
    if (p === '*' || (p.endsWith('*') && name.startsWith(p.slice(0, -1))) ||
        (p.startsWith('*') && name.endsWith(p.slice(1))))
      return c.part;
  }
  return null;
}
function costAdd(b, source, name, value, scale) {
  const part = costPart(source, name);
  if (part === null || value === null) return;
  if (typeof value !== 'number') {
    b.dropped++;
    return;
  }
  const v = value * scale;
  if (!Number.isFinite(v) || v < 0 || v > 1e6) {
    b.dropped++;
    return;
  }
  b.usd[part] += v;
  b.read++;
}
function newCosts() {
  return { usd: Object.fromEntries(COST_PARTS.map((p) => [p, 0])), read: 0, dropped: 0 };
}
function costJson(b, ev) {
  ev.costBreakdown = b.read === 0 ? null :
    '{' + COST_PARTS.map((p) => `"${p}":${b.usd[p].toFixed(6)}`).join(',') + '}';
  if (b.dropped > 0 && ev.note === null)
    ev.note = 'a cost part was dropped: not a number, negative or over 1e6 USD';
}

// ---- booking and lead (booking.c, lead.c) ------------------------------

function resultOk(content, successful) {
  if (successful === 0 || content === null) return false;
  const p = content.replace(/^[ \t\n\r]+/, '');
  if (p.slice(0, 5).toLowerCase() === 'error') return false;
  if (p[0] !== '{') return true;
  let o;
  try {
    o = JSON.parse(content);
  } catch {
    return true;
  }
  if (!isObject(o)) return true;
  let ok = true;
  let v = at(o, 'success');
  if (v !== null && truthy(v) === 0) ok = false;
  v = at(o, 'ok');
  if (v !== null && truthy(v) === 0) ok = false;
  v = at(o, 'error');
  if (v !== null && v !== '' && v !== false) ok = false;
  const st = str(o, 'status');
  if (st !== null && ['error', 'failed', 'failure'].includes(st.toLowerCase())) ok = false;
  return ok;
}
function bookingAdd(b, tool, id, content, successful) {
  const ok = resultOk(content, successful);
  b.invocations++;
  b.succeeded += ok ? 1 : 0;
  if (b.evidenceIsSuccess) return;
  const e = { tool };
  if (id !== null) e.tool_call_id = id;
  e.successful = ok;
  e.result = content === null ? null : utf8Prefix(content, 500);
  b.evidence = JSON.stringify(e);
  b.evidenceIsSuccess = ok;
}
const newBooking = () => ({ invocations: 0, succeeded: 0, evidence: null, evidenceIsSuccess: false });

const INTENTS = [
  [['book', 'appointment', 'schedule'], 'asked to book'],
  [['price', 'cost', 'quote', 'how much'], 'asked about price'],
  [['available', 'availability', 'opening'], 'asked about availability'],
  [['interested', 'sign up', 'new patient', 'new customer'], 'said they are interested'],
];
function finish(ev, b) {
  ev.bookingStatus = b.succeeded > 0 ? 'confirmed' : b.invocations > 0 ? 'attempted_failed' : 'not_requested';
  ev.bookingEvidence = b.evidence;
  let score = 0;
  const reasons = [];
  const because = (points, why) => {
    score += points;
    if (reasons.length < 8) reasons.push(why);
  };
  if (ev.bookingStatus === 'confirmed') because(40, 'booking confirmed');
  else if (ev.bookingStatus === 'attempted_failed') because(30, 'tried to book');
  if (ev.sentiment === 'positive') because(20, 'positive sentiment');
  else if (ev.sentiment === 'neutral') score += 5;
  else if (ev.sentiment === 'negative') because(-15, 'negative sentiment');
  if (ev.duration >= 180) because(15, 'long call');
  else if (ev.duration >= 60) because(10, 'engaged call');
  else if (ev.duration >= 20) score += 5;
  const summary = ev.summary === null ? null : ev.summary.toLowerCase();
  const transcript = ev.transcript === null ? null : ev.transcript.toLowerCase();
  for (const [needles, why] of INTENTS)
    if (needles.some((n) => (summary !== null && summary.includes(n)) ||
        (transcript !== null && transcript.includes(n))))
      because(5, why);
  ev.leadScore = Math.min(100, Math.max(0, score));
  ev.leadReasons = '{' + reasons.map((r) => `"${r}"`).join(',') + '}';
}

// ---- Vapi (vapi.c) -----------------------------------------------------

const VAPI_STATUSES = new Map([
  ['scheduled', ['queued', 0]], ['queued', ['queued', 1]], ['ringing', ['ringing', 2]],
  ['in-progress', ['in-progress', 3]], ['forwarding', ['in-progress', 4]], ['ended', [null, 5]],
]);
const VAPI_TEST_FLAGS = ['call.metadata.is_test_call', 'call.assistantOverrides.metadata.is_test_call',
  'assistant.metadata.is_test_call', 'call.assistant.metadata.is_test_call'];
const VAPI_METADATA = ['call.metadata', 'call.assistantOverrides.metadata', 'assistant.metadata',
  'call.assistant.metadata'];

function vapiCallFields(msg, ctx, ev) {
  const type = str(msg, 'call.type');
  ev.direction = type === 'inboundPhoneCall' ? 'inbound' : type === 'outboundPhoneCall' ? 'outbound' :
    type === 'webCall' || type === 'vapi.websocketCall' ? 'web' : null;
  numbers(ev, first(msg, ['call.customer.number', 'customer.number']),
    first(msg, ['phoneNumber.number', 'call.phoneNumber.number']), ctx.country);
  ev.customerName = first(msg, ['call.customer.name', 'customer.name']);
  ev.isTest = ev.direction === 'web' || anyTruthy(msg, VAPI_TEST_FLAGS) ? 1 : 0;
  ev.startedAt = timeIso(first(msg, ['startedAt', 'call.startedAt']));
  ev.endedAt = timeIso(first(msg, ['endedAt', 'call.endedAt']));
  if (ev.startedAt !== '') ev.answered = true;
  const version = at(msg, 'assistantVersion');
  setAgent(ev, first(msg, ['call.assistantId', 'assistant.id', 'call.assistant.id']),
    first(msg, ['assistant.name', 'call.assistant.name']),
    version !== null ? version : at(msg, 'call.assistantVersion'));
  ev.transferDestination = first(msg, ['destination.number', 'destination.sipUri', 'call.destination.number']);
  const transport = str(msg, 'call.transport.provider');
  const old = str(msg, 'call.phoneCallProvider');
  let sid = null;
  if (transport === 'twilio') sid = str(msg, 'call.transport.callSid');
  if (sid === null && (transport === null || transport === 'twilio') && old === 'twilio')
    sid = str(msg, 'call.phoneCallProviderId');
  linkCallSid(ev, sid);
  const meta = VAPI_METADATA.map((p) => at(msg, p)).find(isObject);
  if (meta !== undefined && !holdsNul(meta)) ev.metadata = JSON.stringify(meta);
}

function vapiReport(msg, ctx, ev) {
  let v = num(msg, 'durationSeconds');
  if (v !== null && v >= 0 && v < 1e7) ev.duration = Math.round(v);
  defaultDuration(ev);
  v = num(msg, 'cost');
  if (v === null) v = num(msg, 'call.cost');
  if (v !== null) setCost(ev, v);
  ev.recordingUrl = first(msg, ['artifact.recording.mono.combinedUrl', 'artifact.recording.stereoUrl',
    'artifact.recordingUrl', 'recordingUrl']);
  ev.transcript = first(msg, ['artifact.transcript', 'transcript']);
  ev.summary = first(msg, ['analysis.summary', 'summary']);
  ev.sentiment = sentiment(str(msg, 'analysis.structuredData.sentiment'));
  let messages = at(msg, 'artifact.messages');
  if (messages === null) messages = at(msg, 'messages');
  buildAnalysis([[null, at(msg, 'analysis.structuredData')],
    ['structuredDataMulti', at(msg, 'analysis.structuredDataMulti')],
    ['structuredOutputs', at(msg, 'artifact.structuredOutputs')],
    ['scorecards', at(msg, 'artifact.scorecards')]], ev);
  successEval(ev, at(msg, 'analysis.successEvaluation'), first(msg, [
    'assistant.analysisPlan.successEvaluationPlan.rubric', 'assistant.analysisPlan.successEvaluationRubric',
    'call.assistant.analysisPlan.successEvaluationPlan.rubric',
    'call.assistant.analysisPlan.successEvaluationRubric']));
  // cost by part: the typed costs[] when there are any, else costBreakdown
  const b = newCosts();
  let costs = at(msg, 'costs');
  if (costs === null) costs = at(msg, 'call.costs');
  if (Array.isArray(costs))
    for (const c of costs) costAdd(b, 'vapi-costs', str(c, 'type'), at(c, 'cost'), 1);
  if (b.read === 0 && b.dropped === 0) {
    let bd = at(msg, 'costBreakdown');
    if (bd === null) bd = at(msg, 'call.costBreakdown');
    if (isObject(bd))
      for (const [k, x] of Object.entries(bd)) costAdd(b, 'vapi-breakdown', k, x, 1);
  }
  costJson(b, ev);
  const booking = newBooking();
  if (Array.isArray(messages)) {
    messages.forEach((m, i) => {
      const calls = at(m, 'toolCalls');
      if (str(m, 'role') !== 'tool_calls' || !Array.isArray(calls)) return;
      for (const tc of calls) {
        const name = str(tc, 'function.name'), id = str(tc, 'id');
        if (name === null || !ctx.bookingTools.includes(name)) continue;
        let result = null;
        for (let k = i + 1; id !== null && k < messages.length && result === null; k++) {
          const r = messages[k];
          if (str(r, 'toolCallId') !== id) continue;
          const res = at(r, 'result');
          result = res === null || (typeof res === 'string' && res.includes('\0')) ? null :
            typeof res === 'string' ? res : JSON.stringify(res);
        }
        bookingAdd(booking, name, id, result, -1);
      }
    });
  }
  finish(ev, booking);
}

function vapiMap(body, ctx) {
  const ev = newEvent();
  const root = JSON.parse(body.toString('utf8'));
  const msg = at(root, 'message');
  if (!isObject(msg)) throw malformed();
  const type = key(msg, 'type', 'message.type');
  if (type === null || Buffer.byteLength(type) > 100) throw malformed();
  const id = key(msg, 'call.id', 'message.call.id');
  if (id === null || Buffer.byteLength(id) > 200) throw new Refused(400, 'missing_call_id');
  let status = null;
  if (type === 'status-update') status = key(msg, 'status', 'message.status');
  const ts = at(msg, 'timestamp');
  if (typeof ts === 'string' && ts.includes('\0')) throw malformed('message.timestamp');
  ev.callId = id;
  ev.type = type;
  // the identity: call, type, status and timestamp; else the bytes
  let ident = null;
  if (ts !== null) {
    ident = `${id}\0${type}\0${status === null ? '' : status}\0` +
      (typeof ts === 'string' ? ts : JSON.stringify(ts));
    if (Buffer.byteLength(ident) >= 512) ident = null;
  }
  ev.dedup = 'vapi:' + sha256(ident === null ? body : ident);
  if (type === 'end-of-call-report') {
    ev.sequence = 6;
    vapiCallFields(msg, ctx, ev);
    setEnd(ev, VAPI_REASONS, first(msg, ['endedReason', 'call.endedReason']));
    vapiReport(msg, ctx, ev);
    return ev;
  }
  const step = status === null ? undefined : VAPI_STATUSES.get(status);
  if (step === undefined) {
    ev.mode = 'record';
    return ev;
  }
  ev.sequence = step[1];
  vapiCallFields(msg, ctx, ev);
  if (step[0] !== null) {
    ev.statusAnswered = ev.statusUnanswered = step[0];
    if (step[1] >= 3) ev.answered = true;
  } else {
    setEnd(ev, VAPI_REASONS, first(msg, ['endedReason', 'call.endedReason']));
  }
  return ev;
}

// ---- Retell (retell.c) -------------------------------------------------

const RETELL_LIFECYCLE = new Map([['call_started', 1], ['call_ended', 2], ['call_analyzed', 3]]);
const RETELL_TRANSFERS = new Map([['transfer_started', false], ['transfer_bridged', true],
  ['transfer_cancelled', false], ['transfer_ended', true]]);

function retellTime(call, p) {
  const ms = num(call, p);
  return ms !== null && ms >= 0 && ms < 1e15 ? timeFromMs(Math.trunc(ms)) : '';
}

function retellCallFields(call, ctx, ev) {
  const type = str(call, 'call_type'), dir = str(call, 'direction');
  const from = str(call, 'from_number'), to = str(call, 'to_number');
  const web = type === 'web_call';
  ev.direction = web ? 'web' : dir === 'inbound' ? 'inbound' : dir === 'outbound' ? 'outbound' : null;
  if (ev.direction === 'inbound') numbers(ev, from, to, ctx.country);
  else if (ev.direction === 'outbound') numbers(ev, to, from, ctx.country);
  ev.customerName = first(call, ['retell_llm_dynamic_variables.customer_name',
    'collected_dynamic_variables.customer_name', 'metadata.customer_name']);
  ev.isTest = web || anyTruthy(call, ['metadata.is_test_call',
    'retell_llm_dynamic_variables.is_test_call']) ? 1 : 0;
  ev.startedAt = retellTime(call, 'start_timestamp');
  ev.endedAt = retellTime(call, 'end_timestamp');
  if (str(call, 'call_status') === 'not_connected') ev.startedAt = '';
  if (ev.startedAt !== '') ev.answered = true;
  setAgent(ev, str(call, 'agent_id'), str(call, 'agent_name'), at(call, 'agent_version'));
  const dest = str(call, 'transfer_destination');
  if (dest !== null) ev.transferDestination = dest;
  linkCallSid(ev, str(call, 'telephony_identifier.twilio_call_sid'));
  const meta = at(call, 'metadata');
  if (isObject(meta) && !holdsNul(meta)) ev.metadata = JSON.stringify(meta);
}

function retellEnded(call, ctx, ev) {
  setEnd(ev, RETELL_REASONS, str(call, 'disconnection_reason'));
  let v = num(call, 'duration_ms');
  if (v !== null && v >= 0 && v < 1e10) ev.duration = Math.round(v / 1000);
  if (ev.startedAt === '') ev.duration = 0;
  defaultDuration(ev);
  v = num(call, 'call_cost.combined_cost');
  if (v !== null) setCost(ev, v / 100);
  ev.recordingUrl = str(call, 'recording_url');
  ev.transcript = str(call, 'transcript');
  ev.summary = str(call, 'call_analysis.call_summary');
  ev.sentiment = sentiment(str(call, 'call_analysis.user_sentiment'));
  buildAnalysis([[null, at(call, 'call_analysis.custom_analysis_data')]], ev);
  successEval(ev, at(call, 'call_analysis.call_successful'), null);
  const b = newCosts();
  const costs = at(call, 'call_cost.product_costs');
  if (Array.isArray(costs))
    for (const c of costs) costAdd(b, 'retell', str(c, 'product'), at(c, 'cost'), 0.01);
  costJson(b, ev);
  const booking = newBooking();
  const entries = at(call, 'transcript_with_tool_calls');
  if (Array.isArray(entries)) {
    entries.forEach((e, i) => {
      const name = str(e, 'name'), id = str(e, 'tool_call_id');
      if (str(e, 'role') !== 'tool_call_invocation' || name === null || !ctx.bookingTools.includes(name))
        return;
      let content = null, successful = -1;
      for (let k = i + 1; id !== null && k < entries.length; k++) {
        const r = entries[k];
        if (str(r, 'role') !== 'tool_call_result' || str(r, 'tool_call_id') !== id) continue;
        content = str(r, 'content');
        if (content === null) content = '';
        successful = truthy(at(r, 'successful'));
        break;
      }
      bookingAdd(booking, name, id, content, successful);
    });
  }
  finish(ev, booking);
}

function retellMap(body, ctx) {
  const ev = newEvent();
  const root = JSON.parse(body.toString('utf8'));
  const event = key(root, 'event', 'event');
  if (event !== null && event.startsWith('chat_') && Buffer.byteLength(event) <= 100) {
    const id = key(root, 'chat.chat_id', 'chat.chat_id');
    if (id === null || Buffer.byteLength(id) > 200) throw new Refused(400, 'missing_call_id');
    Object.assign(ev, { callId: id, type: event, dedup: 'retell:' + sha256(body), mode: 'record' });
    return ev;
  }
  const call = at(root, 'call');
  if (event === null || Buffer.byteLength(event) > 100 || !isObject(call)) throw malformed();
  const id = key(call, 'call_id', 'call.call_id');
  if (id === null || Buffer.byteLength(id) > 200) throw new Refused(400, 'missing_call_id');
  ev.callId = id;
  ev.type = event;
  const seq = RETELL_LIFECYCLE.get(event);
  if (seq === undefined) {
    ev.dedup = 'retell:' + sha256(body);
    if (!RETELL_TRANSFERS.has(event)) {
      ev.mode = 'record';
      return ev;
    }
    ev.sequence = 1;
    retellCallFields(call, ctx, ev);
    ev.statusAnswered = ev.statusUnanswered = 'in-progress';
    ev.answered = true;
    ev.transferred = RETELL_TRANSFERS.get(event);
    return ev;
  }
  ev.dedup = 'retell:' + sha256(`${id}\0${event}`);
  ev.sequence = seq;
  retellCallFields(call, ctx, ev);
  if (seq === 1) {
    if (str(call, 'call_status') === 'registered') {
      ev.statusAnswered = ev.statusUnanswered = 'queued';
    } else {
      ev.statusAnswered = ev.statusUnanswered = 'in-progress';
      ev.answered = true;
    }
    return ev;
  }
  retellEnded(call, ctx, ev);
  return ev;
}

// ---- Twilio (twilio.c) -------------------------------------------------

const TWILIO_STATUSES = new Map([
  ['queued', ['queued', null, 0, false]], ['initiated', ['queued', null, 0, false]],
  ['ringing', ['ringing', null, 1, false]], ['in-progress', ['in-progress', null, 2, true]],
  ['answered', ['in-progress', null, 2, true]], ['completed', ['completed', null, 3, true]],
  ['busy', ['busy', 'busy', 3, false]], ['no-answer', ['no-answer', 'no_answer', 3, false]],
  ['failed', ['failed', 'error', 3, false]], ['canceled', ['canceled', 'canceled', 3, false]],
]);
const INT = /^(0|[1-9]\d{0,18})$/;
function bounded(s, max) {
  return s !== null && INT.test(s) && Number(s) <= max ? Number(s) : null;
}

// The pairs of a form body, in order, decoded ('+' a space).
function formPairs(body) {
  return [...new URLSearchParams(body.toString('utf8'))];
}

function twilioMap(body, json, ctx) {
  const ev = newEvent();
  let lookup;
  if (json) {
    const root = JSON.parse(body.toString('utf8'));
    if (!isObject(root)) throw malformed();
    lookup = (name) => {
      const v = at(root, name);
      if (typeof v !== 'string' || v === '') return [null, false];
      return v.includes('\0') ? [null, true] : [v, false];
    };
  } else {
    const pairs = formPairs(body);
    lookup = (name) => {
      const p = pairs.find(([n]) => n === name);
      if (p === undefined) return [null, false];
      if (p[1].includes('\0')) return [null, true];
      return [p[1] === '' ? null : p[1], false];
    };
  }
  const get = (name) => lookup(name)[0];
  const ident = (name) => {
    const [v, nul] = lookup(name);
    if (nul) throw malformed(name);
    return v;
  };
  const sid = ident('CallSid');
  if (sid === null || Buffer.byteLength(sid) > 200) throw new Refused(400, 'missing_call_id');
  const status = ident('CallStatus');
  if (status === null || Buffer.byteLength(status) > 100) throw malformed();
  const seqText = ident('SequenceNumber');
  ev.callId = sid;
  ev.type = status;
  const seq = bounded(seqText, 1000000);
  if (seq !== null) {
    ev.sequence = seq;
    ev.dedup = 'twilio:' + sha256(`${sid}\0${seq}\0${status}`);
  } else {
    ev.dedup = 'twilio:' + sha256(body);
  }
  const dir = get('Direction');
  ev.direction = dir === 'inbound' || dir === 'trunking-originating' ? 'inbound' : 'outbound';
  const from = get('From'), to = get('To');
  if (ev.direction === 'inbound') {
    numbers(ev, from, to, ctx.country);
    ev.customerName = get('CallerName');
  } else {
    numbers(ev, to, from, ctx.country);
  }
  ev.recordingUrl = get('RecordingUrl');
  linkCallSid(ev, get('ParentCallSid'));
  const st = TWILIO_STATUSES.get(status);
  if (st !== undefined) {
    ev.statusAnswered = ev.statusUnanswered = st[0];
    ev.endCallReason = st[1];
    ev.answered = st[3];
    if (ev.sequence < 0) ev.sequence = st[2];
    if (st[2] === 3) ev.endedReason = status;
  } else {
    setEnd(ev, null, status);
  }
  const answeredBy = get('AnsweredBy');
  if (status === 'completed' && answeredBy !== null && answeredBy.startsWith('machine_')) {
    ev.statusAnswered = ev.statusUnanswered = 'voicemail';
    ev.endCallReason = 'voicemail';
  }
  if (ev.endedReason !== null) {
    ev.endedAt = twilioTime(get('Timestamp'));
    const d = bounded(get('CallDuration'), 10000000);
    if (d !== null) ev.duration = d;
    else if (!ev.answered) ev.duration = 0;
    if (ev.duration > 0) ev.answered = true;
  }
  return ev;
}

// ---- signatures (sig.c), constant-time ---------------------------------

function equal(a, b) {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
const hmac = (algo, keyText, ...parts) => {
  const h = crypto.createHmac(algo, keyText);
  for (const p of parts) h.update(p);
  return h;
};
const secretsOf = (inx) => [inx.secret, inx.secret_next].filter((s) => s !== null);

function vapiVerify(req, inx) {
  // the legacy x-vapi-secret header (the bench's integrations use it)
  if (inx.vapi_auth === 'bearer') {
    let h = req.get(inx.bearer_header);
    if (!h) return 'missing_signature';
    if (inx.bearer_prefix) {
      if (h.slice(0, 7).toLowerCase() !== 'bearer ') return 'bad_signature';
      h = h.slice(7).replace(/^ +/, '');
      if (h === '') return 'missing_signature';
    }
    return secretsOf(inx).reduce((ok, s) => equal(h, s) || ok, false) ? null : 'bad_signature';
  }
  if (inx.vapi_auth === 'hmac') {
    const sig = req.get(inx.hmac_signature_header), ts = req.get(inx.hmac_timestamp_header);
    const bodyOnly = inx.hmac_payload === '{body}';
    if (!sig || (!bodyOnly && ts === undefined)) return 'missing_signature';
    let prefix = '';
    if (!bodyOnly) {
      if (!/^(0|[1-9]\d{0,12})$/.test(ts)) return 'bad_signature';
      const t = Number(ts), now = Date.now();
      if (t > 100000000000 ? Math.abs(t - now) > WINDOW_S * 1000 : Math.abs(t - Math.floor(now / 1000)) > WINDOW_S)
        return 'stale_timestamp';
      prefix = ts + '.';
    }
    const want = inx.hmac_prefix || '';
    if (!sig.startsWith(want)) return 'bad_signature';
    let ok = false;
    for (const s of secretsOf(inx)) {
      const k = inx.hmac_secret_base64 ? Buffer.from(s, 'base64') : s;
      const mac = hmac(inx.hmac_algorithm || 'sha256', k, prefix, req.body)
        .digest(inx.hmac_encoding === 'base64' ? 'base64' : 'hex');
      ok = equal(sig.slice(want.length), mac) || ok;
    }
    return ok ? null : 'bad_signature';
  }
  const h = req.get('x-vapi-secret');
  if (!h) return 'missing_signature';
  return secretsOf(inx).reduce((ok, s) => equal(h, s) || ok, false) ? null : 'bad_signature';
}

function retellVerify(req, inx) {
  const h = req.get('x-retell-signature');
  if (!h) return 'missing_signature';
  const m = /^v=(\d{1,16}),d=([0-9a-f]{64})$/.exec(h);
  if (!m || (m[1].length > 1 && m[1][0] === '0')) return 'bad_signature';
  if (Math.abs(Number(m[1]) - Date.now()) > WINDOW_S * 1000) return 'stale_timestamp';
  let ok = false;
  for (const s of secretsOf(inx))
    ok = equal(m[2], hmac('sha256', s, req.body, m[1]).digest('hex')) || ok;
  return ok ? null : 'bad_signature';
}

// The URL without its port, and with the scheme's default one.
function urlForms(url) {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return null;
  const colon = m[2].indexOf(':');
  const host = colon >= 0 ? m[2].slice(0, colon) : m[2];
  const scheme = url.slice(0, m[1].length + 3);
  return [scheme + host + m[3],
    colon >= 0 ? url : scheme + host + ':' + (m[1].toLowerCase() === 'https' ? '443' : '80') + m[3]];
}

function twilioVerify(req, inx, form) {
  const h = req.get('x-twilio-signature');
  if (!h) return 'missing_signature';
  if (inx.public_url === null) return 'bad_signature';
  const q = req.originalUrl.indexOf('?');
  const query = q >= 0 ? req.originalUrl.slice(q + 1) : '';
  const url = !inx.public_url.includes('?') && query !== '' ? `${inx.public_url}?${query}` : inx.public_url;
  let signed = '';
  const hashParam = new URL(url).searchParams.get('bodySHA256');
  if (hashParam !== null) {
    if (hashParam.length !== 64 || !equal(hashParam.toLowerCase(), sha256(req.body))) return 'bad_signature';
  } else if (!form) {
    return 'bad_signature';
  } else {
    // names sorted bytewise, each distinct value once
    const pairs = formPairs(req.body).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    signed = pairs.filter((p, i) => i === 0 || p[0] !== pairs[i - 1][0] || p[1] !== pairs[i - 1][1])
      .map(([n, v]) => n + v).join('');
  }
  const forms = urlForms(url);
  if (forms === null) return 'bad_signature';
  let ok = false;
  for (const u of forms)
    for (const s of secretsOf(inx))
      ok = equal(h, hmac('sha1', s, u + signed).digest('base64')) || ok;
  return ok ? null : 'bad_signature';
}

// ---- integrations: read on first use, kept TTL_MS ----------------------

const integrations = new Map();
function integration(slug, refresh) {
  const c = integrations.get(slug);
  if (c && !refresh && Date.now() - c.at < TTL_MS) return c.row;
  const row = pool.query('SELECT * FROM ct_integration_lookup($1)', [slug]).then((r) => {
    if (r.rows.length !== 1) {
      integrations.delete(slug);
      return null;
    }
    return r.rows[0];
  });
  integrations.set(slug, { at: Date.now(), row });
  row.catch(() => integrations.delete(slug));
  return row;
}

// ---- the statement -----------------------------------------------------

const opt = (s) => (s !== null && s !== '' ? s : null);
function apply(inx, provider, req, ev) {
  const ct = req.get('content-type');
  const v = [
    inx.id, provider, ev.callId, ev.type, ev.dedup, req.body,
    ct !== undefined && ct.length <= 255 && !/[\x00-\x1f\x7f]/.test(ct) ? ct : null,
    ev.mode, ev.note, ev.statusAnswered, ev.statusUnanswered, ev.answered ? 't' : 'f',
    ev.sequence >= 0 ? String(ev.sequence) : null, opt(ev.endedReason), ev.endCallReason,
    ev.direction, opt(ev.phone), opt(ev.phoneRaw), opt(ev.agentNumber), opt(ev.customerName),
    ev.isTest < 0 ? null : ev.isTest ? 't' : 'f', opt(ev.startedAt), opt(ev.endedAt),
    ev.duration >= 0 ? String(ev.duration) : null, opt(ev.cost), opt(ev.recordingUrl),
    opt(ev.transcript), opt(ev.summary), ev.sentiment, ev.bookingStatus, ev.bookingEvidence,
    ev.leadScore >= 0 ? String(ev.leadScore) : null, ev.leadReasons, ev.metadata,
    opt(ev.transferDestination), ev.transferred ? 't' : null, opt(ev.agentId), opt(ev.agentName),
    opt(ev.agentVersion), ev.analysis, ev.success < 0 ? null : ev.success ? 't' : 'f',
    opt(ev.successRaw), ev.costBreakdown, ev.linkedCallSid, opt(inx.org_id),
  ];
  return pool.query(APPLY_SQL, v);
}

// ---- the app -----------------------------------------------------------

const FORM = 'application/x-www-form-urlencoded';
const mediaType = (req) => (req.get('content-type') || '').split(';')[0].trim().toLowerCase();

function hook(provider, types, verify, map) {
  return [
    express.raw({ type: types, limit: '16mb' }),
    async (req, res) => {
      const refuse = (status, code, field) => res.status(status).json({ error: { code, ...(field ? { field } : {}) } });
      if (!Buffer.isBuffer(req.body) || !types.includes(mediaType(req)))
        return refuse(415, 'unsupported_media_type');
      const slug = req.params.slug;
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(slug)) return refuse(404, 'unknown_integration');
      const form = mediaType(req) === FORM;
      let inx = await integration(slug, false);
      if (inx === null || inx.provider !== provider || inx.disabled) return refuse(404, 'unknown_integration');
      let bad = verify(req, inx, form);
      if (bad === 'bad_signature') {
        // the kept secrets may predate a rotation: look again
        inx = await integration(slug, true);
        if (inx === null || inx.provider !== provider || inx.disabled) return refuse(404, 'unknown_integration');
        bad = verify(req, inx, form);
      }
      if (bad !== null) return refuse(401, bad);
      let ev;
      try {
        ev = map(req.body, { country: inx.default_country, bookingTools: inx.booking_tools || [] }, form);
      } catch (e) {
        if (e instanceof Refused) return refuse(e.status, e.code, e.field);
        if (e instanceof SyntaxError) return refuse(400, 'malformed_body');
        throw e;
      }
      const r = (await apply(inx, provider, req, ev)).rows[0];
      const out = { ok: true };
      if (r.call_id !== null) out.call_id = r.call_id;
      out.outcome = r.outcome;
      res.status(r.outcome === 'parked' ? 202 : 200).json(out);
    },
  ];
}

const app = express();
app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.post('/hooks/vapi/:slug', hook('vapi', ['application/json'], vapiVerify, (b, ctx) => vapiMap(b, ctx)));
app.post('/hooks/retell/:slug', hook('retell', ['application/json'], retellVerify, (b, ctx) => retellMap(b, ctx)));
app.post('/hooks/twilio/:slug', hook('twilio', [FORM, 'application/json'], twilioVerify,
  (b, ctx, form) => twilioMap(b, !form, ctx)));
app.use((err, req, res, next) => {
  if (err.type === 'entity.too.large') return res.status(413).json({ error: { code: 'payload_too_large' } });
  console.error('peer:', err.message);
  res.status(503).json({ error: { code: 'unavailable' } });
});

const server = app.listen(PORT, '127.0.0.1');
// nginx keeps its upstream connections 60 s: Node must not close them first
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
process.on('SIGTERM', () => {
  server.close(() => pool.end().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3000).unref();
});
