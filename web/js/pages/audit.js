// Audit log (admins): who changed what and when.
import { h, timeEl } from '../dom.js';
import { get } from '../api.js';
import { actionText, fieldText, valueText } from '../words.js';

export async function render() {
  const { entries } = await get('/audit');
  return h('section', { class: 'audit' },
    h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Changes to the unsubscribe settings and the Marketo connection, and emails sent without verification. Newest first.'),
    entries.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('caption', { class: 'visually-hidden' }, 'Audit log entries'),
        h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Change'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, entries.map((e) => h('tr', {},
          h('td', { 'data-label': 'When' }, timeEl(e.at)),
          h('td', { 'data-label': 'Who' }, e.actor || 'Sendguard'),
          h('td', { 'data-label': 'What' }, actionText(e.action)),
          h('td', { 'data-label': 'Change' }, changeList(e.before, e.after)))))))
      : h('p', { class: 'empty' }, 'Nothing has been changed yet.'));
}

function changeList(before, after) {
  const b = before || {};
  const a = after || {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changed = keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  const shown = changed.length ? changed : keys;
  if (!shown.length) return '—';
  return h('ul', { class: 'change-list' }, shown.map((k) => h('li', {},
    h('span', { class: 'change-field' }, fieldText(k)), ': ',
    before && k in b ? h('span', { class: 'change-old' }, valueText(k, b[k])) : null,
    before && k in b && after && k in a ? ' → ' : null,
    after && k in a ? h('span', { class: 'change-new' }, valueText(k, a[k])) : (before ? ' (removed)' : null))));
}
