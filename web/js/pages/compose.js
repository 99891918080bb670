// Compose: one individual email. The server's gate may refuse it (422: named recipients
// are unsubscribed) or be unable to verify (503); both mean nothing was sent.
import { h, field, notice, newIdempotencyKey, plural, clear } from '../dom.js';
import { post, ApiError } from '../api.js';
import { addressField } from '../address-field.js';
import { sentence } from '../words.js';

export async function render() {
  const to = addressField({ label: 'To', name: 'to', hint: 'Separate addresses with commas or press Enter after each.' });
  const cc = addressField({ label: 'Cc', name: 'cc' });
  const bcc = addressField({ label: 'Bcc', name: 'bcc' });
  const subject = field({ label: 'Subject', control: h('input', { type: 'text', name: 'subject', maxlength: 998 }) });
  const format = h('fieldset', { class: 'inline-choices' },
    h('legend', {}, 'Body format'),
    h('label', {}, h('input', { type: 'radio', name: 'format', value: 'text', checked: true }), ' Plain text'),
    h('label', {}, h('input', { type: 'radio', name: 'format', value: 'html' }), ' HTML'));
  const body = field({ label: 'Message', control: h('textarea', { name: 'body', rows: 10 }) });
  const status = h('div', { class: 'form-status', 'data-testid': 'compose-status' });
  const send = h('button', { type: 'submit', class: 'button-primary' }, 'Send');
  let idempotencyKey = newIdempotencyKey();
  const addressFields = { to, cc, bcc };
  // Any edit makes a new email: a retry of the very same content reuses the key.
  for (const f of [to, cc, bcc]) f.onChange(() => { idempotencyKey = newIdempotencyKey(); });
  for (const el of [subject.control, body.control]) el.addEventListener('input', () => { idempotencyKey = newIdempotencyKey(); });

  function resetErrors() {
    clear(status);
    for (const f of [to, cc, bcc, subject, body]) f.setError('');
    for (const f of [to, cc, bcc]) f.flag(new Map());
  }

  async function onSubmit(e) {
    e.preventDefault();
    resetErrors();
    const message = {
      workflow: 'individual', source: 'web_app',
      to: to.values(), cc: cc.values(), bcc: bcc.values(),
      subject: subject.control.value,
      idempotency_key: idempotencyKey,
    };
    const html = format.querySelector('input:checked').value === 'html';
    message[html ? 'html' : 'text'] = body.control.value;
    if (message.to.length + message.cc.length + message.bcc.length === 0) {
      to.setError('Add at least one recipient.');
      to.input.focus();
      return;
    }
    send.disabled = true;
    send.textContent = 'Checking and sending…';
    try {
      const accepted = await post('/emails', message);
      clear(status, notice('success',
        'Sent to the queue — it will be delivered in a moment. ',
        h('a', { href: `/emails?highlight=${encodeURIComponent(accepted.id)}` }, 'See it in Emails'), '.'));
      for (const f of [to, cc, bcc]) f.set([]);
      subject.control.value = '';
      body.control.value = '';
      idempotencyKey = newIdempotencyKey();
    } catch (err) {
      showError(err, message);
    } finally {
      send.disabled = false;
      send.textContent = 'Send';
    }
  }

  function showError(err, message) {
    if (!(err instanceof ApiError)) throw err;
    if (err.handled) return;
    if (err.code === 'recipient_unsubscribed') {
      const names = err.recipients;
      for (const [, f] of Object.entries(addressFields)) f.flag(new Map(names.map((n) => [n, 'unsubscribed'])));
      const removeButton = h('button', { type: 'button', class: 'button-secondary', onclick: () => {
        for (const f of [to, cc, bcc]) f.removeFlagged();
        clear(status, notice('info', 'Removed. Check the recipients and press Send again.'));
        to.input.focus();
      } }, `Remove ${names.length === 1 ? 'this recipient' : 'these recipients'}`);
      clear(status, notice('error',
        h('p', { class: 'notice-title' }, `Not sent — ${plural(names.length, 'recipient has', 'recipients have')} unsubscribed:`),
        h('ul', { class: 'named-recipients', 'data-testid': 'unsubscribed-recipients' }, names.map((n) => h('li', {}, h('strong', {}, n)))),
        h('p', {}, 'Nothing was sent to anyone. Remove the highlighted ',
          names.length === 1 ? 'address' : 'addresses', ' and send again.'),
        removeButton));
      const first = [to, cc, bcc].find((f) => f.flaggedIn().length);
      if (first) first.wrap.scrollIntoView({ block: 'nearest' });
      return;
    }
    if (err.code === 'unsubscribe_check_unavailable') {
      clear(status, notice('error',
        h('p', { class: 'notice-title' }, 'Could not verify the unsubscribe status with Marketo, so nothing was sent.'),
        h('p', {}, 'Your email is kept here: try Send again in a few minutes. If it keeps happening, ask an admin of your team to check the Marketo connection in Settings.')));
      return;
    }
    if (err.code === 'invalid_request') {
      const target = err.field && ({ to, cc, bcc, subject, text: body, html: body }[err.field.replace(/\[.*$/, '')]);
      const text = `${sentence(err.message)} Correct it and send again.`;
      if (target) { target.setError(text); (target.input || target.control).focus(); }
      else clear(status, notice('error', text));
      return;
    }
    clear(status, notice('error', `Not sent: ${sentence(err.message)} Try again; if it keeps failing, tell your admin.`));
  }

  return h('section', { class: 'compose' },
    h('h1', {}, 'Compose'),
    h('p', { class: 'muted' }, 'Every recipient is checked against Marketo and your suppression list before the email leaves.'),
    h('form', { onsubmit: onSubmit, novalidate: true, class: 'stack' },
      to.wrap, cc.wrap, bcc.wrap, subject.wrap, format, body.wrap,
      status,
      h('div', { class: 'actions' }, send)));
}
