// Tiny DOM helpers: h() builds elements from plain values. Strings always become text
// nodes, never HTML, so server data cannot inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else if (key === 'ref') {
      value(el);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form field: label, control, optional hint and an error slot the control
// is described by. Returns { wrap, control, error, setError(msg) }.
export function field({ label, control, hint, id, hintBelow = false }) {
  const controlId = id || control.id || nextId('field');
  control.id = controlId;
  const hintEl = hint ? h('p', { class: 'hint', id: `${controlId}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: `${controlId}-error`, hidden: true });
  const describedBy = [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  const wrap = h('div', { class: 'field' },
    h('label', { for: controlId }, label), hintBelow ? null : hintEl, control, hintBelow ? hintEl : null, errorEl);
  return {
    wrap, control, error: errorEl,
    setError(message) {
      errorEl.hidden = !message;
      errorEl.textContent = message || '';
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

// A message box: kind is "error", "warning", "success" or "info". Errors are announced
// immediately (role=alert); the rest politely (role=status).
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Where a page sits: `levels` from the top ({ path, label }), the last one being this page.
export function breadcrumb(levels) {
  return h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('ol', {},
    levels.map((l, i) => h('li', {},
      i === levels.length - 1 ? h('span', { 'aria-current': 'page' }, l.label) : h('a', { href: l.path }, l.label)))));
}

export function timeEl(iso) {
  return iso ? h('time', { datetime: iso, title: iso }, formatTime(iso)) : '—';
}

export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
