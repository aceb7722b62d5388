// The Leads views (www/leads.js) in headless Chromium, against the real
// stack: an editor renames a lead on its page and then sees the name in
// the call list and finds it by search; a bad email's 400 is shown inline;
// an open hot lead is acknowledged; a file is imported, with its refused
// rows shown; a viewer's page has no edit control, no acknowledge button
// and no import.  tests/browser/run sets CALLTRACK_URL,
// CALLTRACK_ADMIN, BROWSER_TOKEN (an editor's), BROWSER_SHOTS and PG*.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const BASE = process.env.CALLTRACK_URL;
const SHOTS = process.env.BROWSER_SHOTS;
const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', '-c', q], { encoding: 'utf8' }).trim();
const admin = (...a) => execFileSync(process.env.CALLTRACK_ADMIN, a,
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

const ORG = sql("SELECT org_id FROM api_tokens WHERE label = 'browser'");
const VIEWER_TOKEN = admin('token', 'create', ORG, '--label', 'leads-viewer', '--role', 'viewer');
// A lead of its own with two calls, each with an open hot-lead alert.
const LEAD = sql(`INSERT INTO contacts (org_id, phone, name, name_source)
  VALUES ('${ORG}', '+14155550777', 'Leah Browning', 'manual') RETURNING id`);
const CALLS = [1, 2].map((n) => sql(`INSERT INTO calls (org_id, provider, provider_call_id, status, direction,
    phone_number, contact_id, started_at, lead_score)
  VALUES ('${ORG}', 'vapi', 'leads-browser-${n}', 'completed', 'inbound', '+14155550777', '${LEAD}',
    now() - interval '${n} hours', 90) RETURNING id`));
const ALERTS = CALLS.map((c) => sql(`INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score, reasons)
  VALUES ('${ORG}', '${c}', '${LEAD}', 90, '{booking confirmed}') RETURNING id`));

let browser, page;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US',
    timezoneId: 'America/New_York' });
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
  // leads.js says when it has read the token's role.
  await page.waitForFunction(() => document.documentElement.dataset.leadsRole);
}

test("an editor renames a lead on its page; the call list shows the name, and both searches find it", async () => {
  await signIn(process.env.BROWSER_TOKEN);
  await page.evaluate((id) => { location.hash = '#/leads/' + id; }, LEAD);
  await page.waitForSelector('#lead-name');
  assert.equal(await page.textContent('#lead-name'), 'Leah Browning');
  assert.equal(await page.locator('#lead-calls li[data-id]').count(), 2);
  // A bad email: the API's 400 and its parameter, inline.
  await page.click('[data-field=email] button.edit');
  await page.fill('[data-field=email] input', 'not an email');
  await page.click('[data-field=email] button[type=submit]');
  await page.waitForFunction(() => document.querySelector('[data-field=email] .error').textContent !== '');
  assert.match(await page.textContent('[data-field=email] .error'), /\(email\)$/);
  await page.click('[data-field=email] button.secondary:not(.edit)');
  await page.click('[data-field=name] button.edit');
  await page.fill('[data-field=name] input', 'Leah Renamed-Browser');
  await page.click('[data-field=name] button[type=submit]');
  await page.waitForFunction(() => document.getElementById('lead-name')?.textContent === 'Leah Renamed-Browser');
  assert.match(await page.locator('#lead-history').innerText(), /name\s+Leah Browning\s+Leah Renamed-Browser/);
  await page.screenshot({ path: SHOTS + '/lead.png', fullPage: true });
  assert.equal(sql(`SELECT name FROM contacts WHERE id = '${LEAD}'`), 'Leah Renamed-Browser');

  // The dashboard's call list, searched by the new name.
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#app main:not([hidden])');
  await page.fill('#q', 'Renamed-Browser');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 2 &&
    [...document.querySelectorAll('#rows tr')].every((r) => r.textContent.includes('Leah Renamed-Browser')));
  // The call's detail links back to the lead.
  await page.click('#rows tr');
  await page.waitForSelector('#d-contact a');
  await page.click('#d-contact a');
  await page.waitForFunction(() => document.getElementById('lead-name')?.textContent === 'Leah Renamed-Browser');

  // The Leads list, searched the same way.
  await page.evaluate(() => { location.hash = '#/leads'; });
  await page.waitForSelector('#l-q');
  await page.fill('#l-q', 'Renamed-Browser');
  await page.waitForFunction((id) => {
    const rows = document.querySelectorAll('#l-rows tr');
    return rows.length === 1 && rows[0].dataset.id === id;
  }, LEAD);
  assert.match(await page.textContent('#l-rows tr'), /Leah Renamed-Browser\(415\) 555-0777/);
  await page.screenshot({ path: SHOTS + '/leads.png', fullPage: true });
});

