/*
 * calltrack dashboard, agents: the agent filter of the calls list, the
 * per-agent table and the funnel (GET /api/agents, GET /api/stats
 * ?group_by=agent), and a call's agent, analysis and cost by part in its
 * detail.  Loaded before app.js, whose helpers it reaches through
 * window.calltrack once the page runs.  Like app.js, every value from the
 * API goes in through textContent, never as HTML.
 */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const ct = () => window.calltrack;
  const COST_PARTS = [['transport', 'Transport'], ['stt', 'Speech to text'], ['llm', 'Language model'],
    ['tts', 'Text to speech'], ['platform', 'Platform'], ['other', 'Other']];
  const FUNNEL = [['calls', 'Calls'], ['answered', 'Answered'], ['booking_attempted', 'Booking attempted'],
    ['confirmed', 'Confirmed']];
  let known = '';	// the agent list the filter shows, as JSON

  function rate(part, whole) { return whole > 0 ? ct().pct(part / whole) : '–'; }

  /* The agent filter's choices: every agent the org's calls name. */
  async function loadAgents(includeTest, current) {
    const res = await (await ct().api('/api/agents', { include_test: includeTest })).json();
    if (!current()) return;
    const json = JSON.stringify(res.agents.map((a) => [a.id, a.name]));
    if (json === known) return;
    known = json;
    const sel = $('f-agent');
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    for (const a of res.agents) {
      const o = document.createElement('option');
      o.value = a.id;
      o.textContent = (a.name || a.id) + (a.version ? ' (v' + String(a.version).replace(/^v/, '') + ')' : '');
      sel.appendChild(o);
    }
    sel.value = res.agents.some((a) => a.id === keep) ? keep : '';
  }

  function funnel(f) {
    const list = $('funnel');
    ct().clear(list);
    FUNNEL.forEach(([k, label], i) => {
      const li = ct().el('li', null, 'step');
      li.dataset.step = k;
      li.appendChild(ct().el('span', label, 'label'));
      li.appendChild(ct().el('strong', f[k]));
      if (i > 0) li.appendChild(ct().el('small', rate(f[k], f[FUNNEL[i - 1][0]]), 'muted'));
      list.appendChild(li);
    });
  }

  function agentRow(a) {
    const tr = ct().el('tr');
    tr.dataset.agent = a.agent.id;
    tr.appendChild(ct().el('td', a.agent.name || a.agent.id));
    tr.appendChild(ct().el('td', a.calls));
    tr.appendChild(ct().el('td', rate(a.answered_calls, a.calls)));
    tr.appendChild(ct().el('td', ct().pct(a.booking.conversion_rate)));
    tr.appendChild(ct().el('td', a.booking.attempted_failed));
    tr.appendChild(ct().el('td', ct().pct(a.success_rate)));
    tr.appendChild(ct().el('td', ct().duration(a.avg_duration_seconds)));
    tr.appendChild(ct().el('td', ct().money(a.total_cost)));
    // A row is a shortcut to the agent's calls.
    tr.tabIndex = 0;
    const pick = () => { $('f-agent').value = a.agent.id; ct().again(); };
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') pick(); });
    return tr;
  }

  async function refresh(current) {
    const r = ct().range();
    const includeTest = $('f-test').checked;
    await loadAgents(includeTest, current);
    const agent = $('f-agent').value;
    const s = await (await ct().api('/api/stats', { from: r.from, to: r.to, include_test: includeTest,
      group_by: 'agent', agent })).json();
    if (!current()) return;
    funnel(s.funnel);
    const body = $('agent-rows');
    ct().clear(body);
    for (const a of s.by_agent) body.appendChild(agentRow(a));
    if (!s.by_agent.length) {
      const tr = ct().el('tr');
      const td = ct().el('td', 'No agent named in this range', 'muted');
      td.colSpan = 8;
      tr.appendChild(td);
      body.appendChild(tr);
    }
  }

  /* A value of the analysis as text: a string as it is, anything else as
   * JSON. */
  function valueText(v) {
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function kvRows(table, rows, empty) {
    const body = table.tBodies[0];
    ct().clear(body);
    for (const [k, v] of rows) {
      const tr = ct().el('tr');
      tr.appendChild(ct().el('th', k));
      tr.appendChild(ct().el('td', v));
      body.appendChild(tr);
    }
    if (!rows.length) {
      const tr = ct().el('tr');
      tr.appendChild(ct().el('td', empty, 'muted'));
      body.appendChild(tr);
    }
  }

  function detail(c) {
    const a = c.agent;
    const success = c.success === true ? 'succeeded' : c.success === false ? 'did not succeed' : 'success not known';
    $('d-agent').textContent = (a ? (a.name || a.id) + (a.version ? ', version ' + a.version : '') : 'No agent named') +
      ' · ' + success + (c.success_raw ? ' (' + c.success_raw + ')' : '') +
      (c.transferred ? ' · transferred' : '');
    kvRows($('d-analysis'), Object.entries(c.analysis || {}).map(([k, v]) => [k, valueText(v)]), 'No analysis.');
    const cb = c.cost_breakdown;
    kvRows($('d-costs'), cb ? COST_PARTS.filter(([k]) => Number(cb[k]) > 0).map(([k, label]) =>
      [label, '$' + Number(cb[k]).toFixed(4)]) : [], 'No cost by part.');
  }

  window.calltrackViews = window.calltrackViews || [];
  window.calltrackViews.push({
    filters: () => ({ agent: $('f-agent').value }),
    refresh,
    detail,
  });
  document.addEventListener('DOMContentLoaded', () => {
    $('f-agent').addEventListener('change', () => ct().again());
  });
}());
