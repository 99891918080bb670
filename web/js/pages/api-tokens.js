// Settings → Your API tokens: the signed-in user's tokens by name and age (never their
// values), creating one (its value is shown once) and revoking one.
import { h, field, notice, timeEl, clear } from '../dom.js';
import { get, post, del } from '../api.js';
import { sentence } from '../words.js';

export function tokensPanel() {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'tokens-title' });
  const list = h('div', {});
  const status = h('div', { class: 'form-status' });
  const name = field({ label: 'Token name', control: h('input', { type: 'text', name: 'token_name', autocomplete: 'off', maxlength: '100' }),
    hint: 'What it is for, e.g. "Outlook on my laptop" or "CRM sync".' });
  const create = h('button', { type: 'submit', class: 'button-primary' }, 'Create token');

  async function load() {
    try {
      const { tokens } = await get('/tokens');
      clear(list, tokens.length === 0
        ? h('p', { 'data-testid': 'no-tokens' }, 'You have no API tokens.')
        : h('table', { class: 'table', 'data-testid': 'token-list' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, tokens.map(row))));
    } catch (err) {
      if (err.handled) return;
      clear(list, notice('error', `Your tokens could not be loaded: ${sentence(err.message)} Reload the page to try again.`));
    }
  }

  function row(token) {
    const actions = h('td', {});
    const revoke = h('button', { type: 'button', class: 'button-danger-quiet', onclick: ask }, 'Revoke');
    actions.append(revoke);
    function ask() {
      clear(actions, h('span', {}, 'Programs using it stop working. '),
        h('button', { type: 'button', class: 'button-danger', onclick: confirm }, `Yes, revoke ${token.name}`),
        h('button', { type: 'button', class: 'button-secondary', onclick: () => { clear(actions, revoke); revoke.focus(); } }, 'Cancel'));
      actions.querySelector('.button-danger').focus();
    }
    async function confirm() {
      clear(status);
      try {
        await del(`/tokens/${encodeURIComponent(token.id)}`);
        clear(status, notice('success', `Revoked ${token.name}. Programs using it can no longer send as you.`));
        await load();
      } catch (err) {
        if (err.handled) return;
        clear(actions, revoke);
        clear(status, notice('error', `${token.name} was not revoked: ${sentence(err.message)} Try again.`));
      }
    }
    return h('tr', { 'data-testid': 'token-row' }, h('td', {}, token.name), h('td', {}, timeEl(token.created_at)), actions);
  }

  async function onCreate(e) {
    e.preventDefault();
    clear(status);
    name.setError('');
    const wanted = name.control.value.trim();
    if (!wanted) {
      name.setError('Enter a name for the token.');
      name.control.focus();
      return;
    }
    create.disabled = true;
    try {
      const created = await post('/tokens', { name: wanted });
      name.control.value = '';
      clear(status, notice('success',
        h('p', {}, `Created ${created.name}. Copy the token now: it is shown only this once.`),
        h('code', { class: 'secret', 'data-testid': 'new-token' }, created.token)));
      await load();
    } catch (err) {
      if (err.handled) return;
      if (err.field === 'name') name.setError(`${sentence(err.message)}`);
      else clear(status, notice('error', `No token was created: ${sentence(err.message)} Try again.`));
    } finally {
      create.disabled = false;
    }
  }

  panel.append(
    h('h2', { id: 'tokens-title' }, 'Your API tokens'),
    h('p', { class: 'hint' }, 'Email clients, Salesforce and scripts use an API token to send as you. Revoke one you no longer use.'),
    list,
    h('form', { onsubmit: onCreate, novalidate: true, class: 'stack', 'aria-label': 'New API token' },
      name.wrap, h('div', { class: 'actions' }, create)),
    status);
  load();
  return panel;
}
