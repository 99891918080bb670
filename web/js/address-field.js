// An address field that turns typed or pasted addresses into chips, so a refused
// recipient can be highlighted right where it was entered. Keyboard: type, then comma,
// semicolon, Enter or Tab to add; Backspace in the empty box removes the last chip.

import { h, nextId, clear } from './dom.js';
import { splitAddresses, isEmail } from './csv.js';

export function addressField({ label, name, hint }) {
  const inputId = nextId(name);
  const errorEl = h('p', { class: 'field-error', id: `${inputId}-error`, hidden: true });
  const hintEl = hint ? h('p', { class: 'hint', id: `${inputId}-hint` }, hint) : null;
  const chips = h('ul', { class: 'chips', 'aria-label': `${label} recipients` });
  const input = h('input', {
    id: inputId, name, type: 'text', autocomplete: 'off', spellcheck: 'false', inputmode: 'email',
    'aria-describedby': [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '),
  });
  const box = h('div', { class: 'chip-box', onclick: (e) => { if (e.target === box) input.focus(); } }, chips, input);
  let addresses = [];
  let flagged = new Map(); // lower-cased address -> reason text
  const listeners = [];

  function render() {
    clear(chips, ...addresses.map((address) => {
      const reason = flagged.get(address.toLowerCase());
      const invalid = !isEmail(address);
      const note = reason || (invalid ? 'not a valid address' : '');
      return h('li', {
        class: ['chip', reason && 'chip-flagged', invalid && 'chip-invalid'],
        dataset: { address },
        title: note || null,
      },
      h('span', { class: 'chip-text' }, address),
      note ? h('span', { class: 'visually-hidden' }, ` (${note})`) : null,
      h('button', {
        type: 'button', class: 'chip-remove', 'aria-label': `Remove ${address}`,
        onclick: () => { remove(address); input.focus(); },
      }, '×'));
    }));
    const hasFlag = addresses.some((a) => flagged.has(a.toLowerCase()));
    box.classList.toggle('has-error', hasFlag || !errorEl.hidden);
    listeners.forEach((fn) => fn());
  }

  function commit() {
    const typed = splitAddresses(input.value);
    input.value = '';
    for (const a of typed) {
      if (!addresses.some((x) => x.toLowerCase() === a.toLowerCase())) addresses.push(a);
    }
    if (typed.length) render();
  }

  function remove(address) {
    addresses = addresses.filter((a) => a !== address);
    flagged.delete(address.toLowerCase());
    render();
  }

  input.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ',' || e.key === ';') && input.value.trim()) {
      e.preventDefault();
      commit();
    } else if (e.key === 'Backspace' && input.value === '' && addresses.length) {
      remove(addresses[addresses.length - 1]);
    }
  });
  input.addEventListener('blur', commit);
  input.addEventListener('paste', () => setTimeout(() => { if (/[,;\n]/.test(input.value)) commit(); }, 0));

  const wrap = h('div', { class: 'field' }, h('label', { for: inputId }, label), hintEl, box, errorEl);

  return {
    wrap, input,
    values() { commit(); return [...addresses]; },
    set(list) { addresses = [...list]; flagged = new Map(); render(); },
    flag(map) { flagged = new Map([...map].map(([a, r]) => [a.toLowerCase(), r])); render(); },
    flaggedIn() { return addresses.filter((a) => flagged.has(a.toLowerCase())); },
    removeFlagged() { addresses = addresses.filter((a) => !flagged.has(a.toLowerCase())); flagged = new Map(); render(); },
    setError(message) {
      errorEl.hidden = !message;
      errorEl.textContent = message || '';
      if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
      box.classList.toggle('has-error', Boolean(message));
    },
    onChange(fn) { listeners.push(fn); },
  };
}
