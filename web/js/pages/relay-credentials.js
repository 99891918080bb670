// Settings → Admin settings → Email relay (admins): the team's relay credentials, the SMTP
// logins with which Salesforce Email Relay (or another system) sends as any member through
// Sendguard's relay. Create one (its username and password are shown once, with the
// settings to enter in Salesforce) and revoke one, after confirming.
import { h, field, notice, timeEl, clear, breadcrumb } from '../dom.js';
import { get, post, del } from '../api.js';
import { sentence } from '../words.js';
import { copyBlock } from '../copy.js';
import { LEVELS } from './settings.js';

const TITLE = 'Email relay';

export async function render(ctx) {
  const crumbs = breadcrumb([LEVELS[0], LEVELS[1], { path: '/settings/admin/relay', label: TITLE }]);
  const intro = h('p', {}, 'A relay credential lets Salesforce Email Relay, or another system, send through Sendguard as any member of your team. Every message passes the same unsubscribe check as the web app.');
  if (!ctx.admin) {
    return h('section', { class: 'settings stack' }, crumbs, h('h1', {}, TITLE), intro,
      notice('info', h('p', {}, h('strong', {}, 'Admins only. '), 'Only a team admin can see and manage relay credentials. Ask an admin of your team if you need one.')));
  }
  const smtp = await get('/smtp-settings');
  return h('section', { class: 'settings stack' }, crumbs, h('h1', {}, TITLE), intro,
    smtp.enabled ? null : notice('warning', h('p', {}, 'The SMTP relay is not switched on for this Sendguard server (SENDGUARD_SMTP_LISTEN): credentials can be created, but nothing can log in with them until it is.')),
    credentialsPanel(smtp));
}

function credentialsPanel(smtp) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'relay-title' });
  const list = h('div', {});
  const status = h('div', { class: 'form-status' });
  const name = field({ label: 'Name', control: h('input', { type: 'text', name: 'relay_name', autocomplete: 'off', maxlength: '100' }),
    hint: 'What it is for, e.g. "Salesforce".' });
  const create = h('button', { type: 'submit', class: 'button-primary' }, 'Create relay credential');

  async function load() {
    try {
      const { relay_credentials: credentials } = await get('/relay-credentials');
      clear(list, credentials.length === 0
        ? h('p', { 'data-testid': 'no-relay-credentials' }, 'Your team has no relay credentials.')
        : h('table', { class: 'table', 'data-testid': 'relay-credential-list' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Username'),
            h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, credentials.map(row))));
    } catch (err) {
      if (err.handled) return;
      clear(list, notice('error', `The relay credentials could not be loaded: ${sentence(err.message)} Reload the page to try again.`));
    }
  }

  function row(credential) {
    const actions = h('td', {});
    const revoke = h('button', { type: 'button', class: 'button-danger-quiet', onclick: ask }, 'Revoke');
    actions.append(revoke);
    function ask() {
      clear(actions, h('span', {}, 'Systems using it can no longer send. '),
        h('button', { type: 'button', class: 'button-danger', onclick: confirm }, `Yes, revoke ${credential.name}`),
        h('button', { type: 'button', class: 'button-secondary', onclick: () => { clear(actions, revoke); revoke.focus(); } }, 'Cancel'));
      actions.querySelector('.button-danger').focus();
    }
    async function confirm() {
      clear(status);
      try {
        await del(`/relay-credentials/${encodeURIComponent(credential.id)}`);
        clear(status, notice('success', `Revoked ${credential.name}. Logins with it are refused from now on.`));
        await load();
      } catch (err) {
        if (err.handled) return;
        clear(actions, revoke);
        clear(status, notice('error', `${credential.name} was not revoked: ${sentence(err.message)} Try again.`));
      }
    }
    return h('tr', { 'data-testid': 'relay-credential-row' }, h('td', {}, credential.name),
      h('td', {}, h('code', {}, credential.username)), h('td', {}, timeEl(credential.created_at)), actions);
  }

  async function onCreate(e) {
    e.preventDefault();
    clear(status);
    name.setError('');
    const wanted = name.control.value.trim();
    if (!wanted) {
      name.setError('Enter a name, e.g. Salesforce.');
      name.control.focus();
      return;
    }
    create.disabled = true;
    try {
      const made = await post('/relay-credentials', { name: wanted });
      name.control.value = '';
      clear(status, created(made, smtp));
      await load();
    } catch (err) {
      if (err.handled) return;
      if (err.field === 'name') name.setError(sentence(err.message));
      else clear(status, notice('error', `No relay credential was created: ${sentence(err.message)} Try again.`));
    } finally {
      create.disabled = false;
    }
  }

  panel.append(
    h('h2', { id: 'relay-title' }, 'Relay credentials'),
    list,
    h('form', { onsubmit: onCreate, novalidate: true, class: 'stack', 'aria-label': 'New relay credential' },
      name.wrap, h('div', { class: 'actions' }, create)),
    status);
  load();
  return panel;
}

// A credential just created: its login, shown this once, and where it goes in Salesforce.
function created(made, smtp) {
  const host = smtp.host || location.hostname;
  const port = smtp.port === null || smtp.port === undefined ? 587 : smtp.port;
  return h('div', { class: 'stack', 'data-testid': 'relay-created' },
    notice('success', h('p', { class: 'notice-title' }, `Created ${made.name}. Copy the password now: it is shown only this once.`)),
    h('h3', {}, 'Username'), copyBlock('username', made.username, 'relay-username'),
    h('h3', {}, 'Password'), copyBlock('password', made.password, 'relay-password'),
    h('h3', {}, 'In Salesforce'),
    h('ol', {},
      h('li', {}, 'From Setup, enter Email Relays in the Quick Find box, select Email Relays, then Create Email Relay.'),
      h('li', {}, h('p', {}, 'Enter:'), h('dl', { class: 'facts', 'data-testid': 'relay-salesforce-settings' },
        h('dt', {}, 'Host'), h('dd', {}, host),
        h('dt', {}, 'Port'), h('dd', {}, String(port)),
        h('dt', {}, 'TLS Setting'), h('dd', {}, 'RequiredVerify'),
        h('dt', {}, 'Enable SMTP Auth'), h('dd', {}, 'Ticked, Auth Type PLAIN (LOGIN works too)'),
        h('dt', {}, 'Username and Password'), h('dd', {}, 'As above'))),
      h('li', {}, 'Save, then create an Email Domain Filter (Setup → Email Domain Filters) that sends your domain\'s mail through this relay.')),
    h('p', { class: 'hint' }, 'Salesforce allows SMTP authentication only with the TLS setting RequiredVerify: Sendguard\'s certificate must be signed by a public certificate authority for the host name above. Its Port list offers 25, 587, 10025 and 11025, so the relay must listen on one of them (587 is the submission port).'));
}
