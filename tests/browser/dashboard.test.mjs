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
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
});
after(async () => { if (browser) await browser.close(); });

const text = (sel) => page.locator(sel).innerText();
async function api(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
  return r.json();
}
function isoDate(d) {
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
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
  const to = new Date(); to.setDate(to.getDate() + 1);
  const from = new Date(); from.setDate(from.getDate() - 29);
  const s = await api('/api/stats?from=' + isoDate(from) + '&to=' + isoDate(to));
  assert.equal(await text('#c-total'), String(s.total_calls));
  assert.equal(await text('#c-hot'), String(s.hot_leads));
  assert.equal(await text('#c-confirmed'), String(s.booking.confirmed));
  assert.equal(await text('#c-failed'), String(s.booking.attempted_failed));
  assert.equal(await text('#c-none'), String(s.booking.not_requested));
  assert.equal(await text('#c-cost'), '$' + s.total_cost.toFixed(2));
  assert.match(await text('#tz'), /America\/New_York/);
  assert.equal(await page.locator('#chart svg g.day').count(), 30);
  assert.ok(s.total_calls > 0);
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
  await page.waitForFunction(() => /Hannah Lee/.test(document.getElementById('rows').innerText));
  assert.equal((await rowsText()).length, 1);
  await page.selectOption('#f-booking', '');
});

test('test calls are hidden until the toggle shows them', async () => {
  await page.selectOption('#f-direction', 'web');
  await page.waitForFunction(() => /Test calls are hidden/.test(document.getElementById('calls-status').textContent) ||
    /No calls match/.test(document.getElementById('calls-status').textContent));
  assert.equal(await page.locator('#rows tr').count(), 0);
  await page.check('#f-test');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1);
  assert.match((await rowsText())[0], /Unknown/);
  await page.uncheck('#f-test');
  await page.selectOption('#f-direction', '');
});

test('a call opens in full: transcript, booking evidence, lead, timeline', async () => {
  await page.fill('#q', 'maria');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1);
  await page.locator('#rows tr').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])');
  assert.equal(await text('#d-title'), 'Maria Gonzalez');
  assert.match(await text('#d-transcript'), /Brightside Dental/);
  assert.match(await text('#d-booking'), /book_appointment succeeded/);
  assert.match(await text('#d-lead'), /Hot lead, score \d+/);
  assert.equal(await page.locator('#d-events li').count(), 6);
  assert.equal(await page.locator('#d-audio').isHidden(), false);
  await page.screenshot({ path: SHOTS + '/detail.png' });
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
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
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 1);
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
