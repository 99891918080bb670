// Recipients from pasted CSV or an uploaded file, shared by Send to many and campaign
// enrollment. Shows what was understood (count, variables, problems) as the user edits.
import { h, nextId, plural, clear } from './dom.js';
import { parseRecipients } from './csv.js';

export const MAX_RECIPIENTS = 10000;

export function recipientsInput({ legend = 'Recipients', example = 'email,first_name,company\nann@example.com,Ann,Acme\nbob@example.com,Bob,Globex' } = {}) {
  const textId = nextId('csv');
  const fileId = nextId('file');
  const summaryId = nextId('csv-summary');
  const textarea = h('textarea', {
    id: textId, name: 'csv', rows: 7, spellcheck: 'false', class: 'mono',
    placeholder: example, 'aria-describedby': `${textId}-hint ${summaryId}`,
  });
  const file = h('input', { id: fileId, type: 'file', accept: '.csv,text/csv,text/plain' });
  const summary = h('div', { id: summaryId, class: 'csv-summary', 'aria-live': 'polite' });
  const listeners = [];
  let parsed = parseRecipients('');

  function update() {
    parsed = parseRecipients(textarea.value);
    if (parsed.recipients.length > MAX_RECIPIENTS) {
      parsed.problems.unshift(`${parsed.recipients.length.toLocaleString()} recipients is more than ${MAX_RECIPIENTS.toLocaleString()}: split the list into smaller files and send each.`);
    }
    renderSummary();
    listeners.forEach((fn) => fn(parsed));
  }

  function renderSummary() {
    if (!textarea.value.trim()) { clear(summary); return; }
    const { recipients, variables, problems, duplicates } = parsed;
    const rows = recipients.slice(0, 5);
    clear(summary, 
      h('p', { class: 'csv-count', 'data-testid': 'csv-count' },
        h('strong', {}, plural(recipients.length, 'recipient')),
        variables.length ? ` · variables: ${variables.map((v) => `{{${v}}}`).join(', ')}` : ' · no variable columns'),
      duplicates ? h('p', { class: 'hint' }, `${plural(duplicates, 'duplicate row')} left out (each address gets one email).`) : null,
      problems.length ? h('div', { class: 'notice notice-warning', role: 'status' },
        h('p', { class: 'notice-title' }, `${plural(problems.length, 'row needs', 'rows need')} attention — those rows are left out until fixed:`),
        h('ul', {}, problems.slice(0, 8).map((p) => h('li', {}, p))),
        problems.length > 8 ? h('p', {}, `…and ${problems.length - 8} more.`) : null) : null,
      rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table compact' },
        h('caption', { class: 'visually-hidden' }, 'First recipients in the list'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'email'), variables.map((v) => h('th', { scope: 'col' }, v)))),
        h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, r.email), variables.map((v) => h('td', {}, r.vars[v] ?? ''))))))) : null,
      recipients.length > rows.length ? h('p', { class: 'hint' }, `Showing the first ${rows.length}.`) : null);
  }

  textarea.addEventListener('input', update);
  file.addEventListener('change', async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    textarea.value = await chosen.text();
    update();
  });

  const wrap = h('fieldset', { class: 'recipients-input' },
    h('legend', {}, legend),
    h('div', { class: 'field' },
      h('label', { for: textId }, 'Paste CSV'),
      h('p', { class: 'hint', id: `${textId}-hint` }, 'First row: column names, with one column called email. Other columns become variables such as {{first_name}}.'),
      textarea),
    h('div', { class: 'field' }, h('label', { for: fileId }, 'Or upload a CSV file'), file),
    summary);

  return {
    wrap, textarea,
    get parsed() { return parsed; },
    onChange(fn) { listeners.push(fn); },
    focus() { textarea.focus(); },
  };
}
