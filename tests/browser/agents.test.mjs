// The agents view of the dashboard (www/agents.js) in headless Chromium,
// against the real stack and the calls tests/browser/run loaded: the
// per-agent table with two agents' figures, the funnel, the agent filter,
// and a call's analysis and cost by part in its detail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BASE = process.env.CALLTRACK_URL;
const TOKEN = process.env.BROWSER_TOKEN;
const SHOTS = process.env.BROWSER_SHOTS;
const VAPI_AGENT = '6a2e9c41-7d3b-4f85-b0a6-1c9e4d2f8b57';
const RETELL_AGENT = 'agent_7e1a3c5b9d2f4a6c8e0b1d3f5a';

let browser, page;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'en-US',
    timezoneId: 'America/New_York' });
  await page.goto(BASE + '/');
  await page.evaluate((t) => localStorage.setItem('calltrack.token', t), TOKEN);
  await page.goto(BASE + '/');
  // The fixtures' calls are of January 2026.
  await page.selectOption('#range', 'custom');
  await page.fill('#from', '2026-01-01');
  await page.fill('#to', '2026-01-31');
  await page.locator('#to').dispatchEvent('change');
  await page.waitForSelector('#agent-rows tr[data-agent]');
});
after(async () => { if (browser) await browser.close(); });

async function api(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
  return r.json();
}
const pct = (v) => (Math.round(v * 1000) / 10) + '%';
const RANGE = 'from=2026-01-01&to=2026-02-01';

test('the per-agent table shows two agents\' figures as the API gives them', async () => {
  const s = await api('/api/stats?' + RANGE + '&group_by=agent');
  for (const id of [VAPI_AGENT, RETELL_AGENT]) {
    const want = s.by_agent.find((a) => a.agent.id === id);
    assert.ok(want, 'the API names agent ' + id);
    const row = page.locator(`#agent-rows tr[data-agent="${id}"] td`);
    await page.waitForFunction(([sel, calls]) => {
      const td = document.querySelector(sel);
      return td && td.textContent === String(calls);
    }, [`#agent-rows tr[data-agent="${id}"] td:nth-child(2)`, want.calls]);
    const cells = await row.allInnerTexts();
    assert.equal(cells[0], want.agent.name);
    assert.equal(cells[1], String(want.calls));
    assert.equal(cells[2], pct(want.answered_calls / want.calls));
    assert.equal(cells[3], pct(want.booking.conversion_rate));
    assert.equal(cells[4], String(want.booking.attempted_failed));
    assert.equal(cells[5], pct(want.success_rate));
    assert.equal(cells[7], '$' + Number(want.total_cost).toFixed(2));
  }
  // The Retell agent's one call did not succeed; the Vapi agent has successes.
  const retell = await page.locator(`#agent-rows tr[data-agent="${RETELL_AGENT}"] td`).allInnerTexts();
  assert.equal(retell[5], '0%');
  await page.screenshot({ path: SHOTS + '/agents-table.png', fullPage: true });
});

test('the funnel shows calls, answered, booking attempted and confirmed', async () => {
  const s = await api('/api/stats?' + RANGE + '&group_by=agent');
  for (const k of ['calls', 'answered', 'booking_attempted', 'confirmed']) {
    assert.equal(await page.locator(`#funnel li[data-step="${k}"] strong`).innerText(), String(s.funnel[k]));
  }
  assert.ok(s.funnel.confirmed > 0 && s.funnel.booking_attempted >= s.funnel.confirmed);
});

test('the agent filter narrows the list to one agent\'s calls', async () => {
  await page.selectOption('#f-agent', RETELL_AGENT);
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1 &&
    /Amara Nwosu/.test(document.querySelector('#rows tr').innerText));
  // The funnel follows the agent.
  const s = await api('/api/stats?' + RANGE + '&agent=' + RETELL_AGENT);
  await page.waitForFunction((n) => document.querySelector('#funnel li[data-step="calls"] strong')
    .textContent === String(n), s.funnel.calls);
});

test('a call\'s detail shows its analysis as a key/value table and its cost by part', async () => {
  await page.locator('#rows tr').first().click();
  await page.waitForSelector('#detail:not([hidden])');
  await page.waitForFunction(() => /Harbor Auto Care Outbound/.test(document.getElementById('d-agent').textContent));
  const rows = await page.locator('#d-analysis tr').allInnerTexts();
  const kv = Object.fromEntries(rows.map((r) => r.split('\t')));
  assert.equal(kv.urgency, 'high');
  assert.equal(kv.service, 'brake inspection');
  assert.equal(kv.callback_requested, 'false');
  assert.match(await page.locator('#d-agent').innerText(), /did not succeed \(false\)/);
  const costs = Object.fromEntries((await page.locator('#d-costs tr').allInnerTexts()).map((r) => r.split('\t')));
  assert.equal(costs['Text to speech'], '$0.0338');
  assert.equal(costs.Transport, '$0.0140');
  await page.screenshot({ path: SHOTS + '/agents-detail.png', fullPage: true });
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
  await page.selectOption('#f-agent', '');
});

test('a slow answer for an earlier range does not paint over a later one', async () => {
  // The all-time answers (no "from") are held back 1.5 s; January's are not.
  let held = 0;
  const slow = async (route) => {
    if (!new URL(route.request().url()).searchParams.has('from')) {
      held++;
      await new Promise((r) => setTimeout(r, 1500));
    }
    await route.continue();
  };
  await page.route('**/api/stats?*', slow);
  try {
    const want = await api('/api/stats?' + RANGE);
    const wantAgent = await api('/api/stats?' + RANGE + '&group_by=agent');
    const all = await api('/api/stats');
    assert.notEqual(all.total_calls, want.total_calls, 'all time and January differ');
    const late = page.waitForResponse((r) => r.url().includes('/api/stats') &&
      !new URL(r.url()).searchParams.has('from'));
    // All time, then at once January again: two overlapping refreshes.
    await page.fill('#from', '');
    await page.fill('#to', '');
    await page.locator('#to').dispatchEvent('change');
    await page.fill('#from', '2026-01-01');
    await page.fill('#to', '2026-01-31');
    await page.locator('#to').dispatchEvent('change');
    await page.waitForFunction((n) => document.getElementById('c-total').textContent === String(n),
      want.total_calls);
    await late;
    assert.ok(held > 0, 'the all-time answers were held back');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#c-total').innerText(), String(want.total_calls));
    assert.equal(await page.locator('#funnel li[data-step="calls"] strong').innerText(),
      String(wantAgent.funnel.calls));
  } finally {
    await page.unroute('**/api/stats?*', slow);
  }
});
