// Settings → Admin settings → Unsubscribe → Integrations: the "Marketo unsubscribe
// check" switch, the policy when Marketo cannot answer, and the Marketo connection.
// Members who are not admins see the same settings read-only, with the reason.
import { h, field, notice, timeEl, clear, append, breadcrumb } from '../dom.js';
import { get, put, del, ApiError } from '../api.js';
import { sentence } from '../words.js';
import { tokensPanel } from './api-tokens.js';
import { webhookPanel } from './marketo-webhook.js';

// The settings pages' levels, from the top; other settings pages hang below these.
export const LEVELS = [
  { path: '/settings', label: 'Settings' },
  { path: '/settings/admin', label: 'Admin settings' },
  { path: '/settings/admin/unsubscribe', label: 'Unsubscribe' },
  { path: '/settings/admin/unsubscribe/integrations', label: 'Integrations' },
];

export async function render(ctx) {
  const depth = LEVELS.findIndex((l) => l.path === ctx.path.replace(/\/+$/, ''));
  const crumbs = breadcrumb(LEVELS.slice(0, depth + 1));
  const pages = [settingsHome, adminHome, unsubscribeOverview, integrations];
  return h('section', { class: 'settings' }, crumbs, await pages[depth](ctx));
}

function settingsHome(ctx) {
  return h('div', { class: 'stack' },
    h('h1', {}, 'Settings'),
    h('section', { class: 'panel', 'aria-labelledby': 'account-title' },
      h('h2', { id: 'account-title' }, 'Your account'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Email'), h('dd', {}, ctx.user.email),
        h('dt', {}, 'Role'), h('dd', {}, ctx.admin ? 'Team admin' : 'User'),
        h('dt', {}, 'Team'), h('dd', {}, ctx.user.team || '—'))),
    tokensPanel(),
    h('ul', { class: 'link-cards' },
      h('li', {}, h('a', { href: '/settings/email-client', class: 'link-card' },
        h('span', { class: 'link-card-title' }, 'Email client set-up'),
        h('span', { class: 'hint' }, 'Send from Outlook, Gmail, Apple Mail or Thunderbird through Sendguard: the settings to copy and the steps for each.'))),
      h('li', {}, h('a', { href: '/settings/admin', class: 'link-card' },
        h('span', { class: 'link-card-title' }, 'Admin settings'),
        h('span', { class: 'hint' }, ctx.admin ? 'Team-wide settings: unsubscribe checks and integrations.' : 'Team-wide settings (read-only for you: only team admins can change them).')))));
}

function adminHome(ctx) {
  return h('div', { class: 'stack' },
    h('h1', {}, 'Admin settings'),
    ctx.admin ? null : readOnlyNotice(),
    h('ul', { class: 'link-cards' },
      h('li', {}, h('a', { href: '/settings/admin/unsubscribe', class: 'link-card' },
        h('span', { class: 'link-card-title' }, 'Unsubscribe'),
        h('span', { class: 'hint' }, 'The Marketo unsubscribe check, what happens when Marketo cannot answer, and the Marketo connection.'))),
      h('li', {}, h('a', { href: '/settings/admin/relay', class: 'link-card' },
        h('span', { class: 'link-card-title' }, 'Email relay'),
        h('span', { class: 'hint' }, 'Credentials for Salesforce Email Relay (or another system) to send as any member through Sendguard.')))));
}

function tabs(active) {
  const items = [
    { path: '/settings/admin/unsubscribe', label: 'Overview' },
    { path: '/settings/admin/unsubscribe/integrations', label: 'Integrations' },
  ];
  return h('nav', { class: 'tabs', 'aria-label': 'Unsubscribe settings' }, h('ul', {},
    items.map((t) => h('li', {}, h('a', { href: t.path, 'aria-current': t.label === active ? 'page' : null }, t.label)))));
}

function readOnlyNotice() {
  return notice('info', h('p', { id: 'readonly-reason' },
    h('strong', {}, 'Read-only. '),
    'Only a team admin can change these settings, and you are signed in as a user. Ask an admin of your team if something needs to change.'));
}

