// Send to many: select & send (one personalized email per person) or a group email.
// A pre-flight check (POST /checks) tells who will be skipped before anything is sent.
import { h, field, notice, plural, newIdempotencyKey, clear } from '../dom.js';
import { get, post, ApiError } from '../api.js';
import { recipientsInput, MAX_RECIPIENTS } from '../recipients-input.js';
import { fill, placeholders } from '../template.js';
import { reasonText, statusText, sentence } from '../words.js';

const CHECK_BATCH = 1000; // POST /checks takes at most 1,000 recipients

export async function render(ctx) {
  const settings = await get('/settings/unsubscribe').catch((err) => { if (err.handled) throw err; return null; });
  const people = recipientsInput();
  const mode = h('fieldset', { class: 'choices' },
    h('legend', {}, 'How to send'),
    choice('mode', 'select_and_send', true, 'Each person separately',
      'One personalized email per person. Anyone who unsubscribed is not sent and shows as failed in the results.'),
    choice('mode', 'group', false, 'Group email',
      'One email to everyone on the list. Anyone who unsubscribed is quietly left out.'));
  const subject = field({ label: 'Subject', control: h('input', { type: 'text', name: 'subject' }),
    hint: 'Placeholders like {{first_name}} are filled from the CSV columns.' });
  const format = h('fieldset', { class: 'inline-choices' },
    h('legend', {}, 'Body format'),
    h('label', {}, h('input', { type: 'radio', name: 'bulk-format', value: 'text', checked: true }), ' Plain text'),
    h('label', {}, h('input', { type: 'radio', name: 'bulk-format', value: 'html' }), ' HTML'));
  const body = field({ label: 'Message', control: h('textarea', { name: 'body', rows: 8 }) });
  const insertBar = h('div', { class: 'insert-bar', 'aria-label': 'Insert a variable' });
  const previewPick = h('select', { id: 'preview-recipient', name: 'preview' });
  const previewOut = h('div', { class: 'preview-out', 'data-testid': 'preview' });
  const preflightOut = h('div', { class: 'preflight', 'data-testid': 'preflight', 'aria-live': 'polite' });
  const resultsOut = h('div', { class: 'results', 'data-testid': 'results' });
  const checkButton = h('button', { type: 'button', class: 'button-secondary', onclick: runPreflight }, 'Check recipients');
  const sendButton = h('button', { type: 'submit', class: 'button-primary', disabled: true }, 'Send');
  const sendHint = h('p', { class: 'hint', id: 'send-hint' }, 'Check the recipients first; Send is available once the check has run.');
  sendButton.setAttribute('aria-describedby', 'send-hint');
  let preflight = null; // { key, skipped, total, unavailable }
  let idempotencyKey = newIdempotencyKey();

  const isHtml = () => format.querySelector('input:checked').value === 'html';
  const currentMode = () => mode.querySelector('input:checked').value;
  const listKey = () => people.parsed.recipients.map((r) => r.email.toLowerCase()).join('\n');

  function invalidate() {
    idempotencyKey = newIdempotencyKey();
    if (preflight && preflight.key !== listKey()) {
      preflight = null;
      clear(preflightOut, notice('info', 'The list changed: check the recipients again before sending.'));
    }
    sendButton.disabled = !preflight;
    updateSendLabel();
  }

  function updateSendLabel() {
    if (!preflight) { sendButton.textContent = 'Send'; return; }
    const count = preflight.total - preflight.skipped.length;
    sendButton.textContent = currentMode() === 'group'
      ? `Send group email to ${plural(count, 'recipient')}`
      : `Send ${plural(count, 'email')}`;
  }

  function renderInsertBar() {
    const vars = people.parsed.variables;
    clear(insertBar, ...(vars.length ? [h('span', { class: 'hint' }, 'Insert: '),
      ...vars.map((v) => h('button', { type: 'button', class: 'chip-button', onclick: () => insertVar(v) }, `{{${v}}}`))] : []));
  }

  function insertVar(name) {
    const target = document.activeElement === subject.control ? subject.control : body.control;
    const at = target.selectionStart ?? target.value.length;
    target.value = `${target.value.slice(0, at)}{{${name}}}${target.value.slice(target.selectionEnd ?? at)}`;
    target.focus();
    target.selectionStart = target.selectionEnd = at + name.length + 4;
    renderPreview();
  }

  function renderPreviewChoices() {
    const list = people.parsed.recipients.slice(0, 200);
    clear(previewPick, ...list.map((r, i) => h('option', { value: String(i) }, r.email)));
    previewPick.disabled = list.length === 0;
  }

  function renderPreview() {
    const recipient = people.parsed.recipients[Number(previewPick.value) || 0];
    if (!recipient) {
      clear(previewOut, h('p', { class: 'hint' }, 'Add recipients to see a personalized preview.'));
      return;
    }
    const s = fill(subject.control.value, recipient.vars);
    const b = fill(body.control.value, recipient.vars, { html: isHtml() });
    const missing = [...new Set([...s.missing, ...b.missing])];
    const bodyView = isHtml()
      ? h('iframe', { class: 'html-preview', title: `HTML preview for ${recipient.email}`, sandbox: '', srcdoc: b.text })
      : h('pre', { class: 'text-preview' }, b.text || '(empty message)');
    clear(previewOut, 
      h('dl', { class: 'preview-head' },
        h('dt', {}, 'To'), h('dd', {}, recipient.email),
        h('dt', {}, 'Subject'), h('dd', { 'data-testid': 'preview-subject' }, s.text || '(no subject)')),
      bodyView,
      missing.length ? notice('warning', `${recipient.email} has no value for ${missing.map((m) => `{{${m}}}`).join(', ')}. Add the column to the CSV or remove the placeholder — the send is refused otherwise.`) : null);
  }

  function missingVariables() {
    const used = placeholders(subject.control.value, body.control.value);
    const problems = [];
    for (const r of people.parsed.recipients) {
      const lacking = used.filter((name) => !(name in r.vars));
      if (lacking.length) problems.push({ r, lacking });
    }
    return problems;
  }

  async function runPreflight() {
    const recipients = people.parsed.recipients;
    clear(resultsOut);
    if (recipients.length === 0) {
      clear(preflightOut, notice('error', 'There are no recipients yet. Paste a CSV or upload a file first.'));
      people.focus();
      return;
    }
    if (recipients.length > MAX_RECIPIENTS) {
      clear(preflightOut, notice('error', `At most ${MAX_RECIPIENTS.toLocaleString()} recipients per send. Split the list and send each part.`));
      return;
    }
    checkButton.disabled = true;
    checkButton.textContent = 'Checking…';
    clear(preflightOut, h('p', { class: 'loading' }, `Checking ${plural(recipients.length, 'recipient')}…`));
    const key = listKey();
    try {
      const skipped = [];
      for (let i = 0; i < recipients.length; i += CHECK_BATCH) {
        const batch = recipients.slice(i, i + CHECK_BATCH).map((r) => r.email);
        const answer = await post('/checks', { recipients: batch, source: 'web_app' });
        for (const res of answer.results) if (!res.allowed) skipped.push(res);
        clear(preflightOut, h('p', { class: 'loading' }, `Checked ${Math.min(i + CHECK_BATCH, recipients.length)} of ${recipients.length}…`));
      }
      preflight = { key, skipped, total: recipients.length, unavailable: false };
      renderPreflight();
    } catch (err) {
      if (err.handled) return;
      if (err instanceof ApiError && err.code === 'unsubscribe_check_unavailable') {
        preflight = { key, skipped: [], total: recipients.length, unavailable: true };
        clear(preflightOut, notice('warning',
          h('p', { class: 'notice-title' }, 'Could not verify the unsubscribe status with Marketo right now. Nothing has been sent.'),
          h('p', {}, 'Check again in a few minutes. If you send anyway, every email waits (held) until Marketo answers and is never sent to someone unverified.')));
      } else {
        preflight = null;
        clear(preflightOut, notice('error', `The check failed: ${sentence(err.message)} Fix the list or try again.`));
      }
    } finally {
      checkButton.disabled = false;
      checkButton.textContent = 'Check recipients';
      sendButton.disabled = !preflight;
      updateSendLabel();
    }
  }

  function renderPreflight() {
    const { skipped, total } = preflight;
    const byReason = new Map();
    for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) || []), s.email]);
    const lines = [...byReason].map(([reason, emails]) => h('p', { class: 'preflight-line' },
      h('strong', {}, `${emails.length} of ${total.toLocaleString()}`),
      ` ${emails.length === 1 ? 'recipient is' : 'recipients are'} ${reasonPhrase(reason)} and will be skipped.`));
    const checkOff = settings && !settings.marketo_check_enabled;
    clear(preflightOut, 
      h('h3', {}, 'Pre-flight summary'),
      skipped.length === 0
        ? notice('success', `All ${plural(total, 'recipient')} can be emailed.`)
        : notice('warning', ...lines,
          h('details', {}, h('summary', {}, `Show the ${plural(skipped.length, 'skipped recipient')}`),
            h('ul', { class: 'skipped-list', 'data-testid': 'skipped' }, skipped.map((s) => h('li', {}, `${s.email} — ${reasonText(s.reason)}`))))),
      h('p', { class: 'hint' }, `${plural(total - skipped.length, 'recipient')} will get the email. ` +
        (currentMode() === 'group' ? 'Skipped people are left out quietly; admins see them in Emails as silently dropped.' : 'Skipped people show as failed in the results.')),
      checkOff ? h('p', { class: 'hint' }, 'The Marketo unsubscribe check is off for your team, so only your team\'s suppression list was checked.') : null);
  }

  async function onSubmit(e) {
    e.preventDefault();
    clear(resultsOut);
    if (!preflight || preflight.key !== listKey()) { invalidate(); return; }
    subject.setError('');
    const lacking = missingVariables();
    if (lacking.length) {
      const first = lacking[0];
      subject.setError('');
      clear(resultsOut, notice('error',
        `${plural(lacking.length, 'recipient has', 'recipients have')} no value for a placeholder — for example row ${first.r.row} (${first.r.email}) lacks ${first.lacking.map((n) => `{{${n}}}`).join(', ')}. Add the column to the CSV or remove the placeholder, then send.`));
      return;
    }
    const request = {
      mode: currentMode(), source: 'web_app',
      recipients: people.parsed.recipients.map((r) => ({ email: r.email, vars: r.vars })),
      subject: subject.control.value,
      idempotency_key: idempotencyKey,
    };
    request[isHtml() ? 'html' : 'text'] = body.control.value;
    sendButton.disabled = true;
    const label = sendButton.textContent;
    sendButton.textContent = 'Sending…';
    try {
      const answer = await post('/bulk-sends', request);
      renderResults(request, answer);
    } catch (err) {
      if (err.handled) return;
      const target = err.field && { subject, text: body, html: body }[err.field];
      if (target) target.setError(`${sentence(err.message)} Correct it, then send.`);
      clear(resultsOut, notice('error', `Nothing was sent: ${sentence(err.message)} Correct it and send again.`));
    } finally {
      sendButton.disabled = false;
      sendButton.textContent = label;
    }
  }

  function renderResults(request, answer) {
    const emails = answer.emails || [];
    const failed = emails.filter((e) => e.status === 'failed');
    const ok = emails.length - failed.length;
    if (request.mode === 'group') {
      const left = request.recipients.length - emails.length;
      clear(resultsOut, h('h2', {}, 'Result'), notice('success',
        `Your group email is on its way to ${plural(ok, 'recipient')}.`,
        left ? ` ${plural(left, 'recipient was', 'recipients were')} left out because they unsubscribed.` : '',
        ' ', h('a', { href: '/emails?workflow=group' }, 'Follow it in Emails'), '.'));
      return;
    }
    clear(resultsOut, 
      h('h2', {}, 'Results'),
      notice(failed.length ? 'warning' : 'success',
        `${plural(ok, 'email')} queued for delivery`, failed.length ? `, ${failed.length} not sent.` : '.', ' ',
        h('a', { href: '/emails?workflow=select_and_send' }, 'Follow them in Emails'), '.'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('caption', {}, 'Per-recipient results'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Recipient'), h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Reason'))),
        h('tbody', {}, [...failed, ...emails.filter((e) => e.status !== 'failed')].map((e) => h('tr', { class: `row-${e.status}` },
          h('td', {}, e.email),
          h('td', {}, h('span', { class: `badge badge-${e.status}` }, e.status === 'failed' ? 'Not sent' : statusText(e.status))),
          h('td', {}, reasonText(e.reason))))))));
    resultsOut.scrollIntoView({ block: 'nearest' });
  }

  people.onChange(() => { renderPreviewChoices(); renderInsertBar(); renderPreview(); invalidate(); });
  for (const el of [subject.control, body.control]) el.addEventListener('input', () => { renderPreview(); idempotencyKey = newIdempotencyKey(); });
  format.addEventListener('change', renderPreview);
  mode.addEventListener('change', () => { idempotencyKey = newIdempotencyKey(); updateSendLabel(); if (preflight && !preflight.unavailable) renderPreflight(); });
  previewPick.addEventListener('change', renderPreview);
  renderPreview();

  return h('section', { class: 'bulk' },
    h('h1', {}, 'Send to many'),
    h('p', { class: 'muted' }, 'Send one message to a list of people. Everyone is checked against Marketo and your suppression list first.'),
    h('form', { onsubmit: onSubmit, novalidate: true, class: 'stack' },
      h('div', { class: 'grid-2' },
        h('div', { class: 'stack' }, people.wrap, mode, subject.wrap, format, insertBar, body.wrap),
        h('div', { class: 'stack' },
          h('section', { class: 'panel', 'aria-labelledby': 'preview-title' },
            h('h2', { id: 'preview-title' }, 'Preview'),
            h('div', { class: 'field' }, h('label', { for: 'preview-recipient' }, 'Preview for'), previewPick),
            previewOut),
          h('section', { class: 'panel', 'aria-labelledby': 'preflight-title' },
            h('h2', { id: 'preflight-title' }, 'Before sending'),
            h('p', { class: 'hint' }, 'See who will be skipped before anything goes out.'),
            h('div', { class: 'actions' }, checkButton),
            preflightOut,
            h('div', { class: 'actions' }, sendButton),
            sendHint))),
      resultsOut));
}

function choice(name, value, checked, title, description) {
  const id = `${name}-${value}`;
  return h('div', { class: 'choice' },
    h('input', { type: 'radio', id, name, value, checked, 'aria-describedby': `${id}-desc` }),
    h('label', { for: id }, h('strong', {}, title)),
    h('p', { class: 'hint', id: `${id}-desc` }, description));
}

function reasonPhrase(reason) {
  if (reason === 'marketo_unsubscribed') return 'unsubscribed in Marketo';
  if (reason === 'suppressed') return "on your team's suppression list";
  return reasonText(reason).toLowerCase();
}

