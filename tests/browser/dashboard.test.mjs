// The dashboard page in headless Chromium (Debian's), driven by Playwright,
// against the real stack.  tests/browser/run loads the data and sets
// CALLTRACK_URL, BROWSER_TOKEN, BROWSER_SHOTS and the PG* variables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const BASE = process.env.CALLTRACK_URL;
const TOKEN = process.env.BROWSER_TOKEN;
const SHOTS = process.env.BROWSER_SHOTS;
const sql = (q) => execFileSync('psql', ['-X', '-At', '-c', q], { encoding: 'utf8' }).trim();

let browser, page;
const dialogs = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A fixed locale and zone: the times the tests read are the org's.
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true,
    locale: 'en-US', timezoneId: 'America/New_York' });
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
});
after(async () => { if (browser) await browser.close(); });

const text = (sel) => page.locator(sel).innerText();
async function api(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
  return r.json();
}
// A day as the page counts it: in the browser's zone (the org's,
// America/New_York), whatever the zone this runner is in.
function pageDate(daysFromToday) {
  const d = new Date(Date.now() + daysFromToday * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(d);
}
async function januaryRange() {
  await page.selectOption('#range', 'custom');
  await page.fill('#from', '2026-01-01');
  await page.fill('#to', '2026-01-31');
  await page.locator('#to').dispatchEvent('change');
}
async function rowsText() {
  await page.waitForFunction(() => document.getElementById('calls-status').textContent !== 'Loading calls…');
  return page.locator('#rows tr').allInnerTexts();
}
// Opens the one call the search q finds, once the table shows it (a row
// matching who); closeDetail() puts it away.
async function openCall(q, who) {
  await page.fill('#q', q);
  await page.waitForFunction((re) => {
    const rows = document.querySelectorAll('#rows tr');
    return rows.length === 1 && new RegExp(re, 'i').test(rows[0].innerText);
  }, who.source);
  await page.locator('#rows tr').first().click();
  await page.waitForSelector('#detail:not([hidden])');
}
async function closeDetail() {
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
}
// The browser org's id, for rows made here.
const ORG = "(SELECT org_id FROM api_tokens WHERE label = 'browser')";

test('asks for a token, and refuses a wrong one', async () => {
  await page.goto(BASE + '/');
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#token', 'ct_not-a-real-token');
  await page.click('#signin-form button');
  await page.waitForSelector('#signin-error:not([hidden])');
  assert.match(await text('#signin-error'), /not valid/);
});

test('signs in; the cards show the numbers of the API', async () => {
  await page.fill('#token', TOKEN);
  await page.click('#signin-form button');
  await page.waitForFunction(() => document.getElementById('c-total').textContent !== '–');
  const s = await api('/api/stats?from=' + pageDate(-29) + '&to=' + pageDate(1));
  assert.equal(await text('#c-total'), String(s.total_calls));
  assert.equal(await text('#c-hot'), String(s.hot_leads));
  assert.equal(await text('#c-confirmed'), String(s.booking.confirmed));
  assert.equal(await text('#c-failed'), String(s.booking.attempted_failed));
  assert.equal(await text('#c-none'), String(s.booking.not_requested));
  assert.equal(await text('#c-cost'), '$' + s.total_cost.toFixed(2));
  assert.match(await text('#tz'), /America\/New_York/);
  assert.equal(await page.locator('#chart svg g.day').count(), 30);
  assert.ok(s.total_calls > 0);
  // The chart's scale: 0 at the foot, a round top at or above the
  // busiest day; and dates below it, the first day's first.
  const scale = (await page.locator('#chart .axis-y text').allTextContents()).map(Number);
  const busiest = Math.max(...s.daily.map((d) => d.calls));
  assert.equal(scale[0], 0);
  assert.ok(scale[scale.length - 1] >= busiest && scale[scale.length - 1] < 2.5 * Math.max(busiest, 1),
    `scale ${scale} for a busiest day of ${busiest}`);
  assert.match(String(scale[scale.length - 1]), /^[125]0*$/);
  const dates = await page.locator('#chart .axis-x text').allTextContents();
  assert.ok(dates.length >= 4 && dates.length <= 10, `${dates.length} date labels`);
  const [, m0, d0] = s.daily[0].date.split('-').map(Number);
  assert.equal(dates[0], ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m0 - 1] +
    ' ' + d0);
  // End reasons by their labels, not their codes.
  const reasons = await text('#reasons');
  assert.match(reasons, /Caller hung up/);
  assert.doesNotMatch(reasons, /customer[ _]hangup/);
  await page.screenshot({ path: SHOTS + '/dashboard.png', fullPage: true });
});