test('an editor acknowledges an open hot lead', async () => {
  await page.evaluate(() => { location.hash = '#/'; location.hash = '#/leads'; });
  const item = `#hot-list li[data-id="${ALERTS[0]}"]`;
  await page.waitForSelector(item + ' button.ack');
  await page.click(item + ' button.ack');
  await page.waitForSelector(item, { state: 'detached' });
  assert.notEqual(sql(`SELECT acknowledged_by FROM hot_lead_alerts WHERE id = '${ALERTS[0]}'`), '');
  assert.equal(await page.locator(`#hot-list li[data-id="${ALERTS[1]}"] button.ack`).count(), 1);
});

test('an editor imports a file from the Leads view: the counts, each refused row, and the list shows the new lead', async () => {
  await page.evaluate(() => { location.hash = '#/'; location.hash = '#/leads'; });
  await page.waitForSelector('#l-import-file');
  const csv = 'phone,name,lead_status\r\n' +
    '(415) 555-0778,Imogen Importwright,qualified\r\n' +
    '+14155550777,,\r\n' +
    'not a number,Nobody,\r\n' +
    '+14155550779,Unknown Caller,\r\n';
  await page.setInputFiles('#l-import-file', { name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#l-import-go');
  await page.waitForFunction(() => /created/.test(document.getElementById('l-import-msg').textContent));
  assert.equal(await page.textContent('#l-import-msg'), '1 created, 0 updated, 1 unchanged, 2 refused.');
  const rows = await page.locator('#l-import-rejected tbody tr').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^4\s+invalid_phone\s+/);
  assert.match(rows[1], /^5\s+invalid_name\s+/);
  assert.equal(sql(`SELECT name || ' ' || lead_status || ' ' || name_source FROM contacts
    WHERE org_id = '${ORG}' AND phone = '+14155550778'`), 'Imogen Importwright qualified manual');
  // The list is read again: the new lead is in it.
  await page.fill('#l-q', 'Importwright');
  await page.waitForFunction(() => {
    const rows = document.querySelectorAll('#l-rows tr');
    return rows.length === 1 && rows[0].textContent.includes('Imogen Importwright');
  });
  await page.screenshot({ path: SHOTS + '/leads-import.png', fullPage: true });

  // A file refused whole says so, and nothing of it applies.
  await page.setInputFiles('#l-import-file', { name: 'bad.csv', mimeType: 'text/csv',
    buffer: Buffer.from('name,email\nNo Phone,x@example.com\n') });
  await page.click('#l-import-go');
  await page.waitForFunction(() => /not imported/.test(document.getElementById('l-import-msg').textContent));
  assert.equal(await page.locator('#l-import-rejected').count(), 0);
});

test("a viewer's page has no edit control and no acknowledge button", async () => {
  await signIn(VIEWER_TOKEN);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.leadsRole), 'viewer');
  await page.evaluate(() => { location.hash = '#/leads'; });
  // The other alert is still open: shown, without its button.
  await page.waitForSelector(`#hot-list li[data-id="${ALERTS[1]}"]`);
  assert.equal(await page.locator('#leads button.ack').count(), 0);
  assert.equal(await page.locator('#l-import').count(), 0);
  await page.evaluate((id) => { location.hash = '#/leads/' + id; }, LEAD);
  await page.waitForSelector('#lead-name');
  await page.waitForSelector(`#lead-alerts li[data-id="${ALERTS[1]}"]`);
  assert.equal(await page.locator('#leads button.edit').count(), 0);
  assert.equal(await page.locator('#leads button.ack').count(), 0);
  assert.equal(await page.locator('#leads input, #leads textarea, #leads select').count(), 0);
  await page.screenshot({ path: SHOTS + '/lead-viewer.png', fullPage: true });
});
