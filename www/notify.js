/*
 * calltrack dashboard: the Notifications view (docs/API.md,
 * "Notifications (admin)"), for an admin token only: the org's
 * destinations with their events, adding one (a webhook's signing secret
 * is shown once, here, and nowhere after), enabling, disabling, removing
 * and testing it, and the delivery log with each attempt and a retry of a
 * failed delivery.
 *
 * Loaded before app.js; app.js says when a token signs in and out
 * ('calltrack:signin', 'calltrack:signout' on document).  It uses app.js's
 * helpers (el, clear, when, guarded, TOKEN_KEY, Unauthorized) once those
 * events come.  Every value from the API goes in through textContent.
 */
'use strict';

const NOTIFY_EVENTS = ['call.hot_lead', 'call.booking_failed', 'call.missed', 'call.negative_sentiment',
  'call.stuck', 'digest.daily'];
const NOTIFY_EVENT_LABEL = {
  'call.hot_lead': 'Hot lead', 'call.booking_failed': 'Booking failed', 'call.missed': 'Missed call',
  'call.negative_sentiment': 'Negative sentiment', 'call.stuck': 'Stuck call', 'digest.daily': 'Daily digest',
  test: 'Test',
};
const notify = { section: null, timer: null, destinations: [], cursor: null, shown: [] };

/* One request to /api/notifications…; JSON bodies both ways. */
async function notifyApi(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN_KEY) } };
  if (method !== 'GET' && method !== 'DELETE') {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body || {});
  }
  const res = await fetch(new URL(path, location.origin), opts);
  if (res.status === 401) throw new Unauthorized();
  let data = null;
  try { data = await res.json(); } catch (e) { /* no body */ }
  if (!res.ok) {
    const e = new Error(data && data.error ? data.error.message : 'the server answered ' + res.status);
    e.parameter = data && data.error ? data.error.parameter : undefined;
    throw e;
  }
  return data;
}

/* The view's markup, made once per sign-in as an admin. */
function notifyBuild() {
  const s = el('section', null, 'card notify');
  s.id = 'notify';
  s.setAttribute('aria-labelledby', 'notify-title');
  const h = el('h2', 'Notifications');
  h.id = 'notify-title';
  s.appendChild(h);
  s.appendChild(el('p', 'Where calltrack tells your people what matters: a webhook, a Slack channel or email.', 'muted'));

  const list = el('div', null, 'table-wrap');
  const table = el('table');
  table.id = 'n-destinations';
  const head = el('tr');
  for (const t of ['Kind', 'Target', 'Events', 'State', '']) head.appendChild(el('th', t));
  table.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  body.id = 'n-rows';
  table.appendChild(body);
  list.appendChild(table);
  s.appendChild(list);

  const form = el('form', null, 'notify-form');
  form.id = 'n-form';
  const field = (label, input) => {
    const w = el('span', null, 'field');
    const l = el('label', label);
    l.htmlFor = input.id;
    w.appendChild(l);
    w.appendChild(input);
    form.appendChild(w);
    return w;
  };
  const kind = el('select');
  kind.id = 'n-kind';
  for (const [v, t] of [['webhook', 'Webhook'], ['slack', 'Slack'], ['email', 'Email']]) {
    const o = el('option', t);
    o.value = v;
    kind.appendChild(o);
  }
  field('Kind', kind);
  const url = el('input');
  url.id = 'n-url';
  url.type = 'url';
  url.required = true;
  url.spellcheck = false;
  url.placeholder = 'https://…';
  const urlField = field('URL', url);
  const emailOnly = [];
  for (const [id, label, type] of [['n-to', 'To (comma separated)', 'text'], ['n-from', 'From', 'email'],
    ['n-user', 'SMTP user', 'text'], ['n-password', 'SMTP password', 'password']]) {
    const i = el('input');
    i.id = id;
    i.type = type;
    i.autocomplete = 'off';
    emailOnly.push(field(label, i));
  }
  const events = el('fieldset', null, 'events');
  events.appendChild(el('legend', 'Events'));
  for (const e of NOTIFY_EVENTS) {
    const l = el('label', null, 'check');
    const c = el('input');
    c.type = 'checkbox';
    c.value = e;
    c.name = 'n-event';
    l.appendChild(c);
    l.appendChild(document.createTextNode(' ' + NOTIFY_EVENT_LABEL[e]));
    events.appendChild(l);
  }
  form.appendChild(events);
  const add = el('button', 'Add destination');
  add.type = 'submit';
  add.id = 'n-add';
  form.appendChild(add);
  const kindChanged = () => {
    const email = kind.value === 'email';
    urlField.querySelector('label').textContent = email ? 'SMTP server (smtp:// or smtps://)' : 'URL';
    url.placeholder = email ? 'smtps://mail.example.com:465' : 'https://…';
    url.type = email ? 'text' : 'url';
    for (const f of emailOnly) f.hidden = !email;
  };
  kind.addEventListener('change', kindChanged);
  kindChanged();
  form.addEventListener('submit', (e) => { e.preventDefault(); guarded(notifyAdd); });
  s.appendChild(el('h3', 'Add a destination'));
  s.appendChild(form);
  const err = el('p', null, 'error');
  err.id = 'n-error';
  err.setAttribute('role', 'alert');
  err.hidden = true;
  s.appendChild(err);

  // A webhook's signing secret: shown here once, then gone.
  const secret = el('div', null, 'secret');
  secret.id = 'n-secret';
  secret.hidden = true;
  secret.setAttribute('role', 'status');
  secret.appendChild(el('strong', 'Signing secret — copy it now, it is not shown again: '));
  const code = el('code');
  code.id = 'n-secret-value';
  secret.appendChild(code);
  const done = el('button', 'Done', 'secondary');
  done.type = 'button';
  done.id = 'n-secret-done';
  done.addEventListener('click', () => { code.textContent = ''; secret.hidden = true; });
  secret.appendChild(done);
  s.appendChild(secret);

  const logHead = el('div', null, 'log-head');
  logHead.appendChild(el('h3', 'Deliveries'));
  const state = el('select');
  state.id = 'n-state';
  for (const [v, t] of [['', 'Any state'], ['pending', 'Pending'], ['delivered', 'Delivered'], ['failed', 'Failed']]) {
    const o = el('option', t);
    o.value = v;
    state.appendChild(o);
  }
  const sl = el('label', 'State');
  sl.htmlFor = 'n-state';
  logHead.appendChild(sl);
  logHead.appendChild(state);
  const refresh = el('button', 'Refresh', 'secondary');
  refresh.type = 'button';
  refresh.id = 'n-refresh';
  logHead.appendChild(refresh);
  s.appendChild(logHead);
  const logWrap = el('div', null, 'table-wrap');
  const log = el('table');
  log.id = 'n-log';
  const lh = el('tr');
  for (const t of ['Queued', 'Destination', 'Event', 'State', 'Attempts', '']) lh.appendChild(el('th', t));
  log.appendChild(el('thead')).appendChild(lh);
  const lb = el('tbody');
  lb.id = 'n-log-rows';
  log.appendChild(lb);
  logWrap.appendChild(log);
  s.appendChild(logWrap);
  const more = el('button', 'Older deliveries', 'secondary');
  more.type = 'button';
  more.id = 'n-more';
  more.hidden = true;
  s.appendChild(more);
  state.addEventListener('change', () => guarded(() => notifyLoadLog(false)));
  refresh.addEventListener('click', () => guarded(notifyLoad));
  more.addEventListener('click', () => guarded(() => notifyLoadLog(true)));
  return s;
}

