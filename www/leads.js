/*
 * calltrack dashboard: the Leads views (docs/API.md, "Contacts and leads"
 * and "Alerts"): #/leads, the contact list with search, a lead-status
 * filter, sorting and pages, and the open hot-lead alerts with their
 * acknowledgement, and an editor's import of a CSV file with each refused
 * row; #/leads/<id>, one lead: its details (edited inline), its calls,
 * alerts and history.  A call's detail links to its lead.
 *
 * Loaded before app.js; app.js says when a token signs in and out
 * ('calltrack:signin', 'calltrack:signout') and when a call's detail is
 * shown ('calltrack:detail', the call in event.detail).  The token's role
 * (GET /api/me) decides what is drawn: a viewer gets no edit control and
 * no acknowledge button.  Every value from the API goes in through
 * textContent or an attribute.
 */
'use strict';

const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'booked', 'lost'];
const leads = { role: null, section: null, sort: 'last_contacted_at', order: 'desc', cursors: [null], at: 0 };

/* One request to /api/contacts… or /api/alerts…; JSON bodies both ways. */
async function leadsApi(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN_KEY) } };
  if (method !== 'GET') {
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

const canEdit = () => leads.role === 'editor' || leads.role === 'admin';

/* A link to a hash route. */
function hashLink(text, hash) {
  const a = el('a', text);
  a.href = hash;
  return a;
}

/* The view's section, empty, in place of the dashboard's main. */
function leadsSection() {
  if (!leads.section) {
    leads.section = el('section', null, 'leads');
    leads.section.id = 'leads';
    document.querySelector('#app main').after(leads.section);
  }
  clear(leads.section);
  document.querySelector('#app main').hidden = true;
  leads.section.hidden = false;
  return leads.section;
}

function leadsHide() {
  if (leads.section) leads.section.hidden = true;
  const main = document.querySelector('#app main');
  if (main) main.hidden = false;
}

/* ---- #/leads ---- */

function leadsListBuild(s) {
  const top = el('p');
  top.appendChild(hashLink('← Dashboard', '#/'));
  s.appendChild(top);

  const hot = el('div', null, 'card');
  hot.id = 'hot-leads';
  hot.appendChild(el('h2', 'Open hot leads'));
  const hl = el('ul', null, 'activity');
  hl.id = 'hot-list';
  hot.appendChild(hl);
  s.appendChild(hot);

  const card = el('div', null, 'card');
  card.appendChild(el('h2', 'Leads'));
  const form = el('form', null, 'filters');
  form.id = 'l-filters';
  form.setAttribute('role', 'search');
  const ql = el('label', 'Search');
  ql.htmlFor = 'l-q';
  const q = el('input');
  q.id = 'l-q';
  q.type = 'search';
  q.placeholder = 'Name or number';
  const sl = el('label', 'Lead status');
  sl.htmlFor = 'l-status';
  const st = el('select');
  st.id = 'l-status';
  st.appendChild(el('option', 'All')).value = '';
  for (const v of LEAD_STATUSES) st.appendChild(el('option', v)).value = v;
  form.append(ql, q, sl, st);
  card.appendChild(form);
  const status = el('p', null, 'status');
  status.id = 'l-msg';
  status.setAttribute('role', 'status');
  card.appendChild(status);

  const wrap = el('div', null, 'table-wrap');
  const table = el('table');
  table.id = 'l-table';
  const head = el('tr');
  for (const [t, key] of [['Name', 'name'], ['Phone', null], ['Lead status', null], ['Score', 'lead_score'],
    ['Calls', 'call_count'], ['Last contacted', 'last_contacted_at']]) {
    const th = el('th');
    if (key) {
      const b = el('button', t);
      b.type = 'button';
      b.dataset.sort = key;
      b.addEventListener('click', () => {
        leads.order = leads.sort === key && leads.order === 'desc' ? 'asc' : 'desc';
        leads.sort = key;
        leadsAgain();
      });
      th.appendChild(b);
    } else {
      th.textContent = t;
    }
    head.appendChild(th);
  }
  table.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  body.id = 'l-rows';
  table.appendChild(body);
  wrap.appendChild(table);
  card.appendChild(wrap);

  const pager = el('nav', null, 'pager');
  pager.setAttribute('aria-label', 'Pages of leads');
  const prev = el('button', 'Previous', 'secondary');
  prev.id = 'l-prev';
  prev.type = 'button';
  const info = el('span');
  info.id = 'l-page';
  const next = el('button', 'Next', 'secondary');
  next.id = 'l-next';
  next.type = 'button';
  pager.append(prev, info, next);
  card.appendChild(pager);
  s.appendChild(card);
  if (canEdit()) s.appendChild(leadsImportCard());

  let typing = null;
  q.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(leadsAgain, 300); });
  form.addEventListener('submit', (e) => { e.preventDefault(); leadsAgain(); });
  st.addEventListener('change', leadsAgain);
  prev.addEventListener('click', () => { leads.at--; guarded(leadsLoadList); });
  next.addEventListener('click', () => { leads.at++; guarded(leadsLoadList); });
}