async function loadConnection(ctx) {
  if (!ctx.admin) return undefined; // not visible to non-admins
  try {
    return await get('/integrations/marketo');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

async function unsubscribeOverview(ctx) {
  const [settings, connection] = await Promise.all([get('/settings/unsubscribe'), loadConnection(ctx)]);
  return h('div', { class: 'stack' },
    h('h1', {}, 'Unsubscribe'),
    tabs('Overview'),
    ctx.admin ? null : readOnlyNotice(),
    h('dl', { class: 'facts panel' },
      h('dt', {}, 'Marketo unsubscribe check'), h('dd', { 'data-testid': 'overview-check' }, settings.marketo_check_enabled ? 'On' : 'Off'),
      h('dt', {}, 'When Marketo cannot answer'), h('dd', {}, policyLabel(settings.on_check_unavailable)),
      h('dt', {}, 'Marketo connection'), h('dd', {}, connection === undefined ? 'Visible to team admins only'
        : connection ? `Connected (${connection.rest_endpoint})` : 'Not connected')),
    h('p', {}, 'Your team\'s own suppression list and one-click unsubscribe links are always checked. ',
      h('a', { href: '/settings/admin/unsubscribe/integrations' }, ctx.admin ? 'Change the Marketo settings in Integrations' : 'See the Marketo settings in Integrations'), '.'));
}

function policyLabel(policy) {
  return policy === 'send' ? 'Send anyway (fail-open)' : 'Block — do not send unverified';
}

async function integrations(ctx) {
  const [initialSettings, initialConnection] = await Promise.all([get('/settings/unsubscribe'), loadConnection(ctx)]);
  let settings = initialSettings;
  let connection = initialConnection;
  const readOnly = !ctx.admin;
  const checkSection = h('section', { class: 'panel', 'aria-labelledby': 'check-title' });
  const connectionSection = h('section', { class: 'panel', id: 'marketo-connection', 'aria-labelledby': 'connection-title', tabindex: '-1' });

  // --- The switch and the policy -------------------------------------------------
  const switchInput = h('input', {
    type: 'checkbox', role: 'switch', id: 'marketo-check', class: 'switch',
    checked: settings.marketo_check_enabled, disabled: readOnly,
    'aria-describedby': ['marketo-check-desc', readOnly && 'readonly-reason', 'marketo-check-message'].filter(Boolean).join(' '),
  });
  const switchState = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const switchMessage = h('div', { id: 'marketo-check-message', class: 'switch-message' });
  const policyInputs = ['block', 'send'].map((value) => h('input', {
    type: 'radio', name: 'on_check_unavailable', id: `policy-${value}`, value,
    checked: settings.on_check_unavailable === value, disabled: readOnly,
  }));
  const policyMessage = h('div', { class: 'form-status' });

  function syncSwitch() {
    switchInput.checked = settings.marketo_check_enabled;
    switchState.textContent = settings.marketo_check_enabled ? 'On' : 'Off';
    for (const p of policyInputs) p.checked = p.value === settings.on_check_unavailable;
  }

  async function onSwitch() {
    const want = switchInput.checked;
    clear(switchMessage);
    switchInput.disabled = true;
    try {
      settings = await put('/settings/unsubscribe', { marketo_check_enabled: want });
      clear(switchMessage, notice('success', want
        ? 'The check is on. Every email is now checked against Marketo before it leaves.'
        : 'The check is off. Emails are checked only against your team\'s suppression list.'));
    } catch (err) {
      if (err.handled) return;
      if (err.code === 'marketo_not_connected') {
        clear(switchMessage, notConnectedNotice());
      } else if (err.status === 403) {
        clear(switchMessage, notice('error', 'Only a team admin can turn the check on or off. Ask an admin of your team.'));
      } else {
        clear(switchMessage, notice('error', `The check was not changed: ${sentence(err.message)} Try again.`));
      }
    } finally {
      switchInput.disabled = readOnly;
      syncSwitch();
    }
  }

  function notConnectedNotice() {
    const link = h('a', { href: '#marketo-connection', onclick: (e) => {
      e.preventDefault();
      connectionSection.scrollIntoView({ block: 'start' });
      const first = connectionSection.querySelector('input');
      (first || connectionSection).focus();
    } }, 'Connect Marketo');
    return notice('error',
      h('p', { class: 'notice-title' }, 'The check needs a Marketo connection, and your team does not have one yet.'),
      h('p', {}, 'Missing: the REST endpoint, the Identity endpoint, a client ID and a client secret (Marketo → Admin → Web Services and LaunchPoint). ',
        link, ' below, then turn the check on.'));
  }

  async function onPolicy(e) {
    const value = e.target.value;
    clear(policyMessage);
    try {
      settings = await put('/settings/unsubscribe', { on_check_unavailable: value });
      clear(policyMessage, notice('success', value === 'send'
        ? 'Saved. When Marketo cannot answer, emails are sent anyway; each such send is written to the audit log.'
        : 'Saved. When Marketo cannot answer, nothing is sent unverified: interactive sends are refused, automated ones wait and retry.'));
    } catch (err) {
      if (err.handled) return;
      clear(policyMessage, notice('error', `Not saved: ${sentence(err.message)} Try again.`));
    } finally {
      syncSwitch();
    }
  }

  switchInput.addEventListener('change', onSwitch);
  policyInputs.forEach((p) => p.addEventListener('change', onPolicy));
  syncSwitch();
  checkSection.append(
    h('h2', { id: 'check-title' }, 'Marketo'),
    h('div', { class: 'switch-row' },
      h('label', { for: 'marketo-check', class: 'switch-label' }, 'Marketo unsubscribe check'),
      h('span', { class: 'switch-wrap' }, switchInput, switchState)),
    h('p', { class: 'hint', id: 'marketo-check-desc' },
      'Before any email leaves — from the web app, email clients, Salesforce, campaigns and bulk sends — ask Marketo whether the recipient unsubscribed, and stop the email if so.'),
    switchMessage,
    h('fieldset', { class: 'choices' },
      h('legend', {}, 'When Marketo cannot answer'),
      h('div', { class: 'choice' }, policyInputs[0],
        h('label', { for: 'policy-block' }, h('strong', {}, 'Block (recommended)')),
        h('p', { class: 'hint' }, 'Nothing is sent unverified: an email someone is sending is refused with "could not verify", and automated emails wait and are retried.')),
      h('div', { class: 'choice' }, policyInputs[1],
        h('label', { for: 'policy-send' }, h('strong', {}, 'Send anyway')),
        h('p', { class: 'hint' }, 'Emails go out without the Marketo check while Marketo is unavailable. Each one is recorded in the audit log.'))),
    policyMessage);

  // --- The connection ------------------------------------------------------------
  function renderConnection() {
    clear(connectionSection, h('h2', { id: 'connection-title' }, 'Marketo connection'));
    if (readOnly) {
      connectionSection.append(h('p', {}, 'Only team admins can see and change the Marketo connection.'));
      return;
    }
    if (connection) {
      connectionSection.append(
        h('p', { class: 'connected', 'data-testid': 'connection-status' }, h('span', { class: 'dot dot-ok', 'aria-hidden': 'true' }),
          'Connected · verified ', timeEl(connection.verified_at)),
        h('dl', { class: 'facts' },
          h('dt', {}, 'REST endpoint'), h('dd', {}, connection.rest_endpoint),
          h('dt', {}, 'Identity endpoint'), h('dd', {}, connection.identity_endpoint),
          h('dt', {}, 'Client ID'), h('dd', {}, connection.client_id)),
        feedStatus(connection.sync, connection.usage),
        seedStatus(connection.seed),
        disconnectControls());
    } else {
      connectionSection.append(h('p', { 'data-testid': 'connection-status' }, h('span', { class: 'dot', 'aria-hidden': 'true' }),
        'Not connected. Enter the API details of a LaunchPoint custom service from Marketo (Admin → Web Services shows the endpoints).'));
    }
    connectionSection.append(connectionForm());
  }

  // How the activity feed keeps the mirror current, and what it costs today.
  function feedStatus(sync, usage) {
    if (!sync) return null;  // a PUT's answer has no status: the next load shows it
    const calls = `${sync.feed_calls_today} call${sync.feed_calls_today === 1 ? '' : 's'} today`;
    const share = usage && usage.background_budget > 0 ? ` of the ${usage.background_budget.toLocaleString('en-US')} kept for background work` : '';
    const read = sync.confirmed_at ? [' · read to its end ', timeEl(sync.confirmed_at)] : [' · not read to its end yet'];
    const restart = sync.feed_restarted_at
      ? [' · restarted ', timeEl(sync.feed_restarted_at), ` after Marketo refused its position (${sync.feed_restart_reason}); nothing is missed`]
      : [];
    return h('p', { class: 'hint', 'data-testid': 'feed-status' }, `Activity feed: ${calls}${share}`, ...read, ...restart);
  }

  // The one-off copy of every address Marketo holds as unsubscribed into Sendguard's mirror.
  function seedStatus(seed) {
    if (!seed) return null;  // a PUT's answer has no status: the next load shows it
    const copied = `${seed.addresses} unsubscribed address${seed.addresses === 1 ? '' : 'es'}`;
    const words = {
      not_started: ['Starts once the check is on.'],
      running: [`In progress: ${copied} copied so far.`],
      done: [`Done: ${copied} copied, finished `, timeEl(seed.finished_at), '.',
        seed.complete ? ' The copy is complete: with the mirror authoritative, checks need no Marketo call.' : ''],
      failed: [`Paused after an error, retried automatically (${copied} copied so far): ${seed.error}`],
    };
    return h('p', { class: 'hint', 'data-testid': 'seed-status' },
      'Copy of Marketo\'s unsubscribed people: ', ...words[seed.state]);
  }

  function disconnectControls() {
    const area = h('div', { class: 'actions' });
    const message = h('div', { class: 'form-status' });
    const start = h('button', { type: 'button', class: 'button-danger-quiet', onclick: ask }, 'Disconnect');
    area.append(start);
    function ask() {
      clear(area, h('p', {}, 'Disconnect Marketo? Sendguard forgets the client secret; the check cannot run until you connect again.'),
        h('button', { type: 'button', class: 'button-danger', onclick: confirm }, 'Yes, disconnect'),
        h('button', { type: 'button', class: 'button-secondary', onclick: () => { clear(area, start); start.focus(); } }, 'Cancel'));
      area.querySelector('.button-danger').focus();
    }
    async function confirm() {
      clear(message);
      try {
        await del('/integrations/marketo');
        connection = null;
        renderConnection();
        connectionSection.append(notice('success', 'Marketo is disconnected.'));
        connectionSection.focus();
      } catch (err) {
        if (err.handled) return;
        clear(area, start);
        clear(message, notice('error', err.code === 'check_enabled'
          ? 'Marketo is still connected: the Marketo unsubscribe check is on. Turn the check off first (above), then disconnect.'
          : `Marketo is still connected: ${sentence(err.message)} Try again.`));
        start.focus();
      }
    }
    return h('div', {}, area, message);
  }

  function connectionForm() {
    const rest = field({ label: 'REST endpoint', control: h('input', { type: 'url', name: 'rest_endpoint', autocomplete: 'off', placeholder: 'https://123-ABC-456.mktorest.com/rest', value: connection ? connection.rest_endpoint : '' }) });
    const identity = field({ label: 'Identity endpoint', control: h('input', { type: 'url', name: 'identity_endpoint', autocomplete: 'off', placeholder: 'https://123-ABC-456.mktorest.com/identity', value: connection ? connection.identity_endpoint : '' }) });
    const clientId = field({ label: 'Client ID', control: h('input', { type: 'text', name: 'client_id', autocomplete: 'off', spellcheck: 'false', value: connection ? connection.client_id : '' }) });
    const secret = field({ label: 'Client secret', control: h('input', { type: 'password', name: 'client_secret', autocomplete: 'new-password' }),
      hint: connection ? 'Enter the secret again to change the connection; it is stored encrypted and never shown.' : 'Stored encrypted and never shown again.', hintBelow: true });
    const fields = { rest_endpoint: rest, identity_endpoint: identity, client_id: clientId, client_secret: secret };
    const status = h('div', { class: 'form-status' });
    const submit = h('button', { type: 'submit', class: 'button-primary' }, 'Connect');
    // Marketo's Identity endpoint is the REST one with /identity for /rest: suggest it
    // until the user types their own.
    let identityTyped = Boolean(identity.control.value);
    identity.control.addEventListener('input', () => { identityTyped = true; });
    rest.control.addEventListener('input', () => {
      const v = rest.control.value.trim();
      if (!identityTyped) identity.control.value = /\/rest\/?$/.test(v) ? v.replace(/\/rest\/?$/, '/identity') : '';
    });

    async function onSubmit(e) {
      e.preventDefault();
      clear(status);
      let firstBad = null;
      for (const [name, f] of Object.entries(fields)) {
        f.setError('');
        if (!f.control.value.trim()) {
          f.setError(`Enter the ${name === 'client_id' ? 'client ID' : name.replace(/_/g, ' ')}.`);
          firstBad = firstBad || f.control;
        }
      }
      if (firstBad) { firstBad.focus(); return; }
      submit.disabled = true;
      submit.textContent = 'Connecting to Marketo…';
      try {
        connection = await put('/integrations/marketo', Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.control.value.trim()])));
        renderConnection();
        append(connectionSection, [notice('success', settings.marketo_check_enabled
          ? 'Connected. Marketo accepted the client ID and secret.'
          : 'Connected. Marketo accepted the client ID and secret. You can now turn on the Marketo unsubscribe check above.'),
        connectionChecksList(connection.checks)]);
        clear(switchMessage);
        connectionSection.focus();
        return;
      } catch (err) {
        if (err.handled) return;
        const target = err.field && fields[err.field];
        if (target) target.setError(`${sentence(err.message)} Correct it and press Connect again.`);
        clear(status, notice('error', connectError(err)), connectionChecksList(err.body && err.body.checks));
        (target ? target.control : secret.control).focus();
      }
      submit.disabled = false;
      submit.textContent = 'Connect';
    }

    return h('form', { onsubmit: onSubmit, novalidate: true, class: 'stack connection-form', 'aria-label': 'Marketo connection' },
      h('div', { class: 'grid-2 tight' }, rest.wrap, identity.wrap, clientId.wrap, secret.wrap),
      status,
      h('div', { class: 'actions' }, submit));
  }

  renderConnection();
  return h('div', { class: 'stack' },
    h('h1', {}, 'Unsubscribe'),
    tabs('Integrations'),
    readOnly ? readOnlyNotice() : feedBanners(connection),
    checkSection,
    connectionSection,
    connection && !readOnly ? webhookPanel(connection.webhook) : null);
}