test('search and filters change the table', async () => {
  await januaryRange();
  await page.fill('#q', 'maria');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1);
  assert.match((await rowsText())[0], /Maria Gonzalez/);
  await page.fill('#q', '(415) 555-0178');
  await page.waitForFunction(() => /Rachel Adams/.test(document.getElementById('rows').innerText));
  await page.fill('#q', '');
  await page.selectOption('#f-status', 'busy');
  await page.waitForFunction(() => [...document.querySelectorAll('#rows tr')].every((r) => /busy/.test(r.innerText)));
  assert.equal((await rowsText()).length, 1);
  await page.selectOption('#f-status', '');
  await page.selectOption('#f-booking', 'attempted_failed');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#rows tr')];
    return rows.length === 2 && rows.every((r) => /Attempted, failed/.test(r.innerText));
  });
  const failed = (await rowsText()).join('\n');
  assert.match(failed, /Hannah Lee/);
  assert.match(failed, /Priya Patel/);
  await page.selectOption('#f-booking', '');
});

test('test calls are hidden until the toggle shows them', async () => {
  await page.selectOption('#f-direction', 'web');
  await page.waitForFunction(() => /Test calls are hidden/.test(document.getElementById('calls-status').textContent) ||
    /No calls match/.test(document.getElementById('calls-status').textContent));
  assert.equal(await page.locator('#rows tr').count(), 0);
  await page.check('#f-test');
  // Vapi's and Retell's web calls, and Vapi's websocket call.
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 3);
  assert.ok((await rowsText()).every((r) => /Unknown/.test(r)));
  await page.uncheck('#f-test');
  await page.selectOption('#f-direction', '');
});

test('a call opens in full: transcript, booking, end reason, lead, timeline', async () => {
  // Maria's six callbacks, at times of our own: two in one second.
  const at = ['2026-01-06T17:02:10.120Z', '2026-01-06T17:02:10.870Z', '2026-01-06T17:02:12.950Z',
    '2026-01-06T17:02:30.000Z', '2026-01-06T17:02:56.850Z', '2026-01-06T17:02:57.400Z'];
  sql(`UPDATE call_events e SET received_at = (ARRAY['${at.join("','")}']::timestamptz[])[t.n]
         FROM (SELECT e2.org_id, e2.id, row_number() OVER (ORDER BY e2.received_at, e2.id) AS n
                 FROM call_events e2 JOIN calls c ON c.org_id = e2.org_id AND c.id = e2.call_id
                WHERE c.org_id = ${ORG} AND c.provider_call_id = '019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21') t
        WHERE e.org_id = t.org_id AND e.id = t.id`);
  await page.fill('#q', 'maria');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1 &&
    /Maria Gonzalez/.test(document.getElementById('rows').innerText));
  assert.match((await rowsText())[0], /Confirmed/);
  await page.locator('#rows tr').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])');
  assert.equal(await text('#d-title'), 'Maria Gonzalez');
  assert.match(await text('#d-transcript'), /Brightside Dental/);
  assert.equal(await text('#d-booking'), 'Confirmed — BSD-88213 (book_appointment)');
  assert.match(await text('#d-end'), /^Ended: Caller hung up\s+customer-ended-call$/);
  assert.equal(await text('#d-end .code'), 'customer-ended-call');
  const size = (sel) => page.locator(sel).evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  assert.ok(await size('#d-end .code') < await size('#d-end .end-label'), 'the code is smaller than its label');
  assert.match(await text('#d-lead'), /Hot lead, score \d+/);
  assert.equal(await page.locator('#d-audio').isHidden(), false);
  // Seconds on every time; milliseconds on the two of one second only.
  const times = await page.locator('#d-events li time').allInnerTexts();
  assert.equal(times.length, 6);
  assert.equal(new Set(times).size, 6, times.join(' | '));
  assert.match(times[0], /^1\/6\/2026, 12:02:10\.120\sPM$/);
  assert.match(times[1], /^1\/6\/2026, 12:02:10\.870\sPM$/);
  assert.match(times[2], /^1\/6\/2026, 12:02:12\sPM$/);
  assert.match(times[5], /^1\/6\/2026, 12:02:57\sPM$/);
  assert.match((await page.locator('#d-events li').allInnerTexts())[0], /status-update \(applied\)$/);
  await page.screenshot({ path: SHOTS + '/detail.png' });
  await closeDetail();
  await page.fill('#q', '');
});