function leadsAgain() {
  leads.cursors = [null];
  leads.at = 0;
  guarded(leadsLoadList);
}

async function leadsLoadList() {
  const msg = document.getElementById('l-msg');
  const params = new URLSearchParams({ sort: leads.sort, order: leads.order, limit: '25' });
  const q = document.getElementById('l-q').value.trim();
  const st = document.getElementById('l-status').value;
  if (q) params.set('q', q);
  if (st) params.set('lead_status', st);
  if (leads.cursors[leads.at]) params.set('cursor', leads.cursors[leads.at]);
  let res;
  try {
    res = await leadsApi('GET', '/api/contacts?' + params);
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    msg.className = 'status error';
    msg.textContent = 'Could not load the leads: ' + e.message + '.';
    return;
  }
  leads.cursors[leads.at + 1] = res.next_cursor;
  const body = document.getElementById('l-rows');
  clear(body);
  for (const c of res.contacts) {
    const tr = el('tr');
    tr.dataset.id = c.id;
    const name = el('td');
    name.appendChild(hashLink(c.name || 'Unknown', '#/leads/' + encodeURIComponent(c.id)));
    tr.appendChild(name);
    tr.appendChild(el('td', c.phone_display || c.phone_number || '–'));
    const ls = el('td');
    ls.appendChild(el('span', c.lead_status, 'tag'));
    tr.appendChild(ls);
    tr.appendChild(el('td', c.lead_score === null ? '–' : c.lead_score));
    tr.appendChild(el('td', c.call_count));
    tr.appendChild(el('td', when(c.last_contacted_at)));
    body.appendChild(tr);
  }
  msg.className = 'status';
  msg.textContent = res.contacts.length ? '' : 'No leads match.';
  document.getElementById('l-page').textContent = 'Page ' + (leads.at + 1) + ' · ' + res.total +
    (res.total_capped ? '+' : '') + (res.total === 1 && !res.total_capped ? ' lead' : ' leads');
  document.getElementById('l-prev').disabled = leads.at === 0;
  document.getElementById('l-next').disabled = !res.next_cursor;
  for (const b of document.querySelectorAll('#l-table th button')) {
    if (b.dataset.sort === leads.sort) b.setAttribute('aria-sort', leads.order === 'asc' ? 'ascending' : 'descending');
    else b.removeAttribute('aria-sort');
  }
}

/*
 * The import (an editor's): a CSV file of contacts sent as it is to
 * POST /api/contacts/import, and the answer: how many rows were created,
 * updated and unchanged, and each refused row with its line, code and
 * message.
 */
