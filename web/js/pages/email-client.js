// Settings → Email client set-up (every member): the SMTP settings that send a mail
// client's messages through Sendguard's relay (and so through the unsubscribe check), a
// button that creates the API token the client logs in with (shown once), and short steps
// for Outlook, Gmail's "Send mail as", Apple Mail and Thunderbird.
import { h, notice, clear, breadcrumb } from '../dom.js';
import { get, post } from '../api.js';
import { sentence } from '../words.js';
import { copyBlock } from '../copy.js';
import { LEVELS } from './settings.js';

const TITLE = 'Email client set-up';

export async function render(ctx) {
  const smtp = await get('/smtp-settings');
  const crumbs = breadcrumb([LEVELS[0], { path: '/settings/email-client', label: TITLE }]);
  const intro = h('p', {}, 'Send from your own email program and every message still passes Sendguard\'s unsubscribe check, exactly as from Compose. If a recipient unsubscribed, your program shows an error naming them and keeps the message; it is sent to nobody.');
  if (!smtp.enabled) {
    return h('section', { class: 'settings stack' }, crumbs, h('h1', {}, TITLE), intro,
      notice('info', h('p', { 'data-testid': 'smtp-off' }, 'Sending from email programs is not switched on for this Sendguard server. Ask whoever runs it to turn on the SMTP relay (SENDGUARD_SMTP_LISTEN).')));
  }
  const server = serverSettings(smtp, ctx.user.email);
  return h('section', { class: 'settings stack' }, crumbs, h('h1', {}, TITLE), intro,
    settingsPanel(server), passwordPanel(), stepsPanel(server));
}

// What every client needs: the host, the port and its kind of TLS, and the login.
function serverSettings(smtp, email) {
  const host = smtp.host || location.hostname;
  const starttls = smtp.port !== null && smtp.port !== undefined;
  return {
    host, email,
    port: starttls ? smtp.port : smtp.tls_port,
    starttls,
    tlsPort: starttls ? smtp.tls_port : null, // an implicit-TLS alternative, when there is one
  };
}

function settingsPanel(s) {
  return h('section', { class: 'panel', 'aria-labelledby': 'smtp-title' },
    h('h2', { id: 'smtp-title' }, 'Outgoing mail server (SMTP)'),
    h('dl', { class: 'facts', 'data-testid': 'smtp-settings' },
      h('dt', {}, 'Server'), h('dd', { 'data-testid': 'smtp-host' }, s.host),
      h('dt', {}, 'Port'), h('dd', { 'data-testid': 'smtp-port' }, String(s.port)),
      h('dt', {}, 'Security'), h('dd', { 'data-testid': 'smtp-security' },
        s.starttls ? 'STARTTLS' : 'SSL/TLS', s.tlsPort ? ` (or port ${s.tlsPort} with SSL/TLS)` : ''),
      h('dt', {}, 'Authentication'), h('dd', {}, 'Normal password (PLAIN or LOGIN)'),
      h('dt', {}, 'User name'), h('dd', { 'data-testid': 'smtp-username' }, s.email),
      h('dt', {}, 'Password'), h('dd', {}, 'An API token of yours: create one below')),
    h('p', { class: 'hint' }, 'Keep your incoming mail (IMAP, Exchange) as it is: only the outgoing server changes. Send as your own address; messages from any other address are refused.'));
}

function passwordPanel() {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'password-title' });
  const status = h('div', { class: 'form-status' });
  const create = h('button', { type: 'button', class: 'button-primary', onclick: onCreate }, 'Create a password for my email client');

  async function onCreate() {
    clear(status);
    create.disabled = true;
    try {
      const made = await post('/tokens', { name: 'Email client' });
      clear(status,
        notice('success', h('p', {}, 'Created the API token "Email client". Copy it now and paste it as the password in your email program: it is shown only this once.')),
        copyBlock('password', made.token, 'email-client-password'));
    } catch (err) {
      if (err.handled) return;
      clear(status, notice('error', `No token was created: ${sentence(err.message)} Try again.`));
    } finally {
      create.disabled = false;
    }
  }

  panel.append(
    h('h2', { id: 'password-title' }, 'Password'),
    h('p', {}, 'Your email program logs in with an API token instead of your Sendguard password. Give each program its own, so that you can revoke one (in ',
      h('a', { href: '/settings' }, 'Settings → Your API tokens'), ') without the others.'),
    h('div', { class: 'actions' }, create),
    status);
  return panel;
}

function stepsPanel(s) {
  const port = String(s.port);
  const clients = [
    ['Outlook', 'outlook', 'Outlook can send through another server only for an IMAP or POP account (not for a Microsoft 365 or Exchange mailbox, nor in the new Outlook for Windows).', [
      'Choose File → Account Settings → Server Settings, and pick the account if asked.',
      `Under Outgoing mail, enter Server ${s.host}, Port ${port}, Encryption method ${s.starttls ? 'STARTTLS' : 'SSL/TLS'}; leave "Require logon using Secure Password Authentication (SPA)" unticked.`,
      `Tick "My outgoing (SMTP) server requires authentication", choose "Log on using", and enter User name ${s.email} and the password created above.`,
      'Choose Next, then Done.',
    ]],
    ['Gmail ("Send mail as")', 'gmail', 'Gmail connects to Sendguard from Google\'s servers: this works only when this Sendguard server is reachable from the internet, with a certificate for its name.', [
      'In Gmail, choose Settings (the gear) → See all settings → Accounts and Import (Accounts in a work account).',
      'Under "Send mail as", choose "Add another email address", enter your name and ' + s.email + ', then Next Step.',
      `Enter SMTP Server ${s.host}, Port ${port}, Username ${s.email}, the password created above, and choose "${s.starttls ? 'Secured connection using TLS (recommended)' : 'Secured connection using SSL'}".`,
      'Choose Add Account, then confirm with the code or link Gmail sends to that address.',
      'Make it the default under "Send mail as", or pick it in the From field when you write.',
    ]],
    ['Apple Mail', 'apple-mail', null, [
      'Choose Mail → Settings (Preferences on macOS 12 and earlier) → Accounts, and select your account.',
      'Choose Server Settings, open the Outgoing Mail Server (SMTP) Account pop-up menu and choose Edit SMTP Server List.',
      `Choose Add (+) and enter a Description (e.g. Sendguard), User Name ${s.email}, the password created above, and Host Name ${s.host}.`,
      `Untick "Automatically manage connection settings", enter Port ${port}, tick "Use TLS/SSL" and choose Authentication: Password.`,
      'Choose OK, pick the new server for the account, then Save.',
    ]],
    ['Thunderbird', 'thunderbird', null, [
      'Open the ≡ menu → Account Settings, then Outgoing Server (SMTP) at the bottom of the account list, and choose Add.',
      `Enter Description Sendguard, Server Name ${s.host}, Port ${port}, Connection security ${s.starttls ? 'STARTTLS' : 'SSL/TLS'}, Authentication method "Normal password" and User Name ${s.email}; choose OK.`,
      'Select your account in the list and set its Outgoing Server (SMTP) to Sendguard.',
      'The first message you send asks for the password: paste the one created above and let Thunderbird remember it.',
    ]],
  ];
  return h('section', { class: 'panel', 'aria-labelledby': 'steps-title' },
    h('h2', { id: 'steps-title' }, 'Step by step'),
    ...clients.map(([name, id, note, steps]) => h('details', { 'data-testid': `steps-${id}` },
      h('summary', {}, name),
      note ? h('p', { class: 'hint' }, note) : null,
      h('ol', {}, steps.map((step) => h('li', {}, step))))));
}
