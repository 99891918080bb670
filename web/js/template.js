// Client-side preview of the server's {{name}} placeholders (mustache variables).

const PLACEHOLDER = /\{\{\{\s*([\w.-]+)\s*\}\}\}|\{\{\s*&?\s*([\w.-]+)\s*\}\}/g;

export function placeholders(...templates) {
  const names = new Set();
  for (const t of templates) {
    for (const m of (t || '').matchAll(PLACEHOLDER)) names.add(m[1] || m[2]);
  }
  return [...names];
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// Fills placeholders from vars; escapes values when html is true (as the server does
// for {{name}}, not for {{{name}}}). Missing names are returned, left visible in place.
export function fill(template, vars, { html = false } = {}) {
  const missing = [];
  const out = (template || '').replace(PLACEHOLDER, (whole, raw, plain) => {
    const name = raw || plain;
    if (!(name in vars)) { missing.push(name); return whole; }
    return html && plain ? escapeHtml(vars[name]) : vars[name];
  });
  return { text: out, missing };
}