function leadsImportCard() {
  const card = el('div', null, 'card');
  card.id = 'l-import';
  card.appendChild(el('h2', 'Import contacts'));
  card.appendChild(el('p', 'A CSV file with a phone column, and name, email or lead_status columns if you have them. ' +
    'A row applies whole or not at all; the same file again changes nothing.', 'muted'));
  const form = el('form', null, 'filters');
  const fl = el('label', 'CSV file');
  fl.htmlFor = 'l-import-file';
  const file = el('input');
  file.id = 'l-import-file';
  file.type = 'file';
  file.accept = '.csv,text/csv';
  const go = el('button', 'Import');
  go.id = 'l-import-go';
  go.type = 'submit';
  form.append(fl, file, go);
  card.appendChild(form);
  const msg = el('p', null, 'status');
  msg.id = 'l-import-msg';
  msg.setAttribute('role', 'status');
  card.appendChild(msg);
  const out = el('div');
  out.id = 'l-import-result';
  card.appendChild(out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    guarded(() => leadsImport(file, go, msg, out));
  });
  return card;
}

async function leadsImport(file, go, msg, out) {
  clear(out);
  const f = file.files && file.files[0];
  if (!f) {
    msg.className = 'status error';
    msg.textContent = 'Choose a CSV file first.';
    return;
  }
  go.disabled = true;
  msg.className = 'status';
  msg.textContent = 'Importing ' + f.name + '…';
  let res, data = null;
  try {
    res = await fetch(new URL('/api/contacts/import', location.origin), {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN_KEY), 'Content-Type': 'text/csv' },
      body: f,
    });
    try { data = await res.json(); } catch (e) { /* no body */ }
  } finally {
    go.disabled = false;
  }
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) {
    msg.className = 'status error';
    msg.textContent = 'The file was not imported: ' +
      (data && data.error ? data.error.message : 'the server answered ' + res.status) + '. Nothing of it was applied.';
    return;
  }
  const refused = data.rejected.length + data.rejected_more;
  msg.className = 'status';
  msg.textContent = data.created + ' created, ' + data.updated + ' updated, ' + data.unchanged + ' unchanged, ' +
    refused + ' refused.';
  if (data.rejected.length) {
    const table = el('table');
    table.id = 'l-import-rejected';
    const head = el('tr');
    for (const t of ['Line', 'Reason', 'Message']) head.appendChild(el('th', t));
    table.appendChild(el('thead')).appendChild(head);
    const body = el('tbody');
    for (const r of data.rejected) {
      const tr = el('tr');
      tr.append(el('td', r.line), el('td', r.code), el('td', r.message));
      body.appendChild(tr);
    }
    table.appendChild(body);
    const wrap = el('div', null, 'table-wrap');
    wrap.appendChild(table);
    out.appendChild(wrap);
    if (data.rejected_more) out.appendChild(el('p', 'And ' + data.rejected_more + ' more refused rows.', 'muted'));
  }
  leadsAgain();
}

/* An alert as a list item, with its acknowledgement for an editor. */
function alertItem(a, after) {
  const li = el('li');
  li.dataset.id = a.id;
  li.appendChild(el('strong', 'Score ' + a.score + ' '));
  if (a.contact_id) li.appendChild(hashLink(a.caller_name, '#/leads/' + encodeURIComponent(a.contact_id)));
  else li.appendChild(el('span', a.caller_name));
  li.appendChild(el('span', ' · ' + (a.reasons || []).join(', ') + ' · ' + when(a.created_at), 'muted'));
  if (a.acknowledged_at) {
    li.appendChild(el('span', ' · acknowledged by ' + a.acknowledged_by + ' ' + when(a.acknowledged_at), 'muted'));
  } else if (canEdit()) {
    const b = el('button', 'Acknowledge', 'secondary ack');
    b.type = 'button';
    b.addEventListener('click', () => guarded(async () => {
      b.disabled = true;
      try {
        await leadsApi('POST', '/api/alerts/' + encodeURIComponent(a.id) + '/acknowledge', {});
      } catch (e) {
        if (e instanceof Unauthorized) throw e;
        b.disabled = false;
        li.appendChild(el('span', ' Could not acknowledge it: ' + e.message + '.', 'error'));
        return;
      }
      await after();
    }));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(b);
  }
  return li;
}

