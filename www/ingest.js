/*
 * calltrack dashboard, the ingestion view: GET /api/ingest,
 * /api/ingest/deliveries and /api/ingest/deliveries/<id>, and POST
 * /api/ingest/deliveries/<id>/replay (admin).  Loaded after app.js, whose
 * helpers it uses (api, el, clear, when, guarded, $); app.js tells it of
 * a sign-in and a sign-out with the events
 * calltrack:signin and calltrack:signout.  Every value from the API goes into the page as text.
 */
'use strict';

(function () {
  const FINAL_REPORT = { vapi: 'end-of-call report', retell: 'call_analyzed report' };
  const ingest = { role: null, cursor: null, lastFocus: null, open: false };

  function size(n) {
    if (n === null || n === undefined) return '–';
    return n < 1024 ? n + ' B' : (Math.round(n / 102.4) / 10) + ' KB';
  }

  /* The page's own views: the calls (main) or the ingestion view. */
  function show(open) {
    ingest.open = open;
    document.querySelector('#app > main').hidden = open;
    document.querySelector('.top .range').hidden = open;
    $('ingest').hidden = !open;
    $('view-ingest').textContent = open ? 'Calls' : 'Ingestion';
    $('view-ingest').setAttribute('aria-pressed', String(open));
    if (open) guarded(loadAll);
  }

  /* ---- the figures ---- */

  function flags(i) {
    const td = el('td');
    if (i.silent) td.appendChild(el('span', 'Silent', 'tag flag'));
    if (i.rejections_high) td.appendChild(el('span', 'Rejecting ' + pct(i.rejection_rate), 'tag flag'));
    if (i.silent) td.appendChild(el('span', 'nothing in 24 hours', 'why'));
    if (!i.silent && !i.rejections_high) td.appendChild(el('span', i.total ? 'OK' : 'No deliveries', 'tag ok'));
    return td;
  }

  /* Whether the sweeper can ask the provider for a lost report (an API
   * key is set), and what it asked in the range. */
  function reconciled(r) {
    const td = el('td', null, 'n-reconcile');
    if (!r) return td;
    td.appendChild(el('span', r.api_key_set ? 'API key set' : 'No API key', r.api_key_set ? 'tag ok' : 'tag'));
    if (r.attempted) {
      td.appendChild(el('span', r.attempted + ' asked, ' + r.recovered + ' recovered, ' + r.failed + ' failed',
        'why'));
    }
    return td;
  }

  function integrationRow(i) {
    const tr = el('tr');
    tr.dataset.integration = i.id;
    if (i.silent || i.rejections_high) tr.className = 'flagged';
    tr.appendChild(el('td', i.id + (i.disabled ? ' (disabled)' : '')));
    tr.appendChild(el('td', i.provider));
    for (const k of ['applied', 'recorded', 'duplicate', 'parked', 'spooled']) {
      tr.appendChild(el('td', i.deliveries[k], 'n-' + k));
    }
    const rej = el('td', i.rejected, 'n-rejected');
    const reasons = Object.entries(i.rejections).map(([r, n]) => r + ' ' + n);
    if (reasons.length) rej.appendChild(el('span', reasons.join(', '), 'why'));
    tr.appendChild(rej);
    tr.appendChild(el('td', when(i.last_delivery_at)));
    tr.appendChild(reconciled(i.reconcile));
    tr.appendChild(flags(i));
    tr.addEventListener('click', () => { $('ingest-f-integration').value = i.id; guarded(loadDeliveries); });
    return tr;
  }

  function callItem(text, why) {
    const li = el('li');
    li.appendChild(el('strong', text));
    li.appendChild(el('span', why, 'why'));
    return li;
  }

  async function loadSummary() {
    const s = await (await api('/api/ingest')).json();
    $('ingest-range').textContent = 'From ' + when(s.range.from) + ' to ' + when(s.range.to);
    const rows = $('ingest-rows');
    clear(rows);
    s.integrations.forEach((i) => rows.appendChild(integrationRow(i)));
    if (!s.integrations.length) rows.appendChild(el('tr')).appendChild(el('td', 'No integrations.', 'muted'));
    const pick = $('ingest-f-integration'), was = pick.value;
    while (pick.options.length > 1) pick.remove(1);
    for (const i of s.integrations) pick.appendChild(el('option', i.id));
    pick.value = was;

    const open = $('ingest-open');
    clear(open);
    for (const c of s.open_past_limit) {
      open.appendChild(callItem(c.provider_call_id + ' (' + c.provider + ', ' + c.status + ')',
        'no callback since ' + when(c.last_event_at) + ', past its ' + c.limit_minutes + '-minute limit'));
    }
    if (s.open_past_limit_total > s.open_past_limit.length) {
      open.appendChild(el('li', 'and ' + (s.open_past_limit_total - s.open_past_limit.length) + ' more', 'muted'));
    }
    if (!s.open_past_limit.length) open.appendChild(el('li', 'None.', 'muted'));

    const missing = $('ingest-missing');
    clear(missing);
    for (const c of s.missing_final_report) {
      missing.appendChild(callItem(c.provider_call_id + ' (' + c.provider + ', ended ' + when(c.ended_at) + ')',
        'no ' + (FINAL_REPORT[c.provider] || 'final report') + ' 10 minutes after the call ended'));
    }
    if (s.missing_final_report_total > s.missing_final_report.length) {
      missing.appendChild(el('li', 'and ' + (s.missing_final_report_total - s.missing_final_report.length) + ' more',
        'muted'));
    }
    if (!s.missing_final_report.length) missing.appendChild(el('li', 'None.', 'muted'));
    $('ingest-swept').textContent = s.closed_by_sweeper;
  }

  /* ---- the deliveries ---- */

  function deliveryRow(d) {
    const tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.id = d.id;
    tr.appendChild(el('td', when(d.received_at)));
    tr.appendChild(el('td', d.integration_id || '–'));
    tr.appendChild(el('td', d.event_type || '–'));
    const o = el('td');
    o.appendChild(el('span', d.outcome, 'tag ' + d.outcome));
    if (d.spooled) o.appendChild(el('span', ' spooled', 'muted'));
    tr.appendChild(o);
    tr.appendChild(el('td', d.error || ''));
    tr.appendChild(el('td', size(d.size)));
    tr.addEventListener('click', () => openDelivery(d.id));
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDelivery(d.id); });
    return tr;
  }

  async function loadDeliveries(more) {
    const status = $('ingest-d-status');
    const res = await (await api('/api/ingest/deliveries', {
      integration: $('ingest-f-integration').value, outcome: $('ingest-f-outcome').value,
      limit: 25, cursor: more ? ingest.cursor : '',
    })).json();
    const body = $('ingest-d-rows');
    if (!more) clear(body);
    res.deliveries.forEach((d) => body.appendChild(deliveryRow(d)));
    ingest.cursor = res.next_cursor;
    $('ingest-more').hidden = !res.next_cursor;
    status.textContent = body.children.length ? '' : 'No deliveries match.';
  }

  async function loadAll() {
    $('ingest-status').className = 'status';
    try {
      await Promise.all([loadSummary(), loadDeliveries(false)]);
      $('ingest-status').textContent = '';
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      $('ingest-status').className = 'status error';
      $('ingest-status').textContent = 'Could not load ingestion health: ' + e.message;
    }
  }

  /* ---- one delivery ---- */

  function field(dl, name, value) {
    dl.appendChild(el('dt', name));
    dl.appendChild(el('dd', value === null || value === undefined || value === '' ? '–' : value));
  }

  async function openDelivery(id) {
    ingest.lastFocus = document.activeElement;
    await guarded(async () => {
      const d = await (await api('/api/ingest/deliveries/' + encodeURIComponent(id))).json();
      $('i-title').textContent = 'Delivery ' + d.id;
      const dl = $('i-fields');
      clear(dl);
      field(dl, 'Received', when(d.received_at));
      field(dl, 'Integration', d.integration_id);
      field(dl, 'Provider', d.provider);
      field(dl, 'Event', d.event_type);
      field(dl, 'Outcome', d.outcome + (d.spooled ? ' (through the spool)' : ''));
      field(dl, d.outcome === 'rejected' ? 'Reason' : 'Error', d.error);
      if (d.http_status) field(dl, 'Answered', d.http_status);
      if (d.duplicate_of) field(dl, 'Duplicate of', d.duplicate_of);
      field(dl, 'Call', d.provider_call_id || d.call_id);
      field(dl, 'Size', size(d.size) + (d.body_truncated ? ' (the body kept is cut short)' : ''));
      field(dl, 'Content type', d.content_type);
      // The body and the replay are an admin's: the API sends the body to
      // an admin token only, and the button shows for one.
      const hasBody = typeof d.body === 'string';
      $('i-body-title').hidden = !hasBody;
      $('i-body').hidden = !hasBody;
      $('i-body').textContent = hasBody ? (d.body_encoding === 'base64' ? '(Base64) ' : '') + d.body : '';
      $('i-replay').hidden = !(ingest.role === 'admin' && d.outcome === 'parked');
      $('i-replay').dataset.id = d.id;
      $('i-replay-status').textContent = '';
      $('ingest-detail').hidden = false;
      $('i-close').focus();
    });
  }

  function closeDelivery() {
    $('ingest-detail').hidden = true;
    if (ingest.lastFocus) ingest.lastFocus.focus();
  }

  async function replay() {
    const id = $('i-replay').dataset.id, status = $('i-replay-status');
    $('i-replay').disabled = true;
    status.className = 'status';
    status.textContent = 'Replaying…';
    try {
      const res = await fetch('/api/ingest/deliveries/' + encodeURIComponent(id) + '/replay', {
        method: 'POST', headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN_KEY) },
      });
      if (res.status === 401) { signOut('That token is not valid (or was revoked). Sign in again.'); return; }
      const r = await res.json();
      if (!res.ok) {
        status.className = 'status error';
        status.textContent = 'Not replayed: ' + r.error.message + '.';
        return;
      }
      status.textContent = r.outcome === 'parked'
        ? 'Replayed: still parked (the data still does not fit).'
        : 'Replayed: ' + r.outcome + '.';
      $('i-replay').hidden = r.outcome !== 'parked';
      await guarded(loadAll);
    } finally {
      $('i-replay').disabled = false;
    }
  }

  /* ---- wiring ---- */

  function onStart() {
    show(false);
    guarded(async () => {
      const me = await (await api('/api/me')).json();
      ingest.role = me.token.role;
    });
  }
  document.addEventListener('calltrack:signin', onStart);
  document.addEventListener('calltrack:signout', () => {
    ingest.role = null;
    $('ingest-detail').hidden = true;
    if (ingest.open) show(false);
  });
  $('view-ingest').addEventListener('click', () => show(!ingest.open));
  $('ingest-refresh').addEventListener('click', () => guarded(loadAll));
  for (const id of ['ingest-f-integration', 'ingest-f-outcome']) {
    $(id).addEventListener('change', () => guarded(() => loadDeliveries(false)));
  }
  $('ingest-filters').addEventListener('submit', (e) => e.preventDefault());
  $('ingest-more').addEventListener('click', () => guarded(() => loadDeliveries(true)));
  $('i-close').addEventListener('click', closeDelivery);
  $('i-replay').addEventListener('click', replay);
  $('ingest-detail').addEventListener('click', (e) => { if (e.target === $('ingest-detail')) closeDelivery(); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('ingest-detail').hidden) closeDelivery();
  });
  // Signed in before this file loaded (a token kept from before).
  if (!$('app').hidden) onStart();
}());
