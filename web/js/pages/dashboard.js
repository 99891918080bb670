// Dashboard (admins): emails blocked, failed and silently dropped per day over 30 days,
// and the same period split by workflow and by reason.
import { h, notice } from '../dom.js';
import { get, ApiError } from '../api.js';
import { stackedBars } from '../chart.js';
import { reasonText, statusText, workflowText } from '../words.js';

const SERIES = [
  { key: 'blocked', label: 'Blocked', className: 'bar-blocked' },
  { key: 'failed', label: 'Failed', className: 'bar-failed' },
  { key: 'suppressed', label: 'Silently dropped', className: 'bar-suppressed' },
];

export async function render() {
  let stats;
  try {
    stats = await get('/stats/blocked?days=30');
  } catch (err) {
    if (err.handled || !(err instanceof ApiError)) throw err;
    return h('section', {}, h('h1', {}, 'Dashboard'),
      notice('error', `The numbers could not be loaded: ${err.message} Reload the page to try again; if it keeps failing, the server may need an update.`));
  }
  const days = stats.days || [];
  const rows = days.map((d) => {
    const date = new Date(`${d.date}T00:00:00Z`);
    return {
      ...d,
      label: date.toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' }),
      short: date.toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' }),
    };
  });
  const totals = Object.fromEntries(SERIES.map((s) => [s.key, days.reduce((n, d) => n + (d[s.key] || 0), 0)]));
  const all = totals.blocked + totals.failed + totals.suppressed;
  const title = `Emails stopped per day over the last ${days.length} days: ${totals.blocked} blocked, ${totals.failed} failed, ${totals.suppressed} silently dropped`;

  return h('section', { class: 'dashboard' },
    h('h1', {}, 'Dashboard'),
    h('p', { class: 'muted' }, 'Emails the unsubscribe gate or delivery stopped over the last 30 days (UTC days).'),
    h('div', { class: 'tiles' }, SERIES.map((s) => h('div', { class: `tile tile-${s.key}` },
      h('span', { class: 'tile-number', 'data-testid': `total-${s.key}` }, totals[s.key].toLocaleString()),
      h('span', { class: 'tile-label' }, s.label)))),
    h('figure', { class: 'panel chart-figure' },
      h('figcaption', {}, h('h2', {}, 'Per day'), legend()),
      all ? stackedBars({ rows, series: SERIES, title }) : h('p', { class: 'empty' }, 'Nothing was blocked, failed or dropped in the last 30 days.'),
      h('details', {}, h('summary', {}, 'Show the numbers as a table'), dayTable(rows))),
    h('div', { class: 'grid-2' },
      h('section', { class: 'panel', 'aria-labelledby': 'by-workflow' },
        h('h2', { id: 'by-workflow' }, 'By workflow'),
        simpleTable('Emails stopped by workflow', ['Workflow', 'Outcome', 'Emails'],
          (stats.by_workflow || []).map((r) => [workflowText(r.workflow), statusText(r.status), r.count]))),
      h('section', { class: 'panel', 'aria-labelledby': 'by-reason' },
        h('h2', { id: 'by-reason' }, 'By reason'),
        simpleTable('Emails stopped by reason', ['Reason', 'Emails'],
          (stats.by_reason || []).map((r) => [reasonText(r.reason) || 'No reason recorded', r.count])))));
}

function legend() {
  return h('ul', { class: 'legend' }, SERIES.map((s) => h('li', {}, h('span', { class: `swatch ${s.className}`, 'aria-hidden': 'true' }), s.label)));
}

function dayTable(rows) {
  return simpleTable('Emails stopped per day', ['Day', ...SERIES.map((s) => s.label)],
    rows.map((r) => [r.label, ...SERIES.map((s) => r[s.key] || 0)]));
}

function simpleTable(caption, headers, rows) {
  if (!rows.length) return h('p', { class: 'empty' }, 'Nothing in the last 30 days.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table compact' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { class: typeof c === 'number' ? 'num' : null }, i === 0 ? c : (typeof c === 'number' ? c.toLocaleString() : c))))))));
}