async function leadsLoadAlerts() {
  const list = document.getElementById('hot-list');
  const res = await leadsApi('GET', '/api/alerts?state=open&limit=25');
  clear(list);
  for (const a of res.alerts) list.appendChild(alertItem(a, leadsLoadAlerts));
  if (!res.alerts.length) list.appendChild(el('li', 'No open hot leads.', 'muted'));
}

async function leadsShowList() {
  const s = leadsSection();
  leadsListBuild(s);
  leads.cursors = [null];
  leads.at = 0;
  await Promise.all([leadsLoadList(), leadsLoadAlerts()]);
}

/* ---- #/leads/<id> ---- */

/* One editable field: its value as text, an Edit button for an editor. */
function leadField(c, key, label, kind, redraw) {
  const row = el('div', null, 'lead-field');
  row.dataset.field = key;
  row.appendChild(el('span', label, 'muted'));
  const value = el('span', c[key] === null || c[key] === undefined || c[key] === '' ? '–' : c[key], 'value');
  row.appendChild(value);
  if (!canEdit()) return row;
  const edit = el('button', 'Edit', 'secondary edit');
  edit.type = 'button';
  edit.setAttribute('aria-label', 'Edit ' + label.toLowerCase());
  row.appendChild(edit);
  edit.addEventListener('click', () => {
    const form = el('form', null, 'inline-edit');
    // The API checks every field and says what is wrong with it; the
    // browser's own checks (an email input's) would stop the form first.
    form.noValidate = true;
    let input;
    if (kind === 'select') {
      input = el('select');
      for (const v of LEAD_STATUSES) input.appendChild(el('option', v)).value = v;
    } else {
      input = el(kind === 'textarea' ? 'textarea' : 'input');
      if (kind !== 'textarea') input.type = kind;
    }
    input.name = key;
    input.value = c[key] || '';
    input.setAttribute('aria-label', label);
    const save = el('button', 'Save');
    save.type = 'submit';
    const cancel = el('button', 'Cancel', 'secondary');
    cancel.type = 'button';
    const err = el('span', null, 'error');
    err.setAttribute('role', 'alert');
    form.append(input, save, cancel, err);
    value.hidden = true;
    edit.hidden = true;
    row.appendChild(form);
    input.focus();
    cancel.addEventListener('click', () => { form.remove(); value.hidden = false; edit.hidden = false; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      guarded(async () => {
        const v = input.value.trim();
        const patch = {};
        patch[key] = v === '' && (key === 'email' || key === 'notes' || key === 'name') ? null : v;
        try {
          await leadsApi('PATCH', '/api/contacts/' + encodeURIComponent(c.id), patch);
        } catch (ex) {
          if (ex instanceof Unauthorized) throw ex;
          err.textContent = ex.message + (ex.parameter ? ' (' + ex.parameter + ')' : '');
          return;
        }
        await redraw();
      });
    });
  });
  return row;
}

