// Sign-in: email and password; a session cookie on success.
import { h, field, notice, clear } from '../dom.js';
import { api, ApiError } from '../api.js';

function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/compose';
}

export async function render(ctx) {
  const next = safeNext(ctx.query.get('next'));
  if (ctx.user) {
    queueMicrotask(() => ctx.navigate(next, { replace: true }));
    return h('p', {}, 'Already signed in…');
  }
  const email = field({ label: 'Email', control: h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true }) });
  const password = field({ label: 'Password', control: h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true }) });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'button-primary' }, 'Sign in');

  async function onSubmit(e) {
    e.preventDefault();
    clear(status);
    email.setError(''); password.setError('');
    if (!email.control.value.trim()) { email.setError('Enter the email address you sign in with.'); email.control.focus(); return; }
    if (!password.control.value) { password.setError('Enter your password.'); password.control.focus(); return; }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const session = await api('POST', '/auth/login', { email: email.control.value.trim(), password: password.control.value });
      ctx.setSession(session);
      ctx.navigate(next, { replace: true });
      return;
    } catch (err) {
      clear(status, notice('error', signInError(err)));
      password.control.value = '';
      password.control.focus();
    }
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }

  return h('div', { class: 'signin' },
    h('div', { class: 'signin-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '✉'), 'Sendguard'),
    h('section', { class: 'card' },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'Sales email that never reaches a person who unsubscribed.'),
      status,
      h('form', { onsubmit: onSubmit, novalidate: true }, email.wrap, password.wrap, h('div', { class: 'actions' }, submit)),
      h('p', { class: 'hint' }, 'No password yet? Ask whoever runs Sendguard for your team to set one for you.')));
}

function signInError(err) {
  if (!(err instanceof ApiError)) return `Could not sign in: ${err.message}. Try again.`;
  if (err.status === 401) return 'That email and password do not match. Check both and try again; if you forgot your password, ask whoever runs Sendguard for your team to reset it.';
  if (err.status === 429) {
    const wait = err.retryAfter ? `${err.retryAfter} seconds` : 'a few minutes';
    return `Too many failed attempts. Wait ${wait}, then try again.`;
  }
  if (err.status === 0) return err.message;
  return `Could not sign in: ${err.message} Try again in a moment.`;
}
