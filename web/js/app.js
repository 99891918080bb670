// The web app shell: session, layout and client-side routing. Each page is a module
// under pages/ whose render(ctx) returns the main content (a Node, possibly async).

import { h, clear, notice } from './dom.js';
import { api, get, post, setCsrfToken, onUnauthorized, ApiError } from './api.js';

const ROUTES = [
  { path: '/sign-in', page: 'signin', bare: true },
  { path: '/compose', page: 'compose', nav: 'compose' },
  { path: '/send-to-many', page: 'bulk', nav: 'bulk' },
  { path: '/campaigns', page: 'campaigns', nav: 'campaigns' },
  { path: '/campaigns/:id', page: 'campaign', nav: 'campaigns' },
  { path: '/emails', page: 'emails', nav: 'emails' },
  { path: '/settings', page: 'settings', nav: 'settings' },
  { path: '/settings/admin', page: 'settings', nav: 'settings' },
  { path: '/settings/admin/unsubscribe', page: 'settings', nav: 'settings' },
  { path: '/settings/admin/unsubscribe/integrations', page: 'settings', nav: 'settings' },
  { path: '/settings/email-client', page: 'email-client', nav: 'settings' },
  { path: '/settings/admin/relay', page: 'relay-credentials', nav: 'settings' },
  { path: '/audit', page: 'audit', nav: 'audit', admin: true },
  { path: '/dashboard', page: 'dashboard', nav: 'dashboard', admin: true },
];

const NAV = [
  { id: 'compose', href: '/compose', label: 'Compose' },
  { id: 'bulk', href: '/send-to-many', label: 'Send to many' },
  { id: 'campaigns', href: '/campaigns', label: 'Campaigns' },
  { id: 'emails', href: '/emails', label: 'Emails' },
  { id: 'audit', href: '/audit', label: 'Audit log', admin: true },
  { id: 'dashboard', href: '/dashboard', label: 'Dashboard', admin: true },
];

const GEAR_ICON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><path fill="currentColor" d="M19.14 12.94a7.07 7.07 0 0 0 .06-.94 7.07 7.07 0 0 0-.06-.94l2.03-1.58a.49.49 0 0 0 .12-.61l-1.92-3.32a.49.49 0 0 0-.59-.22l-2.39.96a7.03 7.03 0 0 0-1.62-.94l-.36-2.54a.48.48 0 0 0-.48-.41h-3.84a.48.48 0 0 0-.47.41l-.36 2.54a7.4 7.4 0 0 0-1.62.94l-2.39-.96a.48.48 0 0 0-.59.22L2.74 8.87a.47.47 0 0 0 .12.61l2.03 1.58a7.27 7.27 0 0 0 0 1.88l-2.03 1.58a.49.49 0 0 0-.12.61l1.92 3.32c.12.22.37.29.59.22l2.39-.96c.5.38 1.04.7 1.62.94l.36 2.54c.05.24.25.41.48.41h3.84c.24 0 .44-.17.47-.41l.36-2.54a7.4 7.4 0 0 0 1.62-.94l2.39.96c.22.08.47 0 .59-.22l1.92-3.32a.47.47 0 0 0-.12-.61zM12 15.6A3.6 3.6 0 1 1 12 8.4a3.6 3.6 0 0 1 0 7.2z"/></svg>';

const LOGO = '<svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true" focusable="false"><path fill="currentColor" d="M16 2 4 6.5v8.3C4 22.4 9.1 28.6 16 30c6.9-1.4 12-7.6 12-15.2V6.5z" opacity=".25"/><path fill="currentColor" d="M8 11h16v11H8zm1.6 1.6v.3L16 17l6.4-4.1v-.3z"/></svg>';

const state = { session: null, renderToken: 0, notice: null };
const appEl = document.getElementById('app');

function match(pathname) {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const route of ROUTES) {
    const want = route.path.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(':') ? (params[w.slice(1)] = decodeURIComponent(parts[i])) : w === parts[i]))) {
      return { route, params };
    }
  }
  return null;
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  render({ focus: true });
}

// Pages call this to say something on the next page (e.g. after sign-out).
export function flash(kind, text) {
  state.notice = { kind, text };
}

function isAdmin() {
  return state.session && state.session.user.role === 'admin';
}

