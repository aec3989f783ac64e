// Pending edits: the list (saved on this computer, not yet on the server) and the side-by-side
// conflict view where the user picks, per field, whose value wins.

import { close, openDialog } from './dialogs.js';
import { h } from './dom.js';
import { relativeTime } from './format.js';
import { call } from './ipc.js';

const STATE_TEXT = {
  queued: 'Waiting to be sent',
  conflict: 'Changed on the server too: choose',
  needs_consent: 'Needs your approval of charges',
  failed: 'Refused by the server',
};

/** The conflict view: base / theirs / mine per field, one choice each. */
export function showConflict(edit, { onDone }) {
  const conflicts = edit.fields.filter((f) => f.theirs !== null && f.theirs !== undefined);
  const rows = conflicts.map((f, i) =>
    h(
      'tr',
      { dataset: { path: f.path } },
      h('th', { scope: 'row', text: f.label }),
      h('td', { class: 'mono-soft', text: f.base }),
      h(
        'td',
        {},
        h(
          'label',
          { class: 'choice' },
          h('input', {
            type: 'radio',
            name: `c-${i}`,
            value: 'theirs',
            'aria-label': `Keep the server's value for ${f.label}`,
          }),
          h('span', { class: 'mono-soft', text: f.theirs }),
        ),
      ),
      h(
        'td',
        {},
        h(
          'label',
          { class: 'choice' },
          h('input', {
            type: 'radio',
            name: `c-${i}`,
            value: 'mine',
            checked: true,
            'aria-label': `Use my value for ${f.label}`,
          }),
          h('span', { class: 'mono-soft', text: f.mine }),
        ),
      ),
    ),
  );
  const error = h('p', { class: 'field-error', role: 'alert' });
  openDialog({
    title: `Conflict on ${edit.account_name}`,
    wide: true,
    body: [
      h('p', {
        text: 'Someone changed these fields on the server after you edited them. Choose, per field, which value the account should end with. Your other changes are not affected.',
      }),
      h(
        'table',
        { class: 'table conflict-table', id: 'conflict-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Field', 'When you started', 'On the server now', 'Yours'].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h('tbody', {}, rows),
      ),
      error,
    ],
    actions: [
      { label: 'Later', onClick: () => close(false) },
      {
        label: 'Apply choices',
        primary: true,
        id: 'conflict-apply',
        onClick: async () => {
          const choices = rows.map((r) => [r.dataset.path, r.querySelector('input:checked').value]);
          try {
            await call('resolve_conflict', { id: edit.account_id, kind: edit.kind, choices });
            close(true);
            onDone();
          } catch (err) {
            error.textContent = err.message;
          }
        },
      },
    ],
  });
}

/** Every pending edit, with what can be done about each. */
export async function showPending({ onOpen, onDone, onCharges, notify }) {
  let edits;
  try {
    edits = await call('pending_edits');
  } catch (err) {
    notify(err);
    return;
  }
  const list = edits.length
    ? h(
        'ul',
        { class: 'pending-list', id: 'pending-list' },
        edits.map((e) =>
          h(
            'li',
            { class: `pending-item pending-${e.state}`, dataset: { account: e.account_id, kind: e.kind } },
            h(
              'div',
              { class: 'pending-head' },
              h('strong', { text: e.account_name }),
              h('span', {
                class: 'muted',
                text: ` · ${e.kind === 'limits' ? 'Trunks' : 'Account Info'} · ${STATE_TEXT[e.state]} · ${relativeTime(e.updated_at)}`,
              }),
            ),
            e.message ? h('p', { class: 'note note-problem', text: e.message }) : null,
            h(
              'ul',
              { class: 'pending-fields' },
              e.fields.map((f) =>
                h(
                  'li',
                  {},
                  h('span', { class: 'pending-field', text: f.label }),
                  ': ',
                  h('span', { class: 'mono-soft', text: f.base }),
                  ' → ',
                  h('span', { class: 'mono-soft', text: f.mine }),
                ),
              ),
            ),
            h(
              'div',
              { class: 'pending-actions' },
              h('button', {
                type: 'button',
                class: 'btn btn-small',
                text: 'Open',
                onclick: () => {
                  close(true);
                  onOpen(e.account_id, e.kind);
                },
              }),
              e.state === 'conflict'
                ? h('button', {
                    type: 'button',
                    class: 'btn btn-small btn-primary',
                    text: 'Resolve…',
                    onclick: () => showConflict(e, { onDone }),
                  })
                : null,
              e.state === 'needs_consent'
                ? h('button', {
                    type: 'button',
                    class: 'btn btn-small btn-primary',
                    text: 'Review charges…',
                    onclick: () => {
                      close(true);
                      onCharges(e);
                    },
                  })
                : null,
              h('button', {
                type: 'button',
                class: 'btn btn-small btn-danger',
                text: 'Discard',
                onclick: async () => {
                  try {
                    await call('discard_edit', { id: e.account_id, kind: e.kind, path: null });
                    close(true);
                    onDone();
                  } catch (err) {
                    notify(err);
                  }
                },
              }),
            ),
          ),
        ),
      )
    : h('p', { class: 'muted', text: 'Nothing is waiting: every change is on the server.' });
  openDialog({
    title: 'Pending changes',
    wide: true,
    body: list,
    actions: [{ label: 'Close', primary: true, onClick: () => close(true) }],
  });
}

/** A dot on every account in the switcher that has changes waiting to be sent. */
export async function markPendingInTree() {
  const edits = await call('pending_edits').catch(() => []);
  const states = new Map(edits.map((e) => [e.account_id, e.state]));
  for (const el of document.querySelectorAll('[role=treeitem], .shortcut')) {
    const state = states.get(el.dataset.id);
    const row = el.matches('.shortcut') ? el : el.querySelector(':scope > .node-row');
    let dot = row.querySelector('.pending-dot');
    if (!state) {
      if (dot) dot.remove();
      continue;
    }
    if (!dot) {
      dot = h(
        'span',
        { class: 'pending-dot', title: 'Changes waiting to be sent' },
        h('span', { class: 'visually-hidden', text: ' (pending changes)' }),
      );
      row.append(dot);
    }
    dot.dataset.state = state;
  }
}