test('a booking reads as its outcome, its reference or the error, and the tool', async () => {
  // Rows of our own for what the fixtures do not show: a result cut at
  // 500 bytes, a confirmed booking without evidence, a tool that gave
  // no result, and a normalized end reason without the provider's code.
  sql(`INSERT INTO calls (org_id, provider, provider_call_id, status, direction, phone_number,
                          started_at, ended_reason, end_call_reason, booking_status, booking_evidence)
       VALUES (${ORG}, 'vapi', 'bk-cut', 'completed', 'inbound', '+14155550911', '2026-01-12T15:00:00Z',
               'exceeded-max-duration', 'timeout', 'confirmed',
               jsonb_build_object('tool', 'book_service', 'tool_call_id', 't1', 'successful', true,
                 'result', '{"notes":"' || repeat('x', 430) || '","booking":{"bookingId":"ZX-77","slot":"2026-01-')),
              (${ORG}, 'vapi', 'bk-none', 'completed', 'inbound', '+14155550912', '2026-01-12T15:10:00Z',
               NULL, 'other', 'confirmed', NULL),
              (${ORG}, 'vapi', 'bk-noresult', 'completed', 'inbound', '+14155550913', '2026-01-12T15:20:00Z',
               'twilio-completed', NULL, 'attempted_failed',
               '{"tool": "book_appointment", "tool_call_id": "t3", "successful": false, "result": null}')`);
  // Their callers, as a webhook makes them: one contact per number, which
  // the search's digits find (anywhere in the number).
  sql(`INSERT INTO contacts (org_id, phone)
       SELECT org_id, phone_number FROM calls WHERE provider_call_id LIKE 'bk-%' AND org_id = ${ORG}
       ON CONFLICT DO NOTHING`);
  sql(`UPDATE calls c SET contact_id = k.id FROM contacts k
        WHERE k.org_id = c.org_id AND k.phone = c.phone_number
          AND c.provider_call_id LIKE 'bk-%' AND c.org_id = ${ORG}`);
  const cases = [
    ['daniel', /Daniel Kim/, 'Confirmed — HAC-20260108-0042 (book_appointment)', /^Ended: Caller hung up\s+user_hangup$/],
    ['hannah', /Hannah Lee/, 'Attempted, failed — No availability on 2026-01-10 for whitening (book_appointment)',
      /^Ended: Agent hung up\s+assistant-ended-call$/],
    ['priya', /Priya Patel/, 'Attempted, failed — 409 Conflict - requested slot 2026-01-09T09:00 is no longer available (book_appointment)',
      /^Ended: Caller hung up\s+user_hangup$/],
    ['olivia', /Olivia Chen/, 'Not requested', /^Ended: Transferred\s+assistant-forwarded-call$/],
    ['kevin', /Kevin Osei/, 'Not requested', /^Ended: No answer\s+customer-did-not-answer$/],
    ['tom becker', /Tom Becker/, 'Not requested', /^Ended: Voicemail\s+voicemail_reached$/],
    ['555-0911', /\+14155550911/, 'Confirmed — ZX-77 (book_service)', /^Ended: Timed out\s+exceeded-max-duration$/],
    ['555-0912', /\+14155550912/, 'Confirmed', /^Ended: Other$/],
    ['555-0913', /\+14155550913/, 'Attempted, failed (book_appointment)', /^Ended: reason not known\s+twilio-completed$/],
  ];
  for (const [q, who, booking, end] of cases) {
    await openCall(q, who);
    assert.equal(await text('#d-booking'), booking, q);
    assert.match(await text('#d-end'), end, q);
    if (q === 'priya') await page.screenshot({ path: SHOTS + '/detail-failed.png' });
    await closeDetail();
  }
  await page.fill('#q', '');
});