function layout(activeNav) {
  const user = state.session.user;
  const navList = h('ul', {}, NAV.filter((n) => !n.admin || isAdmin()).map((n) =>
    h('li', {}, h('a', { href: n.href, 'aria-current': n.id === activeNav ? 'page' : null }, n.label))));
  const nav = h('nav', { id: 'primary-nav', class: 'primary-nav', 'aria-label': 'Main' }, navList);
  const toggle = h('button', {
    type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'primary-nav',
    onclick: () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      nav.classList.toggle('open', open);
    },
  }, 'Menu');
  const gear = h('a', { href: '/settings', class: ['icon-link', activeNav === 'settings' && 'active'],
    'aria-label': 'Settings', title: 'Settings', 'aria-current': activeNav === 'settings' ? 'page' : null });
  gear.innerHTML = GEAR_ICON; // a constant, never data
  const brand = h('a', { href: '/compose', class: 'brand' });
  brand.innerHTML = LOGO;
  brand.append(h('span', {}, 'Sendguard'));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'topbar-row' },
      brand,
      h('div', { class: 'account' },
        h('span', { class: 'who' },
          h('span', { class: 'user-email', 'data-testid': 'user-email' }, user.email),
          h('span', { class: `role-badge role-${user.role}`, 'data-testid': 'user-role' }, user.role === 'admin' ? 'Admin' : 'User')),
        gear,
        h('button', { type: 'button', class: 'button-quiet', onclick: signOut }, 'Sign out')),
      toggle),
    nav);
  clear(appEl,
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to main content'),
    header, main,
    h('footer', { class: 'footer' }, `Team ${user.team || ''}`.trim()));
  return main;
}

async function signOut() {
  try {
    await post('/auth/logout');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      alert(`Could not sign out: ${err.message} Try again.`);
      return;
    }
  }
  state.session = null;
  setCsrfToken(null);
  flash('success', 'You are signed out.');
  navigate('/sign-in');
}

export function setSession(session) {
  state.session = session;
  setCsrfToken(session ? session.csrf_token : null);
}

export async function render({ focus = false } = {}) {
  const token = ++state.renderToken;
  const found = match(location.pathname);
  if (!found) {
    if (location.pathname === '/' || location.pathname === '') return navigate('/compose', { replace: true });
    return renderMissing();
  }
  const { route, params } = found;
  if (!route.bare && !state.session) {
    const next = location.pathname + location.search;
    history.replaceState(null, '', `/sign-in?next=${encodeURIComponent(next)}`);
    return render({ focus });
  }
  const query = new URLSearchParams(location.search);
  const main = route.bare ? clear(appEl, h('main', { id: 'main', tabindex: '-1', class: 'bare' })).firstChild : layout(route.nav);
  if (state.notice) {
    main.append(notice(state.notice.kind, state.notice.text));
    state.notice = null;
  }
  const slot = h('div', { class: 'page', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
  main.append(slot);
  const ctx = {
    params, query, navigate, flash, setSession,
    user: state.session && state.session.user, admin: isAdmin(),
    path: location.pathname,
    stale: () => token !== state.renderToken,
  };
  try {
    if (route.admin && !isAdmin()) {
      clear(slot, forbiddenPage(route));
    } else {
      const mod = await import(`./pages/${route.page}.js`);
      const content = await mod.render(ctx);
      if (token !== state.renderToken) return;
      clear(slot, content);
    }
  } catch (err) {
    if (token !== state.renderToken || (err instanceof ApiError && err.handled)) return;
    clear(slot, notice('error', `This page could not load: ${err.message} `,
      h('button', { type: 'button', class: 'button-link', onclick: () => render() }, 'Try again'),
      ' or reload the page.'));
  }
  slot.removeAttribute('aria-busy');
  const h1 = main.querySelector('h1');
  document.title = h1 ? `${h1.textContent} · Sendguard` : 'Sendguard';
  if (focus && h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  }
}

function forbiddenPage(route) {
  const what = route.nav === 'audit' ? 'the audit log' : 'the dashboard';
  return h('section', {},
    h('h1', {}, route.nav === 'audit' ? 'Audit log' : 'Dashboard'),
    notice('info', `Only team admins can see ${what}. If you need it, ask an admin of your team.`));
}

function renderMissing() {
  const main = state.session ? layout(null) : clear(appEl, h('main', { id: 'main', class: 'bare' })).firstChild;
  main.append(h('h1', {}, 'Page not found'),
    h('p', {}, 'There is no page at this address. ', h('a', { href: '/compose' }, 'Go to Compose'), '.'));
}

// Internal links change the route without reloading the page.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.hash) return; // in-page anchor
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => render({ focus: true }));

onUnauthorized(() => {
  if (!state.session) return;
  state.session = null;
  setCsrfToken(null);
  flash('warning', 'Your session has ended. Sign in again to continue.');
  const next = location.pathname + location.search;
  navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
});

async function boot() {
  try {
    setSession(await api('GET', '/auth/me'));
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) {
      clear(appEl, h('main', { id: 'main', class: 'bare' },
        h('h1', {}, 'Sendguard is not reachable'),
        notice('error', `${err.message} `, h('button', { type: 'button', class: 'button-link', onclick: boot }, 'Try again'), '.')));
      return;
    }
    setSession(null);
  }
  render();
}

boot();
