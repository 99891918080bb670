// Emails: the log, filtered by status and workflow, with reasons in words.
import { h, timeEl, notice } from '../dom.js';
import { get } from '../api.js';
import { STATUSES, WORKFLOWS, reasonText, statusText, workflowText, SOURCES } from '../words.js';

export async function render(ctx) {
  const status = ctx.query.get('status') || '';
  const workflow = ctx.query.get('workflow') || '';
  const highlight = ctx.query.get('highlight');
  const params = new URLSearchParams({ limit: '50' });
  if (status) params.set('status', status);
  if (workflow) params.set('workflow', workflow);
  const first = await get(`/emails?${params}`);

  const statusSelect = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'All statuses'),
    Object.entries(STATUSES).map(([v, label]) => h('option', { value: v, selected: v === status }, label)));
  const workflowSelect = h('select', { id: 'filter-workflow', name: 'workflow' },
    h('option', { value: '' }, 'All workflows'),
    Object.entries(WORKFLOWS).map(([v, label]) => h('option', { value: v, selected: v === workflow }, label)));
  const applyFilters = () => {
    const q = new URLSearchParams();
    if (statusSelect.value) q.set('status', statusSelect.value);
    if (workflowSelect.value) q.set('workflow', workflowSelect.value);
    ctx.navigate(`/emails${q.toString() ? `?${q}` : ''}`);
  };
  statusSelect.addEventListener('change', applyFilters);
  workflowSelect.addEventListener('change', applyFilters);

  const tbody = h('tbody', {});
  const more = h('button', { type: 'button', class: 'button-secondary' }, 'Show more');
  let cursor = first.next_cursor;
  const appendRows = (emails) => tbody.append(...emails.map((e) => row(e, ctx.admin, e.id === highlight)));
  appendRows(first.emails);
  more.hidden = !cursor;
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await get(`/emails?${params}&cursor=${encodeURIComponent(cursor)}`);
      appendRows(page.emails);
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      if (!err.handled) more.after(notice('error', `Could not load more: ${err.message} Press Show more to try again.`));
    } finally {
      more.disabled = false;
    }
  });

  const headers = ['Created', ...(ctx.admin ? ['From'] : []), 'To', 'Subject', 'Workflow', 'Status', 'Reason'];
  const table = first.emails.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'table emails-table' },
      h('caption', { class: 'visually-hidden' }, 'Emails'),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))), tbody))
    : h('p', { class: 'empty' }, status || workflow ? 'No emails match these filters. Choose other filters to see more.' : 'No emails yet. Send one from Compose.');

  return h('section', { class: 'emails' },
    h('h1', {}, 'Emails'),
    h('p', { class: 'muted' }, ctx.admin
      ? 'Every email of your team, including recipients silently left out of group emails.'
      : 'The emails you sent, with the reason when one was not delivered.'),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter emails', onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
      h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
      h('div', { class: 'field' }, h('label', { for: 'filter-workflow' }, 'Workflow'), workflowSelect),
      status || workflow ? h('a', { href: '/emails', class: 'button-link' }, 'Clear filters') : null),
    table,
    h('div', { class: 'actions' }, more));
}

function row(e, admin, highlighted) {
  const recipients = [...(e.to || []), ...(e.cc || []), ...(e.bcc || [])];
  return h('tr', { class: [`row-${e.status}`, highlighted && 'row-highlight'], dataset: { id: e.id } },
    h('td', { 'data-label': 'Created' }, timeEl(e.created_at)),
    admin ? h('td', { 'data-label': 'From' }, e.from || '—') : null,
    h('td', { 'data-label': 'To' }, recipients.join(', ') || '—'),
    h('td', { 'data-label': 'Subject' }, e.subject || '(no subject)'),
    h('td', { 'data-label': 'Workflow' }, workflowText(e.workflow),
      e.source && e.source !== 'web_app' ? h('span', { class: 'hint' }, ` · ${SOURCES[e.source] || e.source}`) : null),
    h('td', { 'data-label': 'Status' }, h('span', { class: `badge badge-${e.status}` }, statusText(e.status)),
      e.unverified ? h('span', { class: 'hint' }, ' · sent unverified') : null),
    h('td', { 'data-label': 'Reason' }, reasonText(e.reason) || '—'));
}
