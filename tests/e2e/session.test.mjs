// Sign-in, sign-out and session expiry in a real browser. The server runs with a
// two-second session lifetime so expiry can be seen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot, pageFetch, sleep, PASSWORD } from './harness.mjs';

const stack = new Stack({ env: { SENDGUARD_SESSION_TTL: '2' } });
const USER = 'sam@acme.example';

before(async () => {
  await stack.start();
  stack.addUser('Acme', USER, 'user');
});
after(async () => { await stack.stop(); });

test('a wrong password says what to do next; the right one signs in', async () => {
  const page = await stack.newPage();
  await page.goto('/emails');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(page, 'sign-in');
  await page.getByLabel('Email').fill(USER);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const error = page.getByRole('alert');
  await error.waitFor();
  assert.match(await error.innerText(), /do not match\. Check both and try again/);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back where the user was going.
  await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/emails');
  assert.equal(await page.getByTestId('user-email').innerText(), USER);
});

test('an expired session shows the sign-in page on the next action', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('heading', { name: 'Compose' }).waitFor();
  await sleep(3000);
  await page.getByRole('link', { name: 'Emails', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('Your session has ended. Sign in again to continue.').waitFor();
  assert.equal((await pageFetch(page, 'GET', '/auth/me')).status, 401);
  assert.equal((await pageFetch(page, 'GET', '/settings/unsubscribe')).status, 401);
  await screenshot(page, 'session-expired');
});

test('signing out ends the session', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('You are signed out.').waitFor();
  assert.equal((await pageFetch(page, 'GET', '/auth/me')).status, 401);
  const cookies = await page.context().cookies();
  assert.ok(!cookies.some((c) => c.name === 'sg_session' && c.value), 'the session cookie is cleared');
});