function notifyError(message) {
  const e = document.getElementById('n-error');
  e.hidden = !message;
  e.textContent = message || '';
}

/* A destination's target in words. */
function notifyTarget(d) {
  return d.kind === 'email' ? d.smtp_url + ' → ' + (d.to || []).join(', ') : d.url;
}

function notifyButton(text, cls, fn) {
  const b = el('button', text, cls);
  b.type = 'button';
  b.addEventListener('click', () => guarded(async () => {
    try { await fn(); } catch (e) { if (e instanceof Unauthorized) throw e; notifyError('Could not do that: ' + e.message + '.'); }
  }));
  return b;
}

function notifyRow(d) {
  const tr = el('tr');
  tr.dataset.id = d.id;
  tr.appendChild(el('td', d.kind));
  tr.appendChild(el('td', notifyTarget(d), 'target'));
  tr.appendChild(el('td', d.events.map((e) => NOTIFY_EVENT_LABEL[e] || e).join(', ')));
  const st = el('td');
  st.appendChild(el('span', d.enabled ? 'enabled' : 'disabled', 'tag' + (d.enabled ? ' confirmed' : '')));
  tr.appendChild(st);
  const acts = el('td', null, 'actions');
  acts.appendChild(notifyButton('Test', 'secondary n-test', async () => {
    await notifyApi('POST', '/api/notifications/' + d.id + '/test');
    await notifyLoadLog(false);
  }));
  acts.appendChild(notifyButton(d.enabled ? 'Disable' : 'Enable', 'secondary n-toggle', async () => {
    await notifyApi('PATCH', '/api/notifications/' + d.id, { enabled: !d.enabled });
    await notifyLoad();
  }));
  acts.appendChild(notifyButton('Remove', 'secondary n-remove', async () => {
    if (!confirm('Remove this destination and every delivery to it?')) return;
    await notifyApi('DELETE', '/api/notifications/' + d.id);
    await notifyLoad();
  }));
  tr.appendChild(acts);
  return tr;
}

