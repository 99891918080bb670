// A panel of named secrets (API tokens, relay credentials): the list by name and age, never
// a stored value; creating one by name, whose secret is shown this once; revoking one after
// confirming. `kind` holds what differs: the endpoint, the words and the test ids.
import { h, field, notice, timeEl, clear, append } from './dom.js';
import { get, post, del } from './api.js';
import { sentence } from './words.js';

export function namedSecretsPanel(kind) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': kind.titleId });
  const list = h('div', {});
  const status = h('div', { class: 'form-status' });
  const name = field({ label: kind.nameLabel, control: h('input', { type: 'text', name: kind.nameInput, autocomplete: 'off', maxlength: '100' }),
    hint: kind.nameHint });
  const create = h('button', { type: 'submit', class: 'button-primary' }, kind.createLabel);

  async function load() {
    try {
      const items = (await get(kind.path))[kind.listKey];
      clear(list, items.length === 0
        ? h('p', { 'data-testid': kind.testIds.empty }, kind.emptyText)
        : h('table', { class: 'table', 'data-testid': kind.testIds.list },
          h('thead', {}, h('tr', {}, ...kind.columns.map((c) => h('th', { scope: 'col' }, c)),
            h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, items.map(row))));
    } catch (err) {
      if (err.handled) return;
      clear(list, notice('error', `${kind.listFailed}: ${sentence(err.message)} Reload the page to try again.`));
    }
  }

  function row(item) {
    const actions = h('td', {});
    const revoke = h('button', { type: 'button', class: 'button-danger-quiet', onclick: ask }, 'Revoke');
    actions.append(revoke);
    function ask() {
      clear(actions, h('span', {}, kind.revokeWarning),
        h('button', { type: 'button', class: 'button-danger', onclick: confirm }, `Yes, revoke ${item.name}`),
        h('button', { type: 'button', class: 'button-secondary', onclick: () => { clear(actions, revoke); revoke.focus(); } }, 'Cancel'));
      actions.querySelector('.button-danger').focus();
    }
    async function confirm() {
      clear(status);
      try {
        await del(`${kind.path}/${encodeURIComponent(item.id)}`);
        clear(status, notice('success', `Revoked ${item.name}. ${kind.revokedText}`));
        await load();
      } catch (err) {
        if (err.handled) return;
        clear(actions, revoke);
        clear(status, notice('error', `${item.name} was not revoked: ${sentence(err.message)} Try again.`));
      }
    }
    return h('tr', { 'data-testid': kind.testIds.row }, ...kind.cells(item).map((c) => h('td', {}, c)),
      h('td', {}, timeEl(item.created_at)), actions);
  }

  async function onCreate(e) {
    e.preventDefault();
    clear(status);
    name.setError('');
    const wanted = name.control.value.trim();
    if (!wanted) {
      name.setError(kind.nameMissing);
      name.control.focus();
      return;
    }
    create.disabled = true;
    try {
      const made = await post(kind.path, { name: wanted });
      name.control.value = '';
      clear(status, kind.created(made));
      await load();
    } catch (err) {
      if (err.handled) return;
      if (err.field === 'name') name.setError(sentence(err.message));
      else clear(status, notice('error', `${kind.createFailed}: ${sentence(err.message)} Try again.`));
    } finally {
      create.disabled = false;
    }
  }

  append(panel, [
    h('h2', { id: kind.titleId }, kind.title),
    kind.intro ? h('p', { class: 'hint' }, kind.intro) : null,
    list,
    h('form', { onsubmit: onCreate, novalidate: true, class: 'stack', 'aria-label': kind.formLabel },
      name.wrap, h('div', { class: 'actions' }, create)),
    status]);
  load();
  return panel;
}
