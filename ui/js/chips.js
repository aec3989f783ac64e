// The header's status chips.

import { $, h, replace } from './dom.js';
import { absoluteTime, clockTime } from './format.js';

function chip(text, cls, title, onClick, id) {
  return onClick
    ? h('button', { type: 'button', class: `chip chip-button ${cls}`, title, text, onclick: onClick, id })
    : h('span', { class: `chip ${cls}`, title, text, id });
}

/** The chips beside the account name: demo, reseller, offline, unreadable accounts, a busy
 *  server, pending changes and conflicts (those two open the pending list). */
export function renderChips(boot, view, openPending) {
  const s = boot && boot.status;
  const list = [];
  if (boot && boot.demo) list.push(chip('Demo', 'chip-demo', 'Demo data from the built-in local backend'));
  if (view.is_reseller) list.push(chip('Reseller', ''));
  if (s && !s.online) {
    const asOf = s.as_of || view.freshness.fetched_at;
    list.push(chip(`Offline — as of ${clockTime(asOf)}`, 'chip-offline', absoluteTime(asOf), null, 'chip-offline'));
  }
  if (s && s.unreadable_accounts)
    list.push(
      chip(
        `${s.unreadable_accounts} unreadable account${s.unreadable_accounts === 1 ? '' : 's'}`,
        'chip-offline',
        'The server listed accounts this app could not read (no valid ID); they are not in the switcher',
        null,
        'chip-unreadable',
      ),
    );
  if (s && s.pending && s.retry_at)
    list.push(
      chip(
        `Server busy — next try ${clockTime(s.retry_at)}`,
        'chip-offline',
        'The server failed or asked to wait; your changes stay saved here and are sent then',
        null,
        'chip-busy',
      ),
    );
  if (s && s.pending)
    list.push(
      chip(
        `${s.pending} pending`,
        'chip-pending',
        'Changes saved on this computer, not yet on the server',
        openPending,
        'chip-pending',
      ),
    );
  if (s && s.conflicts)
    list.push(
      chip(
        `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}`,
        'chip-conflict',
        'Changed on the server too: choose what to keep',
        openPending,
        'chip-conflict',
      ),
    );
  replace($('chips'), list);
}
