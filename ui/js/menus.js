// The profile menu, the settings dialog and the keyboard-shortcut list.

import { close, openDialog } from './dialogs.js';
import { $, h, replace } from './dom.js';
import { call } from './ipc.js';

export function closeMenu() {
  $('profile-menu').hidden = true;
  $('profile-button').setAttribute('aria-expanded', 'false');
}

/** The profile menu: every platform, the demo, adding a platform, signing out, settings. */
export function openMenu(boot, { switchTo, addPlatform, signOut, onSaved, notify }) {
  const menu = $('profile-menu');
  const item = (label, onClick, id) =>
    h('button', { type: 'button', role: 'menuitem', class: 'menu-item', text: label, onclick: onClick, id });
  replace(
    menu,
    boot.profiles.map((p) => item(`${p.label} — ${p.server}`, () => switchTo(p.id))),
    item('Demo (built-in backend)', () => switchTo(null), 'menu-demo'),
    h('hr'),
    item(
      'Add a platform…',
      () => {
        closeMenu();
        addPlatform();
      },
      'menu-add',
    ),
    item(
      'Sign out',
      () => {
        closeMenu();
        signOut();
      },
      'menu-sign-out',
    ),
    item('Settings…', () => {
      closeMenu();
      openSettings(boot, { onSaved, notify });
    }),
  );
  menu.hidden = false;
  $('profile-button').setAttribute('aria-expanded', 'true');
  menu.querySelector('.menu-item').focus();
}

/** Settings: how often to sync and check balances, and which zone times are shown in.
 *  `onSaved(boot)` gets the app's state with the settings saved. */
export function openSettings(boot, { onSaved, notify }) {
  const s = boot.settings;
  const interval = h(
    'select',
    { id: 'set-interval' },
    [
      [60, 'Every minute'],
      [120, 'Every 2 minutes'],
      [300, 'Every 5 minutes'],
      [900, 'Every 15 minutes'],
      [3600, 'Every hour'],
    ].map(([v, l]) => h('option', { value: v, text: l, selected: v === s.sync_interval_secs })),
  );
  const poll = h(
    'select',
    { id: 'set-poll' },
    [
      [60, 'Every minute'],
      [300, 'Every 5 minutes'],
      [900, 'Every 15 minutes'],
      [3600, 'Every hour'],
    ].map(([v, l]) => h('option', { value: v, text: l, selected: v === s.balance_poll_secs })),
  );
  const times = h(
    'select',
    { id: 'set-times' },
    [
      ['local', 'This computer’s time zone'],
      ['account', 'The viewed account’s time zone'],
    ].map(([v, l]) => h('option', { value: v, text: l, selected: v === s.times_in })),
  );
  openDialog({
    title: 'Settings',
    body: [
      h(
        'div',
        { class: 'form-row' },
        h('label', { for: 'set-interval', text: 'Background sync' }),
        interval,
        h('p', {
          class: 'radio-help',
          text: 'Pending changes are sent at once; the account tree and open accounts are refreshed at this interval.',
        }),
      ),
      h('div', { class: 'form-row' }, h('label', { for: 'set-times', text: 'Show times in' }), times),
      h(
        'div',
        { class: 'form-row' },
        h('label', { for: 'set-poll', text: 'Check watched balances' }),
        poll,
        h('p', {
          class: 'radio-help',
          text: 'One request per watched account; a notification when a balance falls below its alert threshold.',
        }),
      ),
      h(
        'section',
        { class: 'about', 'aria-labelledby': 'about-title' },
        h('h3', { id: 'about-title', class: 'side-title', text: 'About' }),
        h('p', {
          id: 'about-version',
          text: `Account Desk ${boot.about.version} · build ${boot.about.build} (${boot.about.profile})`,
        }),
      ),
    ],
    actions: [
      { label: 'Cancel', onClick: () => close(false) },
      {
        label: 'Save',
        primary: true,
        id: 'settings-save',
        onClick: async () => {
          try {
            const saved = await call('save_settings', {
              settings: {
                sync_interval_secs: Number(interval.value),
                times_in: times.value,
                balance_poll_secs: Number(poll.value),
              },
            });
            close(true);
            onSaved(saved);
          } catch (err) {
            notify(err);
          }
        },
      },
    ],
  });
}

const SHORTCUTS = [
  ['Ctrl/⌘ + K', 'Search accounts'],
  ['Ctrl/⌘ + S', 'Save changes'],
  ['Ctrl/⌘ + B', 'Balances of every account'],
  ['Ctrl/⌘ + N', 'New sub-account under the selected account'],
  ['Esc', 'Discard unsaved changes (or close a dialog)'],
  ['Alt + 1 … 6', 'Account Info / Trunks / Payment Details / Usage Charges / Service Plan / Change Log'],
  ['F5', 'Sync now'],
  ['Ctrl/⌘ + Shift + P', 'Pending changes'],
  ['↑ ↓ → ←  Enter', 'Move in the account tree, open an account'],
  ['?', 'This list'],
];

export function openHelp() {
  openDialog({
    title: 'Keyboard shortcuts',
    body: h(
      'table',
      { class: 'table', id: 'shortcut-table' },
      h(
        'tbody',
        {},
        SHORTCUTS.map(([k, d]) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', { text: k })), h('td', { text: d }))),
      ),
    ),
    actions: [{ label: 'Close', primary: true, onClick: () => close(true) }],
  });
}
