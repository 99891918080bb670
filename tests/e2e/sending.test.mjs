// Sending in a real browser with the check on: a blocked individual send names the
// recipient; a group send shows the pre-flight summary and the skipped recipients never
// reach the SMTP sink; select & send shows per-recipient results; campaigns, the emails
// list and the dashboard show why an email was stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, signIn, screenshot, sleep } from './harness.mjs';

const stack = new Stack();
const ADMIN = 'ada@acme.example';
const USER = 'sam@acme.example';
const GONE = ['gone@clients.example', 'left@clients.example', 'bye@clients.example'];
let adminToken;

before(async () => {
  await stack.start();
  adminToken = stack.addUser('Acme', ADMIN, 'admin');
  stack.addUser('Acme', USER, 'user');
  await stack.enableCheck(adminToken);
  await stack.addLeads([
    ...GONE.map((email) => ({ email, unsubscribed: true })),
    { email: 'ann@clients.example', unsubscribed: false },
  ]);
});
after(async () => { await stack.stop(); });

test('a blocked individual send names the unsubscribed recipient and sends nothing', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('heading', { name: 'Compose' }).waitFor();
  await page.getByLabel('To', { exact: true }).fill('ann@clients.example, Gone@Clients.example');
  await page.getByLabel('To', { exact: true }).press('Enter');
  await page.getByLabel('Cc', { exact: true }).fill('carl@clients.example');
  await page.getByLabel('Subject').fill('Quarterly review');
  await page.getByLabel('Message').fill('Hello, shall we meet next week?');
  await page.getByRole('button', { name: 'Send', exact: true }).click();

  const error = page.getByRole('alert').filter({ hasText: 'Not sent' });
  await error.waitFor();
  const named = await page.getByTestId('unsubscribed-recipients').innerText();
  assert.match(named, /gone@clients\.example/i);
  assert.doesNotMatch(named, /ann@|carl@/);
  assert.match(await error.innerText(), /Nothing was sent to anyone\. Remove the highlighted address and send again\./);
  // The address is highlighted in the field it was typed in, the others are not.
  const flagged = page.locator('.chip-flagged');
  assert.equal(await flagged.count(), 1);
  assert.match(await flagged.innerText(), /Gone@Clients\.example/);
  assert.equal(await page.locator('.chip[data-address="ann@clients.example"]').getAttribute('class'), 'chip');
  await screenshot(page, 'compose-blocked');

  await sleep(1000);
  assert.deepEqual(stack.sinkMessages(), [], 'a refused send must not reach the SMTP sink');

  // Removing the highlighted address lets the rest go out.
  await error.getByRole('button', { name: 'Remove this recipient' }).click();
  assert.equal(await page.locator('.chip-flagged').count(), 0);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'it will be delivered in a moment' }).waitFor();
  const messages = await stack.waitForRecipients(['ann@clients.example', 'carl@clients.example']);
  assert.ok(messages.every((m) => !m.rcptTos.includes('gone@clients.example')));

  await page.getByRole('link', { name: 'Emails', exact: true }).click();
  await page.getByLabel('Status').selectOption('blocked');
  const blockedRow = page.getByRole('row').filter({ hasText: 'Quarterly review' });
  await blockedRow.first().waitFor();
  assert.match(await blockedRow.first().innerText(), /Unsubscribed in Marketo/);
});

test('a group send shows the pre-flight summary and skipped recipients never reach the SMTP sink', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.getByRole('link', { name: 'Send to many' }).click();
  const keep = ['ann@clients.example', 'bo@clients.example', 'cy@clients.example', 'di@clients.example'];
  const csv = ['email,first_name,company',
    'ann@clients.example,Ann,Acme', 'gone@clients.example,Gil,Globex', 'bo@clients.example,Bo,Initech',
    'left@clients.example,Lea,Umbrella', 'cy@clients.example,Cy,Hooli', 'di@clients.example,Di,Stark'].join('\n');
  await page.getByLabel('Paste CSV').fill(csv);
  await page.getByTestId('csv-count').filter({ hasText: '6 recipients' }).waitFor();
  await page.getByRole('radio', { name: 'Group email' }).check();
  await page.getByLabel('Subject').fill('News for {{company}}');
  await page.getByLabel('Message').fill('Hi {{first_name}}, here is our spring update.');
  // A preview of one personalized message.
  assert.equal(await page.getByTestId('preview-subject').innerText(), 'News for Acme');
  await page.getByLabel('Preview for').selectOption({ label: 'bo@clients.example' });
  assert.match(await page.getByTestId('preview').innerText(), /Hi Bo, here is our spring update\./);

  const send = page.locator('button[type=submit]');
  assert.equal(await send.isDisabled(), true, 'Send waits for the pre-flight check');
  await page.getByRole('button', { name: 'Check recipients' }).click();
  const summary = page.getByTestId('preflight');
  await summary.getByText('Pre-flight summary').waitFor();
  assert.match(await summary.innerText(), /2 of 6 recipients are unsubscribed in Marketo and will be skipped\./);
  await summary.getByText('Show the 2 skipped recipients').click();
  assert.match(await page.getByTestId('skipped').innerText(), /gone@clients\.example — Unsubscribed in Marketo/);
  assert.equal(await send.innerText(), 'Send group email to 4 recipients');
  await screenshot(page, 'send-to-many-preflight');

  await send.click();
  await page.getByTestId('results').getByText('Your group email is on its way to 4 recipients').waitFor();
  assert.match(await page.getByTestId('results').innerText(), /2 recipients were left out because they unsubscribed/);

  const messages = await stack.waitForRecipients(keep);
  // Wait until the server has finished with every recipient (sent or silently dropped).
  const deadline = Date.now() + 15000;
  for (;;) {
    const { body } = await stack.api(adminToken, 'GET', '/emails?workflow=group&limit=100');
    if (body.emails.length >= 6 && body.emails.every((e) => ['sent', 'suppressed', 'failed'].includes(e.status))) break;
    assert.ok(Date.now() < deadline, `group emails not finished: ${JSON.stringify(body.emails.map((e) => e.status))}`);
    await sleep(100);
  }
  const all = stack.sinkMessages();
  for (const skipped of ['gone@clients.example', 'left@clients.example']) {
    assert.ok(all.every((m) => !m.rcptTos.includes(skipped) && !m.raw.toLowerCase().includes(skipped)), `${skipped} reached the SMTP sink`);
  }
  assert.ok(messages.length >= 1);
});

