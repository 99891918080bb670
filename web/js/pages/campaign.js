// One campaign: its steps, enrolling people (paste or CSV) and each enrollment's state.
import { h, notice, timeEl, plural, clear } from '../dom.js';
import { get, post } from '../api.js';
import { recipientsInput } from '../recipients-input.js';
import { reasonText, ENROLLMENT_STATES, sentence } from '../words.js';
import { describeDelay } from './campaigns.js';

export async function render(ctx) {
  const id = ctx.params.id;
  const [campaign, enrollments] = await Promise.all([
    get(`/campaigns/${encodeURIComponent(id)}`),
    get(`/campaigns/${encodeURIComponent(id)}/enrollments`),
  ]);
  const tableSlot = h('div', { 'data-testid': 'enrollments' });
  renderTable(tableSlot, campaign, enrollments.enrollments);

  const people = recipientsInput({ legend: 'Enroll people', example: 'email,first_name\nann@example.com,Ann' });
  const status = h('div', { class: 'form-status' });
  const enrollButton = h('button', { type: 'submit', class: 'button-primary' }, 'Enroll');
  people.onChange((p) => { enrollButton.textContent = p.recipients.length ? `Enroll ${plural(p.recipients.length, 'person', 'people')}` : 'Enroll'; });

  async function onEnroll(e) {
    e.preventDefault();
    clear(status);
    const recipients = people.parsed.recipients.map((r) => ({ email: r.email, vars: r.vars }));
    if (!recipients.length) {
      clear(status, notice('error', 'Add at least one person: paste a CSV with an email column, or upload a file.'));
      people.focus();
      return;
    }
    enrollButton.disabled = true;
    try {
      const answer = await post(`/campaigns/${encodeURIComponent(id)}/enrollments`, { recipients });
      clear(status, notice('success', `${plural(answer.enrollments.length, 'person', 'people')} enrolled. Their first step goes out on schedule.`));
      people.textarea.value = '';
      people.textarea.dispatchEvent(new Event('input'));
      await refresh();
    } catch (err) {
      if (err.handled) return;
      clear(status, notice('error', `Nobody was enrolled: ${sentence(err.message)} Fix the list and try again.`));
    } finally {
      enrollButton.disabled = false;
    }
  }

  async function refresh() {
    const latest = await get(`/campaigns/${encodeURIComponent(id)}/enrollments`);
    renderTable(tableSlot, campaign, latest.enrollments);
  }

  return h('section', { class: 'campaign' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '/campaigns' }, 'Campaigns'), ' › ', campaign.name),
    h('h1', {}, campaign.name),
    h('p', { class: 'muted' }, `Created ${new Date(campaign.created_at).toLocaleDateString()} · ${plural(campaign.steps.length, 'step')}`),
    h('ol', { class: 'step-summary' }, campaign.steps.map((s, i) => h('li', {},
      h('strong', {}, s.subject || '(no subject)'), h('span', { class: 'hint' }, ` — ${describeDelay(s.delay_seconds, i === 0)}`)))),
    h('div', { class: 'grid-2' },
      h('form', { onsubmit: onEnroll, novalidate: true, class: 'stack panel' }, people.wrap, status, h('div', { class: 'actions' }, enrollButton)),
      h('section', { class: 'stack', 'aria-labelledby': 'enrollments-title' },
        h('div', { class: 'section-head' },
          h('h2', { id: 'enrollments-title' }, 'Enrollments'),
          h('button', { type: 'button', class: 'button-secondary', onclick: () => refresh().catch(() => {}) }, 'Refresh')),
        tableSlot)));
}

function renderTable(slot, campaign, enrollments) {
  if (!enrollments.length) {
    clear(slot, h('p', { class: 'empty' }, 'Nobody is enrolled yet.'));
    return;
  }
  const counts = {};
  for (const e of enrollments) counts[e.state] = (counts[e.state] || 0) + 1;
  clear(slot, 
    h('p', { class: 'hint' }, Object.entries(counts).map(([s, n]) => `${n} ${(ENROLLMENT_STATES[s] || s).toLowerCase()}`).join(' · ')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, 'Enrollments'),
      h('thead', {}, h('tr', {}, ['Person', 'State', 'Next step', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, enrollments.map((e) => h('tr', {},
        h('td', {}, e.email),
        h('td', {}, h('span', { class: `badge badge-${e.state}` }, ENROLLMENT_STATES[e.state] || e.state)),
        h('td', {}, e.state === 'active' && e.next_step < campaign.steps.length
          ? [`Step ${e.next_step + 1}, `, timeEl(e.next_due_at)] : '—'),
        h('td', {}, reasonText(e.reason) || '—')))))));
}