function notifyLogRow(m) {
  const tr = el('tr');
  tr.dataset.id = m.id;
  tr.appendChild(el('td', when(m.created_at)));
  const d = notify.destinations.find((x) => x.id === m.destination_id);
  tr.appendChild(el('td', d ? d.kind + ' ' + notifyTarget(d) : m.destination_id, 'target'));
  tr.appendChild(el('td', NOTIFY_EVENT_LABEL[m.event] || m.event));
  const st = el('td');
  st.appendChild(el('span', m.state, 'tag state ' + (m.state === 'failed' ? 'attempted_failed'
    : m.state === 'delivered' ? 'confirmed' : 'live')));
  if (m.state === 'pending' && m.next_attempt_at) st.appendChild(el('small', ' next ' + when(m.next_attempt_at)));
  tr.appendChild(st);
  const at = el('td');
  const ol = el('ol', null, 'attempts');
  for (const a of m.attempts) {
    ol.appendChild(el('li', when(a.at) + ' — ' + (a.status === null ? 'no answer' : a.status) +
      (a.error ? ': ' + a.error : '')));
  }
  if (!m.attempts.length) at.appendChild(el('span', 'none yet', 'muted'));
  else at.appendChild(ol);
  tr.appendChild(at);
  const acts = el('td');
  if (m.state === 'failed') {
    acts.appendChild(notifyButton('Retry', 'n-retry', async () => {
      await notifyApi('POST', '/api/notifications/deliveries/' + m.id + '/retry');
      await notifyLoadLog(false);
    }));
  }
  tr.appendChild(acts);
  return tr;
}

/* The delivery log's first page again, or (more) the next one. */
async function notifyLoadLog(more) {
  const params = new URLSearchParams({ limit: '25' });
  const state = document.getElementById('n-state').value;
  if (state) params.set('state', state);
  if (more && notify.cursor) params.set('cursor', notify.cursor);
  const page = await notifyApi('GET', '/api/notifications/deliveries?' + params);
  const body = document.getElementById('n-log-rows');
  if (!more) clear(body);
  for (const m of page.deliveries) body.appendChild(notifyLogRow(m));
  if (!body.firstChild) {
    const tr = el('tr');
    const td = el('td', 'No deliveries yet.', 'muted');
    td.colSpan = 6;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  notify.cursor = page.next_cursor;
  document.getElementById('n-more').hidden = !page.next_cursor;
}

async function notifyLoad() {
  const res = await notifyApi('GET', '/api/notifications');
  notify.destinations = res.notifications;
  const body = document.getElementById('n-rows');
  clear(body);
  for (const d of res.notifications) body.appendChild(notifyRow(d));
  if (!res.notifications.length) {
    const tr = el('tr');
    const td = el('td', 'No destinations yet: add one below.', 'muted');
    td.colSpan = 5;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  await notifyLoadLog(false);
}

async function notifyAdd() {
  const v = (id) => document.getElementById(id).value.trim();
  const kind = v('n-kind');
  const req = { kind, events: [...document.querySelectorAll('input[name=n-event]:checked')].map((c) => c.value) };
  if (kind === 'email') {
    req.smtp_url = v('n-url');
    req.to = v('n-to').split(',').map((s) => s.trim()).filter(Boolean);
    if (v('n-from')) req.from = v('n-from');
    if (v('n-user')) req.smtp_user = v('n-user');
    if (document.getElementById('n-password').value) req.smtp_password = document.getElementById('n-password').value;
  } else {
    req.url = v('n-url');
  }
  let d;
  try {
    d = await notifyApi('POST', '/api/notifications', req);
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    notifyError('Could not add it: ' + e.message + (e.parameter ? ' (' + e.parameter + ')' : '') + '.');
    return;
  }
  notifyError('');
  document.getElementById('n-form').reset();
  document.getElementById('n-kind').dispatchEvent(new Event('change'));
  if (d.secret) {
    document.getElementById('n-secret-value').textContent = d.secret;
    document.getElementById('n-secret').hidden = false;
  }
  await notifyLoad();
}

function notifyStop() {
  delete document.documentElement.dataset.notifyView;
  if (notify.timer) clearInterval(notify.timer);
  notify.timer = null;
  if (notify.section) notify.section.remove();
  notify.section = null;
}

/* Shows the view when the signed-in token is an admin's; else none. */
async function notifyStart() {
  notifyStop();
  await guarded(async () => {
    const me = await (await api('/api/me')).json();
    // Said on the page, so that a test knows the role was read.
    document.documentElement.dataset.notifyView = me.token && me.token.role === 'admin' ? 'shown' : 'none';
    if (document.documentElement.dataset.notifyView !== 'shown') return;
    notify.section = notifyBuild();
    document.querySelector('#app main').appendChild(notify.section);
    await notifyLoad();
    notify.timer = setInterval(() => guarded(() => notifyLoadLog(false)), REFRESH_MS);
  });
}

document.addEventListener('calltrack:signin', () => { notifyStart(); });
document.addEventListener('calltrack:signout', notifyStop);
