// The Change Log tab: what was pushed, by whom, old → new, and the server's answer.

import { h, replace } from './dom.js';
import { absoluteTime } from './format.js';
import { call } from './ipc.js';

const RESULT_CLASS = (r) =>
  r === 'applied' ? 'ok' : r.startsWith('conflict') || r.startsWith('discarded') ? 'warn' : 'bad';

export async function renderChangeLog(panel, accountId, { notify, formatTime }) {
  let records;
  try {
    records = await call('change_log', { id: accountId });
  } catch (err) {
    notify(err);
    return;
  }
  const exportButton = h('button', {
    type: 'button',
    class: 'btn btn-small',
    id: 'export-log',
    text: 'Export CSV…',
    onclick: async () => {
      try {
        const path = await call('export_change_log', { id: accountId });
        if (path) notify({ code: 'info', message: `Saved ${records.length} changes to ${path}` }, true);
      } catch (err) {
        notify(err);
      }
    },
  });
  const shown = (v) => (v === null || v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v));
  replace(
    panel,
    h(
      'div',
      { class: 'panel-bar' },
      h('p', { class: 'muted', text: 'Every change sent from this computer, newest first. Kept locally.' }),
      h('span', { class: 'spacer' }),
      exportButton,
    ),
    records.length
      ? h(
          'table',
          { class: 'table log-table', id: 'change-log' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['When', 'Who', 'Field', 'Old', 'New', 'Result'].map((t) => h('th', { scope: 'col', text: t })),
            ),
          ),
          h(
            'tbody',
            {},
            records.map((r) =>
              h(
                'tr',
                {},
                h('td', { title: absoluteTime(r.at), text: formatTime(r.at) }),
                h('td', { title: r.edited_at ? `Edited ${absoluteTime(r.edited_at)}` : null, text: r.user }),
                h('td', { text: r.field }),
                h('td', { class: 'mono-soft', text: shown(r.old) }),
                h('td', { class: 'mono-soft', text: shown(r.new) }),
                h('td', {
                  class: `result result-${RESULT_CLASS(r.result)}`,
                  title: r.request_id ? `Request ID ${r.request_id}` : null,
                  text: r.result,
                }),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty', text: 'No changes have been sent for this account from this computer yet.' }),
  );
}
