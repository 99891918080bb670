// Campaigns: the team's campaigns and a form to create one with steps and delays.
import { h, field, notice, timeEl, plural, nextId, clear } from '../dom.js';
import { get, post } from '../api.js';
import { sentence } from '../words.js';

const UNITS = { minutes: 60, hours: 3600, days: 86400 };

export function describeDelay(seconds, first) {
  const from = first ? 'after enrolling' : 'after the previous step';
  if (!seconds) return first ? 'Right after enrolling' : 'Right after the previous step';
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (seconds % size === 0) return `${plural(seconds / size, unit)} ${from}`;
  }
  return `${plural(seconds, 'second')} ${from}`;
}

export async function render(ctx) {
  const { campaigns } = await get('/campaigns');
  const list = campaigns.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, 'Campaigns'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Steps'), h('th', { scope: 'col' }, 'Created'))),
      h('tbody', {}, campaigns.map((c) => h('tr', {},
        h('td', {}, h('a', { href: `/campaigns/${encodeURIComponent(c.id)}` }, c.name)),
        h('td', {}, String(c.step_count)),
        h('td', {}, timeEl(c.created_at)))))))
    : h('p', { class: 'empty' }, 'No campaigns yet. Create the first one below.');

  return h('section', { class: 'campaigns' },
    h('h1', {}, 'Campaigns'),
    h('p', { class: 'muted' }, 'A campaign sends a series of emails to each enrolled person. If someone unsubscribes, their next step fails with the reason and their campaign stops.'),
    list,
    createForm(ctx));
}

function createForm(ctx) {
  const name = field({ label: 'Campaign name', control: h('input', { type: 'text', name: 'name', required: true }) });
  const stepsEl = h('ol', { class: 'steps' });
  const status = h('div', { class: 'form-status' });
  const steps = [];

  function addStep() {
    const index = steps.length;
    const delay = h('input', { type: 'number', min: '0', step: '1', value: index === 0 ? '0' : '2', class: 'narrow' });
    const unit = h('select', {}, Object.keys(UNITS).map((u) => h('option', { value: u, selected: u === 'days' }, u)));
    const delayId = nextId('delay');
    delay.id = delayId;
    unit.setAttribute('aria-label', 'Delay unit');
    const subject = field({ label: 'Subject', control: h('input', { type: 'text' }) });
    const body = field({ label: 'Message (plain text)', control: h('textarea', { rows: 4 }) });
    const delayError = h('p', { class: 'field-error', hidden: true });
    const heading = h('h3', {});
    const remove = h('button', { type: 'button', class: 'button-quiet' }, 'Remove step');
    const li = h('li', { class: 'step panel' },
      h('div', { class: 'step-head' }, heading, remove),
      h('div', { class: 'field' },
        h('label', { for: delayId, class: 'delay-label' }, ''),
        h('div', { class: 'inline' }, delay, unit), delayError),
      subject.wrap, body.wrap);
    const step = { li, delay, unit, subject, body, delayError };
    remove.addEventListener('click', () => {
      steps.splice(steps.indexOf(step), 1);
      li.remove();
      renumber();
      (steps[0] ? steps[0].subject.control : name.control).focus();
    });
    steps.push(step);
    stepsEl.append(li);
    renumber();
    return step;
  }

  function renumber() {
    steps.forEach((s, i) => {
      s.li.querySelector('h3').textContent = `Step ${i + 1}`;
      s.li.querySelector('.delay-label').textContent = i === 0 ? `Step ${i + 1}: wait after enrolling` : `Step ${i + 1}: wait after step ${i}`;
      s.li.querySelector('.step-head button').hidden = steps.length === 1;
    });
  }

  async function onSubmit(e) {
    e.preventDefault();
    clear(status);
    name.setError('');
    let firstBad = null;
    if (!name.control.value.trim()) { name.setError('Give the campaign a name.'); firstBad = firstBad || name.control; }
    const body = { name: name.control.value.trim(), steps: [] };
    for (const s of steps) {
      s.subject.setError(''); s.delayError.hidden = true;
      const n = Number(s.delay.value);
      if (!Number.isInteger(n) || n < 0) {
        s.delayError.hidden = false; s.delayError.textContent = 'Enter a whole number, 0 or more.';
        firstBad = firstBad || s.delay;
      }
      if (!s.subject.control.value.trim()) { s.subject.setError('Give this step a subject.'); firstBad = firstBad || s.subject.control; }
      body.steps.push({ delay_seconds: n * UNITS[s.unit.value], subject: s.subject.control.value, text: s.body.control.value });
    }
    if (firstBad) { firstBad.focus(); return; }
    try {
      const created = await post('/campaigns', body);
      ctx.flash('success', `Campaign "${created.name || body.name}" created. Enroll people below.`);
      ctx.navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (err.handled) return;
      clear(status, notice('error', `The campaign was not created: ${sentence(err.message)} Correct it and try again.`));
    }
  }

  addStep();
  return h('section', { class: 'panel', 'aria-labelledby': 'new-campaign' },
    h('h2', { id: 'new-campaign' }, 'New campaign'),
    h('form', { onsubmit: onSubmit, novalidate: true, class: 'stack' },
      name.wrap, stepsEl,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'button-secondary', onclick: () => addStep().subject.control.focus() }, 'Add step')),
      status,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, 'Create campaign'))));
}
