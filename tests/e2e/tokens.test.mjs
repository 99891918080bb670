// Settings → Your API tokens in a real browser: the list shows names and dates but never
// a value; a new token is shown once and works; a revoked one stops working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot } from './harness.mjs';

const stack = new Stack();
const USER = 'sam@acme.example';
let firstToken;

before(async () => {
  await stack.start();
  firstToken = stack.addUser('Acme', USER, 'user');
});
after(async () => { await stack.stop(); });

test('a user sees, creates and revokes their API tokens in Settings, never seeing a stored value', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  const rows = page.getByTestId('token-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /initial/);
  assert.ok(!(await page.content()).includes(firstToken), 'the token from user add is not on the page');

  await page.getByLabel('Token name').fill('Outlook on my laptop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-token');
  await shown.waitFor();
  const value = (await shown.innerText()).trim();
  assert.match(value, /^sgt_/);
  await rows.nth(1).waitFor();
  assert.match(await rows.nth(1).innerText(), /Outlook on my laptop/);
  assert.equal((await stack.api(value, 'GET', '/settings/unsubscribe')).status, 200, 'the new token works');
  await screenshot(page, 'api-tokens');

  await page.reload();
  await rows.nth(1).waitFor();
  assert.ok(!(await page.content()).includes(value), 'after a reload the value is gone for good');

  await rows.nth(1).getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Yes, revoke Outlook on my laptop' }).click();
  await page.getByRole('status').filter({ hasText: 'Revoked Outlook on my laptop' }).waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal((await stack.api(value, 'GET', '/settings/unsubscribe')).status, 401, 'the revoked token is dead');
  assert.equal((await stack.api(firstToken, 'GET', '/settings/unsubscribe')).status, 200, 'the other one still works');
});
