// Settings → Admin settings → Unsubscribe → Integrations in a real browser: an admin
// connects Marketo and turns the check on; a user cannot; the CSRF token is enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot, pageFetch, sleep, CLIENT_ID, CLIENT_SECRET } from './harness.mjs';

const stack = new Stack();
const ADMIN = 'ada@acme.example';
const USER = 'sam@acme.example';
let adminToken;

before(async () => {
  await stack.start();
  adminToken = stack.addUser('Acme', ADMIN, 'admin');
  stack.addUser('Acme', USER, 'user');
});
after(async () => { await stack.stop(); });

async function openIntegrations(page) {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await page.getByRole('link', { name: /^Admin settings/ }).click();
  await page.getByRole('heading', { name: 'Admin settings', level: 1 }).waitFor();
  await page.getByRole('link', { name: /^Unsubscribe/ }).click();
  await page.getByRole('heading', { name: 'Unsubscribe', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Integrations', exact: true }).click();
  await page.getByRole('switch', { name: 'Marketo unsubscribe check' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/settings/admin/unsubscribe/integrations');
}

test('an admin connects Marketo and turns the check on through Settings → Admin settings → Unsubscribe → Integrations', async () => {
  const page = await stack.newPage();
  await signIn(page, ADMIN);
  assert.equal(await page.getByTestId('user-role').textContent(), 'Admin');
  await openIntegrations(page);
  const toggle = page.getByRole('switch', { name: 'Marketo unsubscribe check' });
  assert.equal(await toggle.isChecked(), false);

  // Turning it on without a connection explains what is missing and links to the form.
  await toggle.click();
  const missing = page.getByRole('alert').filter({ hasText: 'needs a Marketo connection' });
  await missing.waitFor();
  assert.match(await missing.textContent(), /REST endpoint.*Identity endpoint.*client ID.*client secret/);
  assert.equal(await toggle.isChecked(), false);
  await missing.getByRole('link', { name: 'Connect Marketo' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'rest_endpoint');

  // A wrong secret is refused with what to do next.
  await page.getByLabel('REST endpoint').fill(`${stack.simUrl}/rest`);
  await page.getByLabel('Identity endpoint').fill(`${stack.simUrl}/identity`);
  await page.getByLabel('Client ID').fill(CLIENT_ID);
  await page.getByLabel('Client secret').fill('not-the-secret');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Marketo refused the client ID and secret' }).waitFor();
  // Each check is listed: the token failed, the reads were not tried without one.
  const checks = page.getByTestId('connection-checks');
  await checks.locator('[data-check="token"][data-state="failed"]').waitFor();
  await checks.locator('[data-check="lead_lookup"][data-state="not known"]').waitFor();

  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // Anchored: "Not connected" contains "connected" too, and verifying takes a moment.
  await page.getByTestId('connection-status').filter({ hasText: /^Connected/ }).waitFor();
  // The reads pass; the write-back's permission cannot be known without writing: a warning.
  for (const name of ['token', 'lead_lookup', 'activity_read'])
    await checks.locator(`[data-check="${name}"][data-state="passed"]`).waitFor();
  await checks.locator('[data-check="write_back"][data-state="not known"]').filter({ hasText: 'Read-Write Lead' }).waitFor();

  // Marketo will not describe the lead fields: the feed goes on, and says how it reads.
  await stack.simConfig({ describe_error_code: '603' });
  await toggle.click();
  await page.getByRole('status').filter({ hasText: 'The check is on' }).waitFor();
  assert.equal(await toggle.isChecked(), true);
  // With the check on, the feed's cost today shows beside the connection.
  await page.reload();
  await page.getByTestId('feed-status').filter({ hasText: /^Activity feed: \d+ calls? today/ }).waitFor();
  const warning = page.getByTestId('feed-warning');
  for (let tries = 0; !(await warning.isVisible()); ++tries) {  // the feed's first pass may still run
    assert.ok(tries < 60, 'the feed warning did not show');
    await sleep(500);
    await page.reload();
    await page.getByTestId('feed-status').waitFor();
  }
  assert.match(await warning.textContent(), /display name "Unsubscribed"/);
  await stack.simConfig({ describe_error_code: null });
  await screenshot(page, 'settings-integrations');

  const settings = await pageFetch(page, 'GET', '/settings/unsubscribe');
  assert.deepEqual(settings.body, { marketo_check_enabled: true, on_check_unavailable: 'block' });

  // Disconnecting while the check is on is refused with the way out.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('button', { name: 'Yes, disconnect' }).click();
  await page.getByRole('alert').filter({ hasText: 'Turn the check off first' }).waitFor();

  // The audit log shows who did it.
  await page.getByRole('link', { name: 'Audit log' }).click();
  const row = page.getByRole('row').filter({ hasText: 'Changed the unsubscribe settings' });
  await row.first().waitFor();
  assert.match(await row.first().textContent(), new RegExp(ADMIN));
  assert.match(await row.first().textContent(), /Marketo unsubscribe check: off → on/);
  await page.getByRole('row').filter({ hasText: 'Connected Marketo' }).first().waitFor();
  await screenshot(page, 'audit-log');
});

test('a user sees the settings read-only with the reason, and a forced change gets 403', async () => {
  const current = await stack.api(adminToken, 'GET', '/settings/unsubscribe');
  if (!current.body.marketo_check_enabled) await stack.enableCheck(adminToken); // when run alone
  const page = await stack.newPage();
  await signIn(page, USER);
  assert.equal(await page.getByTestId('user-role').textContent(), 'User');
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Dashboard' }).count(), 0);

  await openIntegrations(page);
  const toggle = page.getByRole('switch', { name: 'Marketo unsubscribe check' });
  assert.equal(await toggle.isDisabled(), true);
  assert.equal(await toggle.isChecked(), true);
  assert.match(await page.locator('#readonly-reason').textContent(), /Only a team admin can change these settings/);
  assert.match(await toggle.getAttribute('aria-describedby'), /readonly-reason/);
  assert.equal(await page.getByRole('radio', { name: /Send anyway/ }).isDisabled(), true);
  assert.equal(await page.getByLabel('Client secret').count(), 0);
  await screenshot(page, 'settings-integrations-user');

  // With a valid session and CSRF token the server still refuses: the role decides.
  const me = await pageFetch(page, 'GET', '/auth/me');
  const forced = await pageFetch(page, 'PUT', '/settings/unsubscribe', { body: { marketo_check_enabled: false }, csrf: me.body.csrf_token });
  assert.equal(forced.status, 403);
  assert.equal(forced.body.error.code, 'forbidden');
  const still = await pageFetch(page, 'GET', '/settings/unsubscribe');
  assert.equal(still.body.marketo_check_enabled, true);

  // The admin pages explain themselves instead of failing.
  await page.goto('/audit');
  await page.getByText('Only team admins can see the audit log').waitFor();
});

test('a state-changing request from the page without the CSRF token gets 403', async () => {
  const page = await stack.newPage();
  await signIn(page, ADMIN);
  const me = await pageFetch(page, 'GET', '/auth/me');
  assert.equal(me.status, 200);
  const body = { on_check_unavailable: 'send' };

  const without = await pageFetch(page, 'PUT', '/settings/unsubscribe', { body });
  assert.equal(without.status, 403);
  assert.equal(without.body.error.code, 'csrf_failed');
  const wrong = await pageFetch(page, 'PUT', '/settings/unsubscribe', { body, csrf: 'not-the-token' });
  assert.equal(wrong.status, 403);
  assert.equal((await pageFetch(page, 'GET', '/settings/unsubscribe')).body.on_check_unavailable, 'block');

  // The app itself sends the token, so the same change through the page works.
  await page.goto('/settings/admin/unsubscribe/integrations');
  await page.getByRole('radio', { name: /Send anyway/ }).check();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  assert.equal((await pageFetch(page, 'GET', '/settings/unsubscribe')).body.on_check_unavailable, 'send');
  await page.getByRole('radio', { name: /Block/ }).check();
  await page.getByRole('status').filter({ hasText: 'nothing is sent unverified' }).waitFor();
});
