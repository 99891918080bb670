// Settings → Your API tokens: the signed-in user's tokens by name and age (never their
// values), creating one (its value is shown once) and revoking one.
import { h, notice } from '../dom.js';
import { namedSecretsPanel } from '../named-secrets.js';

export function tokensPanel() {
  return namedSecretsPanel({
    path: '/tokens',
    listKey: 'tokens',
    title: 'Your API tokens',
    titleId: 'tokens-title',
    intro: 'Email clients, Salesforce and scripts use an API token to send as you. Revoke one you no longer use.',
    nameLabel: 'Token name',
    nameInput: 'token_name',
    nameHint: 'What it is for, e.g. "Outlook on my laptop" or "CRM sync".',
    nameMissing: 'Enter a name for the token.',
    createLabel: 'Create token',
    formLabel: 'New API token',
    emptyText: 'You have no API tokens.',
    listFailed: 'Your tokens could not be loaded',
    createFailed: 'No token was created',
    revokeWarning: 'Programs using it stop working. ',
    revokedText: 'Programs using it can no longer send as you.',
    testIds: { empty: 'no-tokens', list: 'token-list', row: 'token-row' },
    columns: ['Name'],
    cells: (token) => [token.name],
    created: (made) => notice('success',
      h('p', {}, `Created ${made.name}. Copy the token now: it is shown only this once.`),
      h('code', { class: 'secret', 'data-testid': 'new-token' }, made.token)),
  });
}
