// Integrations → "Marketo webhook" (admins): create or rotate the team's webhook, see the
// URL, the header, the secret (once) and the payload template to paste into Marketo's
// Call Webhook step, when Marketo last called, and delete it.
import { h, notice, timeEl, clear } from '../dom.js';
import { post, del } from '../api.js';
import { sentence } from '../words.js';
import { copyBlock } from '../copy.js';

// `webhook` is GET /integrations/marketo's "webhook" (null when there is none).
export function webhookPanel(initial) {
  let webhook = initial;
  const panel = h('section', { class: 'panel', id: 'marketo-webhook', 'aria-labelledby': 'webhook-title', tabindex: '-1' });

  function render(created, message) {
    clear(panel, h('h2', { id: 'webhook-title' }, 'Webhook'),
      h('p', { class: 'hint' }, 'Optional, beside the activity feed: a Marketo trigger campaign ("Unsubscribes from Email", or "Data Value Changes" on Unsubscribed) with a Call Webhook step tells Sendguard of an unsubscribe at once.'));
    if (webhook) {
      panel.append(h('dl', { class: 'facts' },
        h('dt', {}, 'URL'), h('dd', { 'data-testid': 'webhook-url' }, webhook.url),
        h('dt', {}, 'Header'), h('dd', {}, webhook.header),
        h('dt', {}, 'Created'), h('dd', {}, timeEl(webhook.created_at)),
        h('dt', {}, 'Last call from Marketo'), h('dd', { 'data-testid': 'webhook-last-call' },
          webhook.last_call_at ? timeEl(webhook.last_call_at) : 'None yet')),
        h('p', { class: 'hint' }, 'Rotating gives a new URL and secret at once: update the webhook in Marketo right after.'));
    } else {
      panel.append(h('p', { 'data-testid': 'webhook-status' }, 'No webhook yet.'));
    }
    if (created) {
      panel.append(notice('success',
        h('p', { class: 'notice-title' }, 'Copy the secret now: it is shown only this once.'),
        h('p', {}, `In Marketo (Admin → Webhooks → New Webhook): URL as above, request type POST, request token encoding JSON, response type JSON; under Set Custom Header add ${created.header} with this secret.`)),
      h('h3', {}, 'Secret'), copyBlock('secret', created.secret, 'webhook-secret'),
      h('h3', {}, 'Payload template'), copyBlock('template', created.payload_template, 'webhook-template'));
    }
    const status = h('div', { class: 'form-status' }, message || null);
    panel.append(h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'button-primary', onclick: create }, webhook ? 'Rotate URL and secret' : 'Create webhook'),
      webhook ? h('button', { type: 'button', class: 'button-danger-quiet', onclick: remove }, 'Delete') : null), status);
  }

  async function create() {
    try {
      const created = await post('/integrations/marketo/webhook');
      webhook = { url: created.url, header: created.header, created_at: new Date().toISOString(), last_call_at: null };
      render(created);
      panel.focus();
    } catch (err) {
      if (err.handled) return;
      render(null, notice('error', `No webhook was created: ${sentence(err.message)}`));
    }
  }

  async function remove() {
    try {
      await del('/integrations/marketo/webhook');
      webhook = null;
      render(null, notice('success', 'The webhook is deleted; Marketo\'s calls to it are now refused. Remove the Call Webhook step in Marketo too.'));
    } catch (err) {
      if (err.handled) return;
      render(null, notice('error', `The webhook was not deleted: ${sentence(err.message)}`));
    }
  }

  render(null);
  return panel;
}