test('select & send shows a result per recipient', async () => {
  const page = await stack.newPage();
  await signIn(page, USER);
  await page.goto('/send-to-many');
  await page.getByLabel('Paste CSV').fill('email,first_name\nann@clients.example,Ann\nbye@clients.example,Bea\nev@clients.example,Ev');
  await page.getByRole('radio', { name: 'Each person separately' }).check();
  await page.getByLabel('Subject').fill('Hello {{first_name}}');
  await page.getByLabel('Message').fill('A note just for you, {{first_name}}.');
  await page.getByRole('button', { name: 'Check recipients' }).click();
  await page.getByTestId('preflight').getByText('1 of 3').waitFor();
  await page.getByRole('button', { name: 'Send 2 emails' }).click();
  const results = page.getByTestId('results');
  await results.getByRole('table').waitFor();
  assert.match(await results.innerText(), /2 emails queued for delivery, 1 not sent\./);
  const failedRow = results.getByRole('row').filter({ hasText: 'bye@clients.example' });
  assert.match(await failedRow.innerText(), /Not sent\s+Unsubscribed in Marketo/);
  assert.match(await results.getByRole('row').filter({ hasText: 'ev@clients.example' }).innerText(), /Queued/);
  await screenshot(page, 'send-to-many-results');
  await stack.waitForRecipients(['ev@clients.example']);
});

test('a campaign stops for an unsubscribed person and says why; admins see it all in Emails and the Dashboard', async () => {
  const page = await stack.newPage();
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByLabel('Campaign name').fill('Spring follow-up');
  await page.getByLabel('Step 1: wait after enrolling').fill('0');
  await page.getByLabel('Subject').fill('Welcome {{first_name}}');
  await page.getByLabel('Message (plain text)').fill('Glad to meet you.');
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.getByLabel('Step 2: wait after step 1').fill('3');
  await page.getByLabel('Subject').nth(1).fill('Checking in');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByRole('heading', { name: 'Spring follow-up', level: 1 }).waitFor();
  await page.getByLabel('Paste CSV').fill('email,first_name\nann@clients.example,Ann\nleft@clients.example,Lea');
  await page.getByRole('button', { name: 'Enroll 2 people' }).click();
  await page.getByRole('status').filter({ hasText: '2 people enrolled' }).waitFor();

  const row = page.getByTestId('enrollments').getByRole('row').filter({ hasText: 'left@clients.example' });
  const deadline = Date.now() + 20000;
  while (!/Stopped/.test(await row.innerText())) {
    assert.ok(Date.now() < deadline, `enrollment not stopped: ${await row.innerText()}`);
    await sleep(500);
    await page.getByRole('button', { name: 'Refresh' }).click();
  }
  assert.match(await row.innerText(), /Unsubscribed in Marketo/);
  await screenshot(page, 'campaign');

  await page.getByRole('link', { name: 'Emails', exact: true }).click();
  await page.getByLabel('Workflow').selectOption('group');
  await page.getByLabel('Status').selectOption('suppressed');
  await page.waitForURL(/status=suppressed/);
  const dropped = page.getByRole('row').filter({ hasText: 'gone@clients.example' });
  await dropped.first().waitFor();
  assert.match(await dropped.first().innerText(), /Silently dropped/);
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await page.getByRole('row').filter({ hasText: 'Welcome' }).first().waitFor();
  await screenshot(page, 'emails');

  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.locator('svg.chart').waitFor();
  assert.ok(Number(await page.getByTestId('total-blocked').innerText()) >= 1);
  assert.ok(Number(await page.getByTestId('total-suppressed').innerText()) >= 2);
  assert.ok(Number(await page.getByTestId('total-failed').innerText()) >= 2);
  const byReason = page.getByRole('region', { name: 'By reason' });
  assert.match(await byReason.innerText(), /Unsubscribed in Marketo/);
  const byWorkflow = page.getByRole('region', { name: 'By workflow' });
  assert.match(await byWorkflow.innerText(), /Group email\s+Silently dropped/);
  await screenshot(page, 'dashboard');

  const phone = await stack.newPage({ width: 375, height: 812 });
  await signIn(phone, USER);
  await phone.goto('/compose');
  await phone.getByRole('heading', { name: 'Compose' }).waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
  await phone.getByRole('button', { name: 'Menu' }).click();
  await phone.getByRole('link', { name: 'Emails', exact: true }).waitFor();
  await screenshot(phone, 'phone-compose');
});