// What connecting checked: a tick, a cross with the reason, or a question mark with what is
// not known (the write-back's permission cannot be tested without writing).
const CHECK_LABELS = {
  token: 'Client ID and secret (Identity token)',
  lead_lookup: 'Reading people (Read-Only Lead)',
  activity_read: 'Reading activities (Read-Only Activity)',
  write_back: 'Updating people for one-click unsubscribes (Read-Write Lead)',
};

function connectionChecksList(checks) {
  if (!checks || !checks.length) return null;
  return h('ul', { class: 'connection-checks', 'data-testid': 'connection-checks', 'aria-label': 'What connecting checked' },
    ...checks.map((c) => {
      const [mark, state] = c.ok === true ? ['✓', 'passed'] : c.ok === false ? ['✗', 'failed'] : ['?', 'not known'];
      const why = c.message || c.warning;
      return h('li', { 'data-check': c.name, 'data-state': state },
        h('span', { role: 'img', 'aria-label': `${state}:`, title: state }, mark), ' ',
        CHECK_LABELS[c.name] || c.name, why ? ` — ${sentence(why)}` : '');
    }));
}

// For admins: why the mirror of Marketo is not trusted right now (every send asks
// Marketo, spending lookups): the feed's last read failed, or its share of the budget is
// spent; when the feed matches changes by a field's display name; and when the instance's
// calls near its daily quota.
function feedBanners(connection) {
  if (!connection || !connection.sync) return null;
  const { sync, usage } = connection;
  const failing = sync.last_error && (!sync.last_success_at || sync.last_error_at > sync.last_success_at);
  const reserveOnly = usage.background_budget > 0 && usage.background_calls_today >= usage.background_budget;
  return [
    failing ? notice('error',
      h('p', { class: 'notice-title' }, 'Marketo activity feed is failing'),
      h('p', { 'data-testid': 'feed-error' }, `Since `, timeEl(sync.last_error_at), `: ${sentence(sync.last_error)} Every recipient is checked with Marketo directly until the feed recovers.`)) : null,
    reserveOnly ? notice('warning',
      h('p', { class: 'notice-title' }, 'Background Marketo calls are spent for today'),
      h('p', {}, `The activity feed and write-backs used their ${usage.background_budget} calls; the rest of today's budget is kept for checking recipients. The feed resumes at midnight US Central.`)) : null,
    sync.warning ? notice('warning',
      h('p', { class: 'notice-title' }, 'Marketo activity feed reads less surely than it should'),
      h('p', { 'data-testid': 'feed-warning' }, `${sentence(sync.warning)} Check that the Marketo role can describe lead fields; the feed asks again at every read.`)) : null,
    usage.near_quota ? notice('warning',
      h('p', { class: 'notice-title' }, 'Marketo API quota nearly spent'),
      h('p', { 'data-testid': 'quota-warning' }, `Today's calls to your Marketo instance reached ${usage.calls_today + usage.other_calls_today} of its daily quota of ${usage.daily_quota} (${usage.other_calls_today} by your other integrations). Once it is spent, Marketo refuses every integration's calls until midnight US Central.`)) : null,
  ].filter(Boolean);
}

function connectError(err) {
  if (err.code === 'marketo_auth_failed') {
    return `Not connected: Marketo refused the client ID and secret. Copy both again from Marketo (Admin → LaunchPoint → View Details) and press Connect. (${err.message})`;
  }
  if (err.code === 'marketo_unreachable') {
    return `Not connected: Sendguard could not reach Marketo's Identity endpoint. Check both endpoint addresses (Admin → Web Services in Marketo) and press Connect. (${err.message})`;
  }
  if (err.code === 'invalid_request') return `Not connected: ${sentence(err.message)} Correct it and press Connect again.`;
  return `Not connected: ${sentence(err.message)} Try again in a moment.`;
}
