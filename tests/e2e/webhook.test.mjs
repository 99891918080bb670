// Integrations → Webhook in a real browser: an admin creates the Marketo webhook, sees the
// secret once with the payload template, sees Marketo's call arrive, and deletes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot, pageFetch } from './harness.mjs';

const stack = new Stack();
const ADMIN = 'ada@acme.example';

before(async () => {
  await stack.start();
  await stack.connectMarketo(stack.addUser('Acme', ADMIN, 'admin'));
});
after(async () => { await stack.stop(); });

test('an admin sets up the Marketo webhook and sees when Marketo last called', async () => {
  const page = await stack.newPage();
  await signIn(page, ADMIN);
  await page.goto('/settings/admin/unsubscribe/integrations');
  const panel = page.locator('#marketo-webhook');
  await panel.getByTestId('webhook-status').filter({ hasText: 'No webhook yet' }).waitFor();

  await panel.getByRole('button', { name: 'Create webhook' }).click();
  const secret = (await panel.getByTestId('webhook-secret').textContent()).trim();
  assert.match(secret, /^whs_/);
  assert.match(await panel.getByTestId('webhook-template').textContent(), /"email": \{\{lead\.Email Address\}\}/);
  const url = (await panel.getByTestId('webhook-url').textContent()).trim();
  assert.ok(url.startsWith(`${stack.url}/api/v1/hooks/marketo/wh_`), url);
  await screenshot(page, 'settings-webhook-created');

  const call = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sendguard-Webhook-Secret': secret },
    body: JSON.stringify({ email: 'ann@example.com', unsubscribed: true, leadId: 1 }) });
  assert.equal(call.status, 204);
  await page.reload();
  await panel.getByTestId('webhook-last-call').filter({ hasNotText: 'None yet' }).waitFor();
  assert.equal(await panel.getByTestId('webhook-secret').count(), 0, 'the secret is shown only once');

  await panel.getByRole('button', { name: 'Delete' }).click();
  await panel.getByRole('status').filter({ hasText: 'The webhook is deleted' }).waitFor();
  assert.equal((await pageFetch(page, 'GET', '/integrations/marketo')).body.webhook, null);
});
