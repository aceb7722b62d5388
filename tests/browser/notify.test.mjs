// The Notifications view (www/notify.js) in headless Chromium, against the
// real stack: an admin adds a webhook and sees its secret once, tests it
// and sees the delivery appear, retries a failed one; a viewer's and an
// editor's page have no such view.  tests/browser/run sets CALLTRACK_URL,
// CALLTRACK_ADMIN, BROWSER_TOKEN (an editor's), BROWSER_SHOTS and PG*.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const BASE = process.env.CALLTRACK_URL;
const SHOTS = process.env.BROWSER_SHOTS;
const sql = (q) => execFileSync('psql', ['-X', '-At', '-c', q], { encoding: 'utf8' }).trim();
const admin = (...a) => execFileSync(process.env.CALLTRACK_ADMIN, a,
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

const ORG = sql("SELECT org_id FROM api_tokens WHERE label = 'browser'");
const ADMIN_TOKEN = admin('token', 'create', ORG, '--label', 'browser-admin', '--role', 'admin');
const VIEWER_TOKEN = admin('token', 'create', ORG, '--label', 'browser-viewer', '--role', 'viewer');

let browser, page;
const dialogs = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US',
    timezoneId: 'America/New_York' });
  page.on('dialog', (d) => { dialogs.push(d.message()); d.accept(); });
});
after(async () => { if (browser) await browser.close(); });

async function signIn(token) {
  await page.goto(BASE + '/');
  await page.evaluate(() => localStorage.removeItem('calltrack.token'));
  await page.reload();
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#token', token);
  await page.click('#signin-form button');
  await page.waitForSelector('#app:not([hidden])');
  // The cards are filled once the page's first refresh is done.
  await page.waitForFunction(() => document.getElementById('c-total').textContent !== '–');
}

test('a viewer or an editor signed in has no Notifications view', async () => {
  for (const token of [VIEWER_TOKEN, process.env.BROWSER_TOKEN]) {
    await signIn(token);
    // notify.js says when it has read the token's role.
    await page.waitForFunction(() => document.documentElement.dataset.notifyView === 'none');
    assert.equal(await page.locator('#notify').count(), 0);
    assert.doesNotMatch(await page.locator('main').innerText(), /Notifications/);
  }
});

let webhookId, secret;

test('an admin adds a webhook destination and sees its signing secret once', async () => {
  await signIn(ADMIN_TOKEN);
  await page.waitForSelector('#notify');
  await page.selectOption('#n-kind', 'webhook');
  await page.fill('#n-url', 'https://hooks.example.com/browser-in');
  await page.check('input[name=n-event][value="call.hot_lead"]');
  await page.check('input[name=n-event][value="call.missed"]');
  await page.click('#n-add');
  await page.waitForSelector('#n-secret:not([hidden])');
  secret = await page.locator('#n-secret-value').innerText();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  webhookId = sql(`SELECT id FROM notification_destinations WHERE org_id = '${ORG}'
                   AND url = 'https://hooks.example.com/browser-in'`);
  assert.equal(sql(`SELECT secret FROM notification_destinations WHERE id = '${webhookId}'`), secret);
  const row = page.locator(`#n-rows tr[data-id="${webhookId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /webhook\s+https:\/\/hooks\.example\.com\/browser-in\s+Hot lead, Missed call\s+enabled/);
  await page.screenshot({ path: SHOTS + '/notify-secret.png', fullPage: true });
  // Done: the secret leaves the page, and no later answer has it.
  await page.click('#n-secret-done');
  assert.ok(!(await page.content()).includes(secret));
  await page.reload();
  await page.waitForSelector(`#n-rows tr[data-id="${webhookId}"]`);
  assert.ok(!(await page.content()).includes(secret));
  assert.ok(!(await page.locator('body').innerText()).includes('whsec_'));
});

test('a refused destination says which field, and adds nothing', async () => {
  const before = sql(`SELECT count(*) FROM notification_destinations WHERE org_id = '${ORG}'`);
  await page.selectOption('#n-kind', 'webhook');
  await page.fill('#n-url', 'https://169.254.169.254/latest/meta-data');
  await page.check('input[name=n-event][value="call.stuck"]');
  await page.click('#n-add');
  await page.waitForSelector('#n-error:not([hidden])');
  assert.match(await page.locator('#n-error').innerText(), /url/);
  assert.equal(sql(`SELECT count(*) FROM notification_destinations WHERE org_id = '${ORG}'`), before);
});

test('test queues a delivery, shown pending in the log', async () => {
  const row = page.locator(`#n-rows tr[data-id="${webhookId}"]`);
  await row.locator('button.n-test').click();
  await page.waitForFunction(() => [...document.querySelectorAll('#n-log-rows tr')]
    .some((r) => /Test/.test(r.innerText) && /pending/.test(r.innerText)));
  const m = sql(`SELECT id FROM notifications WHERE destination_id = '${webhookId}' AND event = 'test'`);
  assert.match(m, /^[0-9a-f-]{36}$/);
  assert.match(await page.locator(`#n-log-rows tr[data-id="${m}"]`).innerText(),
    /webhook https:\/\/hooks\.example\.com\/browser-in\s+Test\s+pending/);
  await page.screenshot({ path: SHOTS + '/notify.png', fullPage: true });
});

test('a failed delivery shows its attempts and is retried', async () => {
  const m = sql(`SELECT id FROM notifications WHERE destination_id = '${webhookId}' AND event = 'test'`);
  sql(`UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '${m}';
       INSERT INTO notification_attempts (org_id, notification_id, status, error)
       VALUES ('${ORG}', '${m}', 503, 'http 503 <b>busy</b>')`);
  await page.click('#n-refresh');
  const row = page.locator(`#n-log-rows tr[data-id="${m}"]`);
  await page.waitForFunction((id) => /failed/.test(document.querySelector(`#n-log-rows tr[data-id="${id}"]`)?.innerText || ''), m);
  assert.match(await row.innerText(), /503: http 503 <b>busy<\/b>/);
  assert.equal(await row.locator('b').count(), 0);
  await row.locator('button.n-retry').click();
  await page.waitForFunction((id) => /pending/.test(document.querySelector(`#n-log-rows tr[data-id="${id}"]`)?.innerText || ''), m);
  assert.equal(sql(`SELECT state FROM notifications WHERE id = '${m}'`), 'pending');
  assert.equal(await row.locator('button.n-retry').count(), 0);
});

test('a destination is disabled, enabled again and removed', async () => {
  const row = page.locator(`#n-rows tr[data-id="${webhookId}"]`);
  await row.locator('button.n-toggle').click();
  await page.waitForFunction((id) => /disabled/.test(document.querySelector(`#n-rows tr[data-id="${id}"]`)?.innerText || ''), webhookId);
  assert.equal(sql(`SELECT enabled FROM notification_destinations WHERE id = '${webhookId}'`), 'f');
  await row.locator('button.n-toggle').click();
  await page.waitForFunction((id) => /enabled/.test(document.querySelector(`#n-rows tr[data-id="${id}"]`)?.innerText || ''), webhookId);
  await row.locator('button.n-remove').click();
  await page.waitForFunction((id) => !document.querySelector(`#n-rows tr[data-id="${id}"]`), webhookId);
  assert.ok(dialogs.some((d) => /Remove this destination/.test(d)));
  assert.equal(sql(`SELECT count(*) FROM notification_destinations WHERE id = '${webhookId}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM notifications WHERE destination_id = '${webhookId}'`), '0');
});

test('signing out takes the view away', async () => {
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.locator('#notify').count(), 0);
});
