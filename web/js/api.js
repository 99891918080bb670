// The one place the web app talks to the server. Session cookie auth: the browser sends
// the HttpOnly cookie; every state-changing request adds the CSRF token from sign-in.
// A 401 anywhere but sign-in means the session ended: the app is told and shows sign-in.

let csrfToken = null;
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const err = (body && body.error) || {};
    super(err.message || `The server answered ${status}.`);
    this.status = status;
    this.code = err.code || (status === 0 ? 'network_error' : 'http_' + status);
    this.field = err.field || null;
    this.recipients = err.recipients || [];
    this.body = body || null; // the whole answer, for routes that add to the error
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
    this.handled = false; // set when the app already reacted (e.g. showed sign-in)
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export async function api(method, path, body, { retried = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { error: { code: 'network_error',
      message: 'Could not reach Sendguard. Check your network connection and try again.' } });
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  // A stale CSRF token (e.g. signed in again in another tab): fetch the current one once.
  if (res.status === 403 && !retried && data && data.error && data.error.code === 'csrf_failed') {
    try {
      const me = await api('GET', '/auth/me');
      setCsrfToken(me.csrf_token);
      return api(method, path, body, { retried: true });
    } catch {
      /* fall through to the original error */
    }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data, res.headers.get('Retry-After'));
    if (res.status === 401 && !path.startsWith('/auth/')) {
      error.handled = true;
      unauthorizedHandler(error);
    }
    throw error;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const put = (path, body = {}) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);
