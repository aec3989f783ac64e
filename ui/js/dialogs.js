// One modal dialog at a time, on the native <dialog> element: focus is trapped, Esc cancels.

import { $, h } from './dom.js';

let onCancel = null;

const dialog = $('dialog');
dialog.addEventListener('cancel', (e) => {
  e.preventDefault();
  close(false);
});

export function close(result) {
  if (dialog.open) dialog.close();
  const cb = onCancel;
  onCancel = null;
  if (cb) cb(result);
}

/**
 * Open a dialog. `actions` are [{label, primary, danger, id, onClick}] buttons; `onClosed`
 * hears how it ended. Returns the dialog element.
 */
export function openDialog({ title, body, actions = [], onClosed, wide = false }) {
  if (dialog.open) close(false);
  dialog.className = wide ? 'dialog dialog-wide' : 'dialog';
  dialog.replaceChildren(
    h('h2', { id: 'dialog-title', class: 'dialog-title', text: title }),
    h('div', { class: 'dialog-body' }, body),
    h(
      'div',
      { class: 'dialog-actions' },
      actions.map((a) =>
        h('button', {
          type: 'button',
          id: a.id,
          class: `btn${a.primary ? ' btn-primary' : ''}${a.danger ? ' btn-danger' : ''}`,
          text: a.label,
          onclick: a.onClick,
        }),
      ),
    ),
  );
  onCancel = onClosed || null;
  dialog.showModal();
  const first = dialog.querySelector('input, select, textarea, .btn-primary, button');
  if (first) first.focus();
  return dialog;
}

/** Ask a yes/no question; resolves to true when confirmed. */
export function confirmDialog({ title, message, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    openDialog({
      title,
      body: h('p', { text: message }),
      actions: [
        { label: 'Cancel', onClick: () => close(false) },
        { label: confirmLabel, primary: !danger, danger, id: 'dialog-confirm', onClick: () => close(true) },
      ],
      onClosed: (ok) => resolve(Boolean(ok)),
    });
  });
}
