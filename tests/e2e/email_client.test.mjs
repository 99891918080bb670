// Settings → Email client set-up and Admin settings → Email relay in a real browser: a user
// sees the SMTP settings the server reports and creates the token their mail program logs
// in with (shown once); an admin creates a relay credential for Salesforce (username and
// password shown once, with Salesforce's settings) and revokes it; a non-admin cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot, freePort } from './harness.mjs';

const USER = 'sam@acme.example';
const ADMIN = 'ada@acme.example';
let stack;
let smtpPort;
let adminToken;

before(async () => {
  smtpPort = await freePort();
  stack = new Stack({ env: { SENDGUARD_SMTP_LISTEN: `127.0.0.1:${smtpPort}` } });
  await stack.start();
  stack.addUser('Acme', USER, 'user');
  adminToken = stack.addUser('Acme', ADMIN, 'admin');
});
after(async () => { await stack.stop(); });

test('a user opens Email client set-up, sees the settings and creates a password shown once', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('link', { name: /Email client set-up/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Email client set-up' }).waitFor();
  assert.equal(await page.getByTestId('smtp-host').innerText(), '127.0.0.1');
  assert.equal(await page.getByTestId('smtp-port').innerText(), String(smtpPort));
  assert.equal(await page.getByTestId('smtp-security').innerText(), 'STARTTLS');
  assert.equal(await page.getByTestId('smtp-username').innerText(), USER);

  await page.getByRole('button', { name: 'Create a password for my email client' }).click();
  const shown = page.getByTestId('email-client-password');
  await shown.waitFor();
  const token = (await shown.innerText()).trim();
  assert.match(token, /^sgt_/);
  await page.getByRole('button', { name: 'Copy password' }).waitFor();
  assert.equal((await stack.api(token, 'GET', '/settings/unsubscribe')).status, 200, 'the password is a working API token');

  await page.getByText('Thunderbird', { exact: true }).click();
  const steps = await page.getByTestId('steps-thunderbird').innerText();
  assert.ok(steps.includes(`Port ${smtpPort}`) && steps.includes('STARTTLS') && steps.includes(USER), steps);
  await screenshot(page, 'email-client');

  await page.reload();
  await page.getByTestId('smtp-host').waitFor();
  assert.ok(!(await page.content()).includes(token), 'after a reload the password is gone for good');
  await page.goto('/settings');
  await page.getByTestId('token-row').filter({ hasText: 'Email client' }).waitFor();
});

test('an admin creates a relay credential for Salesforce, sees it once, and revokes it', async () => {
  const page = await stack.newPage();
  await signIn(page, ADMIN);
  await page.goto('/settings/admin');
  await page.getByRole('link', { name: /Email relay/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Email relay' }).waitFor();
  await page.getByTestId('no-relay-credentials').waitFor();

  await page.getByLabel('Name').fill('Salesforce');
  await page.getByRole('button', { name: 'Create relay credential' }).click();
  await page.getByTestId('relay-created').waitFor();
  const username = (await page.getByTestId('relay-username').innerText()).trim();
  const password = (await page.getByTestId('relay-password').innerText()).trim();
  assert.match(username, /^sgr_/);
  assert.match(password, /^sgrp_/);
  const salesforce = await page.getByTestId('relay-salesforce-settings').innerText();
  assert.ok(salesforce.includes('127.0.0.1') && salesforce.includes(String(smtpPort)) && salesforce.includes('RequiredVerify'), salesforce);
  const rows = page.getByTestId('relay-credential-row');
  await rows.first().waitFor();
  assert.match(await rows.first().innerText(), new RegExp(`Salesforce[\\s\\S]*${username}`));
  const listed = await stack.api(adminToken, 'GET', '/relay-credentials');
  assert.deepEqual(listed.body.relay_credentials.map((c) => c.username), [username]);
  await screenshot(page, 'relay-credentials');

  await page.reload();
  await rows.first().waitFor();
  assert.ok(!(await page.content()).includes(password), 'after a reload the password is gone for good');

  await rows.first().getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Yes, revoke Salesforce' }).click();
  await page.getByRole('status').filter({ hasText: 'Revoked Salesforce' }).waitFor();
  await page.getByTestId('no-relay-credentials').waitFor();
  assert.deepEqual((await stack.api(adminToken, 'GET', '/relay-credentials')).body, { relay_credentials: [] });

  await page.goto('/audit');
  await page.getByText('Revoked a relay credential').waitFor();
  await page.getByText('Created a relay credential').waitFor();
});

test('a user who is not an admin is told that relay credentials are for admins', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.goto('/settings/admin/relay');
  await page.getByText('Only a team admin can see and manage relay credentials.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Create relay credential' }).count(), 0);
});

test('without an SMTP listener the page says the relay is off and shows no settings', async () => {
  const off = new Stack();
  try {
    await off.start();
    off.addUser('Acme', USER, 'user');
    const page = await off.newPage();
    await signIn(page, USER);
    await page.goto('/settings/email-client');
    await page.getByTestId('smtp-off').waitFor();
    assert.equal(await page.getByTestId('smtp-settings').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Create a password for my email client' }).count(), 0);
  } finally {
    await off.stop();
  }
});
