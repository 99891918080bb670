// Server codes in words people use. Unknown codes fall back to a readable form.

const REASONS = {
  marketo_unsubscribed: 'Unsubscribed in Marketo',
  suppressed: "On your team's suppression list",
  check_unavailable: 'Marketo could not be reached to verify the unsubscribe status',
  template_error: 'A personalization variable had no value',
  already_enrolled: 'Already enrolled in this campaign',
};

const REASON_PREFIXES = {
  smtp_rejected: 'The mail server refused it',
  smtp_unavailable: 'The mail server could not be reached',
  smtp_retrying: 'Delivery is being retried',
};

export function reasonText(reason) {
  if (!reason) return '';
  if (REASONS[reason]) return REASONS[reason];
  const colon = reason.indexOf(':');
  if (colon > 0 && REASON_PREFIXES[reason.slice(0, colon)]) {
    return `${REASON_PREFIXES[reason.slice(0, colon)]}: ${reason.slice(colon + 1).trim()}`;
  }
  return humanize(reason);
}

export const STATUSES = {
  queued: 'Queued',
  held: 'Held — waiting for Marketo',
  sent: 'Sent',
  failed: 'Failed',
  suppressed: 'Silently dropped',
  blocked: 'Blocked',
};

export const WORKFLOWS = {
  individual: 'Individual (compose)',
  plugin: 'Email client plugin',
  campaign: 'Sales campaign',
  select_and_send: 'Select & send',
  group: 'Group email',
};

export const SOURCES = {
  web_app: 'Web app', gmail: 'Gmail', outlook: 'Outlook', salesforce: 'Salesforce', api: 'API',
  email_client: 'Email client',
};

export const ENROLLMENT_STATES = {
  active: 'Active', finished: 'Finished', stopped: 'Stopped',
};

const ACTIONS = {
  'settings.unsubscribe.updated': 'Changed the unsubscribe settings',
  'integrations.marketo.connected': 'Connected Marketo',
  'integrations.marketo.disconnected': 'Disconnected Marketo',
  'email.accepted_unverified': 'Accepted an email without verification (fail-open)',
  'email.sent_unverified': 'Sent an email without verification (fail-open)',
  'bulk_send.accepted_unverified': 'Accepted a bulk send without verification (fail-open)',
  'relay_credential.created': 'Created a relay credential',
  'relay_credential.revoked': 'Revoked a relay credential',
};

export function actionText(action) {
  return ACTIONS[action] || humanize(action.replace(/\./g, ' '));
}

const FIELDS = {
  marketo_check_enabled: 'Marketo unsubscribe check',
  on_check_unavailable: 'When Marketo cannot answer',
  rest_endpoint: 'REST endpoint',
  identity_endpoint: 'Identity endpoint',
  client_id: 'Client ID',
};

export function fieldText(name) {
  return FIELDS[name] || humanize(name);
}

export function valueText(name, value) {
  if (name === 'marketo_check_enabled') return value ? 'on' : 'off';
  if (name === 'on_check_unavailable') return value === 'send' ? 'send anyway' : 'block';
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function statusText(status) {
  return STATUSES[status] || humanize(status || '');
}

export function workflowText(workflow) {
  return WORKFLOWS[workflow] || humanize(workflow || '');
}

export function humanize(code) {
  const s = String(code).replace(/_/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// A server message as a sentence: capitalised, ending with a full stop.
export function sentence(message) {
  const s = String(message || '').trim();
  if (!s) return '';
  const cap = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
}
