// Text to copy into another program (a secret, a setting): shown in full, selectable,
// with a button that puts it on the clipboard.
import { h } from './dom.js';

export function copyBlock(label, text, testid) {
  const code = h('pre', { class: 'copy-block', 'data-testid': testid }, h('code', {}, text));
  const button = h('button', { type: 'button', class: 'button-secondary', onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy the text';
    }
  } }, `Copy ${label}`);
  return h('div', { class: 'stack tight' }, code, h('div', { class: 'actions' }, button));
}