test('the CSV download holds the filtered calls', async () => {
  await page.selectOption('#f-status', 'busy');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const fs = await import('node:fs');
  const body = fs.readFileSync(await download.path(), 'utf8');
  assert.match(body, /^id,call_at,provider,/);
  assert.equal(body.trim().split('\r\n').length, 2);
  assert.match(body, /Rachel Adams/);
  await page.selectOption('#f-status', '');
});

test('a hostile caller name is shown as text, never run', async () => {
  await page.fill('#q', 'script');
  // The hostile row, alone: the list the test before left may be one row too.
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1 &&
    document.querySelector('#rows tr').innerText.includes('<script>'));
  assert.match((await rowsText())[0], /<script>alert\(1\)<\/script><img src=x onerror=alert\(2\)>/);
  assert.equal(await page.locator('#rows script, #rows img').count(), 0);
  assert.deepEqual(dialogs, []);
  await page.fill('#q', '');
});

test('a queued call turns completed without a reload', async () => {
  await page.selectOption('#range', '7');
  sql(`INSERT INTO calls (org_id, provider, provider_call_id, status, direction, phone_number)
       SELECT org_id, 'vapi', 'live-browser', 'queued', 'inbound', '+14155550999'
         FROM api_tokens WHERE label = 'browser'`);
  await page.waitForFunction(() => [...document.querySelectorAll('#rows tr')]
    .some((r) => /\+14155550999/.test(r.innerText) && r.querySelector('.tag.live')), null, { timeout: 15000 });
  await page.screenshot({ path: SHOTS + '/live.png' });
  sql(`UPDATE calls SET status = 'completed', started_at = now(), ended_at = now(), duration_seconds = 61
        WHERE provider_call_id = 'live-browser'`);
  await page.waitForFunction(() => [...document.querySelectorAll('#rows tr')]
    .some((r) => /\+14155550999/.test(r.innerText) && /completed/.test(r.innerText)), null, { timeout: 15000 });
});

test('it reads on a phone-sized screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, 'no sideways scrolling of the page: ' + overflow);
  await page.screenshot({ path: SHOTS + '/phone.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a revoked token sends the user back to sign in; sign-out forgets it', async () => {
  sql("UPDATE api_tokens SET revoked_at = now() WHERE label = 'browser'");
  await page.selectOption('#range', '30');
  await page.waitForSelector('#signin:not([hidden])', { timeout: 15000 });
  assert.match(await text('#signin-error'), /not valid/);
  assert.equal(await page.evaluate(() => localStorage.getItem('calltrack.token')), null);
  sql("UPDATE api_tokens SET revoked_at = NULL WHERE label = 'browser'");
  await page.fill('#token', TOKEN);
  await page.click('#signin-form button');
  await page.waitForSelector('#app:not([hidden])');
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.evaluate(() => localStorage.getItem('calltrack.token')), null);
});