async function leadsShowOne(id) {
  const s = leadsSection();
  const top = el('p');
  top.appendChild(hashLink('← Leads', '#/leads'));
  s.appendChild(top);
  let c;
  try {
    c = await leadsApi('GET', '/api/contacts/' + encodeURIComponent(id));
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    s.appendChild(el('p', 'Could not load this lead: ' + e.message + '.', 'status error'));
    return;
  }
  const redraw = () => leadsShowOne(id);
  const card = el('div', null, 'card lead');
  card.id = 'lead';
  card.dataset.id = c.id;
  const h = el('h2', c.name || 'Unknown');
  h.id = 'lead-name';
  card.appendChild(h);
  card.appendChild(el('p', [c.phone_display || c.phone_number, 'score ' + (c.lead_score === null ? '–' : c.lead_score),
    c.call_count + ' calls', 'last contacted ' + when(c.last_contacted_at)].join(' · '), 'muted'));
  card.appendChild(leadField(c, 'name', 'Name', 'text', redraw));
  card.appendChild(leadField(c, 'email', 'Email', 'email', redraw));
  card.appendChild(leadField(c, 'lead_status', 'Lead status', 'select', redraw));
  card.appendChild(leadField(c, 'notes', 'Notes', 'textarea', redraw));
  s.appendChild(card);

  const calls = el('div', null, 'card');
  calls.appendChild(el('h3', 'Activity'));
  const ol = el('ol', null, 'timeline');
  ol.id = 'lead-calls';
  for (const k of c.calls || []) {
    const li = el('li');
    li.dataset.id = k.id;
    const t = el('time', when(k.call_at));
    t.dateTime = k.call_at || '';
    li.appendChild(t);
    li.appendChild(document.createTextNode(' — ' + [duration(k.duration_seconds), k.status,
      bookingLabel(k.booking_status)].join(' · ') + ' '));
    const a = el('a', 'Call detail');
    a.href = '#';
    a.addEventListener('click', (e) => { e.preventDefault(); openDetail(k.id); });
    li.appendChild(a);
    ol.appendChild(li);
  }
  if (!(c.calls || []).length) ol.appendChild(el('li', 'No calls yet.', 'muted'));
  calls.appendChild(ol);
  s.appendChild(calls);

  const al = el('div', null, 'card');
  al.appendChild(el('h3', 'Alerts'));
  const ul = el('ul', null, 'activity');
  ul.id = 'lead-alerts';
  for (const a of c.alerts || []) ul.appendChild(alertItem(a, redraw));
  if (!(c.alerts || []).length) ul.appendChild(el('li', 'No alerts.', 'muted'));
  al.appendChild(ul);
  s.appendChild(al);

  const hist = el('div', null, 'card');
  hist.appendChild(el('h3', 'History'));
  const wrap = el('div', null, 'table-wrap');
  const table = el('table');
  table.id = 'lead-history';
  const head = el('tr');
  for (const t of ['Field', 'Old', 'New', 'At', 'By']) head.appendChild(el('th', t));
  table.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  for (const r of (c.history || []).slice().reverse()) {
    const tr = el('tr');
    for (const v of [r.field, r.old === null ? '–' : r.old, r.new === null ? '–' : r.new, when(r.at), r.by]) {
      tr.appendChild(el('td', v));
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  wrap.appendChild(table);
  hist.appendChild(wrap);
  s.appendChild(hist);
}

/* ---- routing, role, hooks ---- */

async function leadsRoute() {
  if (!leads.role) return;
  const m = /^#\/leads(?:\/([0-9A-Za-z-]{1,64}))?$/.exec(location.hash);
  if (!m) { leadsHide(); return; }
  await guarded(() => (m[1] ? leadsShowOne(decodeURIComponent(m[1])) : leadsShowList()));
}

async function leadsStart() {
  leadsStop();
  await guarded(async () => {
    const me = await (await api('/api/me')).json();
    leads.role = me.token && me.token.role ? me.token.role : 'viewer';
    document.documentElement.dataset.leadsRole = leads.role;
    const nav = hashLink('Leads', '#/leads');
    nav.id = 'leads-nav';
    nav.className = 'button secondary';
    document.getElementById('signout').before(nav);
    await leadsRoute();
  });
}

function leadsStop() {
  leads.role = null;
  delete document.documentElement.dataset.leadsRole;
  const nav = document.getElementById('leads-nav');
  if (nav) nav.remove();
  if (leads.section) leads.section.remove();
  leads.section = null;
  leadsHide();
}

/* A call's detail: a link to its lead. */
function leadsDetail(c) {
  const old = document.getElementById('d-contact');
  if (old) old.remove();
  if (!c || !c.contact_id) return;
  const p = el('p');
  p.id = 'd-contact';
  const a = hashLink('Open this lead', '#/leads/' + encodeURIComponent(c.contact_id));
  a.addEventListener('click', () => { if (!document.getElementById('detail').hidden) closeDetail(); });
  p.appendChild(a);
  document.getElementById('d-meta').after(p);
}

window.addEventListener('hashchange', () => { leadsRoute(); });
document.addEventListener('calltrack:signin', () => { leadsStart(); });
document.addEventListener('calltrack:signout', leadsStop);
document.addEventListener('calltrack:detail', (e) => leadsDetail(e.detail));
