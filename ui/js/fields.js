// Form plumbing shared by the edit screens: labelled inputs, inline errors, live checks, and
// pending markers. Every rule lives in Rust; the window only asks.

import { h } from './dom.js';
import { call } from './ipc.js';

export const slug = (field) => field.replace(/[^a-z0-9]+/gi, '-');

/** An input with its label, help, inline error and hint, for one Kazoo field path. */
export function input(field, label, value, attrs = {}) {
  const id = `f-${slug(field)}`;
  return h(
    'div',
    { class: 'field', dataset: { input: field } },
    h('label', { for: id, class: 'field-label', text: label }),
    h('input', {
      id,
      value: value ?? '',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': `err-${slug(field)} hint-${slug(field)}`,
      ...attrs,
    }),
    h('p', { class: 'field-error', id: `err-${slug(field)}`, role: 'alert' }),
    h('p', { class: 'field-hint', id: `hint-${slug(field)}` }),
  );
}

export function setError(root, field, message) {
  const err = root.querySelector(`#err-${slug(field)}`);
  const inp = root.querySelector(`#f-${slug(field)}`);
  if (err) err.textContent = message || '';
  if (inp) {
    if (message) inp.setAttribute('aria-invalid', 'true');
    else inp.removeAttribute('aria-invalid');
  }
  return Boolean(err);
}

export function setHint(root, field, text) {
  const hint = root.querySelector(`#hint-${slug(field)}`);
  if (hint) hint.textContent = text || '';
}

export function clearErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) e.textContent = '';
  for (const i of root.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

/**
 * Show field errors ({field, message} list); ones without a field on screen go to `fallback`.
 * Returns true if every error found its field.
 */
export function showErrors(root, fields, fallback) {
  let placed = true;
  for (const f of fields) {
    if (!setError(root, f.field, f.message)) {
      placed = false;
      if (fallback) fallback(f);
    }
  }
  const first = root.querySelector('[aria-invalid=true]');
  if (first) first.focus();
  return placed;
}

/** Check `field` with the core's rules as the user types (debounced); shows error or hint. */
export function liveCheck(root, accountId, field, inputEl, { onDisplay } = {}) {
  let timer = null;
  let seq = 0;
  inputEl.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const r = await call('check_field', { id: accountId, field, value: inputEl.value });
        // A newer keystroke, or a re-rendered form, has the last word.
        if (mine !== seq || !inputEl.isConnected) return;
        setError(root, r.field === 'realm_label' ? 'realm' : field, r.ok ? '' : r.message);
        if (onDisplay) onDisplay(r);
        else setHint(root, field, r.ok && r.display ? `Will be saved as ${r.display}` : '');
      } catch {
        /* the save reports it */
      }
    }, 150);
  });
}

const STATE_LABEL = {
  queued: 'pending',
  conflict: 'conflict',
  needs_consent: 'needs approval',
  failed: 'refused',
};

/** A small marker next to a label when any of `paths` has a pending value. */
export function pendingTag(pending, paths) {
  if (!pending || !paths.some((p) => pending.fields.includes(p))) return null;
  return h('span', {
    class: `pending-tag pending-${pending.state}`,
    text: STATE_LABEL[pending.state] || 'pending',
    title: 'Saved on this computer, not yet on the server',
  });
}
