// Settings → Admin settings → Email relay (admins): the team's relay credentials, the SMTP
// logins with which Salesforce Email Relay (or another system) sends as any member through
// Sendguard's relay. Create one (its username and password are shown once, with the
// settings to enter in Salesforce) and revoke one, after confirming.
import { h, notice, breadcrumb } from '../dom.js';
import { get } from '../api.js';
import { namedSecretsPanel } from '../named-secrets.js';
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
  return namedSecretsPanel({
    path: '/relay-credentials',
    listKey: 'relay_credentials',
    title: 'Relay credentials',
    titleId: 'relay-title',
    nameLabel: 'Name',
    nameInput: 'relay_name',
    nameHint: 'What it is for, e.g. "Salesforce".',
    nameMissing: 'Enter a name, e.g. Salesforce.',
    createLabel: 'Create relay credential',
    formLabel: 'New relay credential',
    emptyText: 'Your team has no relay credentials.',
    listFailed: 'The relay credentials could not be loaded',
    createFailed: 'No relay credential was created',
    revokeWarning: 'Systems using it can no longer send. ',
    revokedText: 'Logins with it are refused from now on.',
    testIds: { empty: 'no-relay-credentials', list: 'relay-credential-list', row: 'relay-credential-row' },
    columns: ['Name', 'Username'],
    cells: (credential) => [credential.name, h('code', {}, credential.username)],
    created: (made) => created(made, smtp),
  });
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
