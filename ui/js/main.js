// Account Desk's window: start-up, platforms, the switcher, the account screens and the save
// path. State of record lives in Rust; this file routes between screens and keeps edits on
// screen until they are saved.

import { renderAccountInfo } from './account-info.js';
import { $, h, replace } from './dom.js';
import { call, listen } from './ipc.js';
import { renderPayment } from './payment.js';
import { renderPlan } from './plan.js';
import { createSwitcher } from './switcher.js';
import { renderTrunks, showCharges } from './trunks.js';
import { renderUsage } from './usage.js';

const TABS = ['info', 'trunks', 'payment', 'usage', 'plan', 'log'];

import { close, confirmDialog, openDialog } from './dialogs.js';
import { clearErrors, showErrors } from './fields.js';
import { absoluteTime, clockTime, setClockOffset, utcOffset } from './format.js';
import { renderChangeLog } from './history.js';
import { showPending } from './pending.js';
import { renderSignIn, showReauth } from './signin.js';
import { errorBlock } from './views.js';

const screens = ['boot', 'signin', 'not-admin', 'failed', 'account'];
let boot = null;
let current = null; // { id, tab, view, trunks, form }
let loadSeq = 0;
let consentShownFor = null;
let reauthOpen = false;

function show(name) {
  for (const s of screens) $(`screen-${s}`).hidden = s !== name;
}

function toast(message) {
  const t = $('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.hidden = true;
  }, 2600);
}

async function copy(text) {
  try {
    await call('copy_text', { text });
    toast('Copied to the clipboard');
  } catch (err) {
    toast(err.message);
  }
}

/** A notice the user can dismiss. */
function noticeCard(kind, body) {
  return h(
    'div',
    { class: `notice notice-${kind}` },
    body,
    h('button', {
      type: 'button',
      class: 'btn btn-small notice-close',
      text: 'Dismiss',
      onclick: (e) => e.target.closest('.notice').remove(),
    }),
  );
}

function notify(err, info = false) {
  replace(
    $('notices'),
    info ? noticeCard('info', h('p', { text: err.message })) : noticeCard('error', errorBlock(err, copy)),
  );
}

/** Times in the zone the user chose: this computer's, or the viewed account's. */
function formatTime(iso) {
  const zone =
    boot && boot.settings.times_in === 'account' && current && current.view && current.view.timezone.effective;
  const opts = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    const f = new Intl.DateTimeFormat(undefined, zone ? { ...opts, timeZone: zone, timeZoneName: 'short' } : opts);
    return f.format(new Date(iso));
  } catch {
    return absoluteTime(iso);
  }
}

// --- dirty forms and the save bar --------------------------------------------------------------

function dirtyCount() {
  return current && current.form ? current.form.dirtyCount() : 0;
}

/** A form being edited is never re-rendered under the user. */
function engaged() {
  return (
    dirtyCount() > 0 ||
    $('dialog').open ||
    Boolean(current && current.form && current.form.engaged && current.form.engaged())
  );
}

/** Re-render a panel keeping keyboard focus (and the caret) where the user had it. */
function keepingFocus(panelId, render) {
  const active = document.activeElement;
  const inside = active && active.id && $(panelId).contains(active);
  const caret =
    inside && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  render();
  if (!inside) return;
  const again = document.getElementById(active.id);
  if (again) {
    again.focus();
    if (caret && typeof again.setSelectionRange === 'function') again.setSelectionRange(caret[0], caret[1]);
  }
}

function updateSaveBar() {
  const n = dirtyCount();
  $('save-bar').hidden = n === 0;
  $('save-bar-text').textContent = `${n} change${n === 1 ? '' : 's'} not saved`;
}

async function save() {
  if (!current || !current.form || dirtyCount() === 0) return;
  const panel = current.tab === 'trunks' ? $('panel-trunks') : $('panel-info');
  clearErrors(panel);
  $('btn-save').disabled = true;
  try {
    if (current.tab === 'trunks') {
      current.trunks = await call('save_trunks', { id: current.id, form: current.form.collect() });
      consentShownFor = null;
      renderTrunksPanel();
    } else {
      current.view = await call('save_account', { id: current.id, form: current.form.collect() });
      renderInfoPanel();
      header(current.view);
    }
    updateSaveBar();
    await refreshStatus();
    toast(
      boot.status && boot.status.online
        ? 'Saved locally — sending…'
        : 'Saved locally — pending until the server is back',
    );
  } catch (err) {
    if (err.fields && err.fields.length) {
      showErrors(panel, err.fields, (f) => notify({ code: 'invalid_input', message: f.message }));
    } else notify(err);
  } finally {
    $('btn-save').disabled = false;
  }
}

async function discardChanges() {
  if (!current || dirtyCount() === 0) return;
  if (current.tab === 'trunks') renderTrunksPanel();
  else renderInfoPanel();
  updateSaveBar();
}

/** Leaving a screen with unsaved edits asks first: nothing typed is lost silently. */
async function mayLeave() {
  if (dirtyCount() === 0) return true;
  return confirmDialog({
    title: 'Discard unsaved changes?',
    message: `You have ${dirtyCount()} unsaved change(s) on this screen. Save them first (Ctrl+S), or discard them.`,
    confirmLabel: 'Discard changes',
    danger: true,
  });
}

// --- status, header and chips ------------------------------------------------------------------

function applyBoot(b) {
  boot = b;
  setClockOffset(b.clock_offset_ms);
  $('demo-badge').hidden = !b.demo;
  $('profile-name').textContent = (b.profile && b.profile.label) || (b.status && b.status.root_name) || 'Account Desk';
  $('profile-server').textContent = b.demo ? 'Built-in demo backend' : b.server || '';
  const s = b.status;
  const count = s ? s.account_count : 0;
  $('sidebar-footer').textContent =
    s && s.syncing !== null
      ? `Syncing… ${s.syncing} accounts`
      : count
        ? `${count} account${count === 1 ? '' : 's'}`
        : '';
  const sync = $('sync-button');
  sync.disabled = Boolean(s && s.syncing !== null);
  sync.textContent = s && s.syncing !== null ? `Syncing ${s.syncing}…` : 'Sync';
  if (current && current.view) chips(current.view);
  if (s && s.needs_sign_in && !reauthOpen && b.phase === 'ready') {
    reauthOpen = true;
    showReauth(b, {
      onDone: (nb) => {
        reauthOpen = false;
        applyBoot(nb);
      },
    });
  }
}

async function refreshStatus() {
  try {
    applyBoot(await call('boot_status'));
  } catch {
    /* keep the last known status */
  }
}

function chip(text, cls, title, onClick, id) {
  return onClick
    ? h('button', { type: 'button', class: `chip chip-button ${cls}`, title, text, onclick: onClick, id })
    : h('span', { class: `chip ${cls}`, title, text, id });
}

function chips(view) {
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

function header(view) {
  $('account-name').textContent = view.name.value || 'Unnamed account';
  $('account-id').textContent = view.id;
  const crumbs = view.breadcrumb.slice(0, -1);
  replace(
    $('breadcrumb'),
    crumbs.map((c) => [
      h('button', { type: 'button', class: 'crumb', text: c.name, onclick: () => switcher.choose(c.id) }),
      h('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: '›' }),
    ]),
  );
  chips(view);
}

async function updatePin() {
  if (!current) return;
  try {
    const sc = await switcher.loadShortcuts();
    const pinned = Boolean(sc && sc.pinned.some((p) => p.id === current.id));
    const b = $('pin-button');
    b.setAttribute('aria-pressed', pinned ? 'true' : 'false');
    b.textContent = pinned ? '★' : '☆';
    b.setAttribute('aria-label', pinned ? 'Unpin this account' : 'Pin this account');
    b.title = b.getAttribute('aria-label');
  } catch {
    /* not signed in yet */
  }
}

// --- panels -------------------------------------------------------------------------------------

function renderInfoPanel() {
  if (!current || !current.view) return;
  keepingFocus('panel-info', () => {
    current.form = renderAccountInfo($('panel-info'), current.view, { copy, onChange: updateSaveBar });
  });
}

function renderTrunksPanel() {
  if (!current || !current.trunks) return;
  keepingFocus('panel-trunks', () => {
    current.form = renderTrunks($('panel-trunks'), current.trunks, { onChange: updateSaveBar, accountId: current.id });
  });
  maybeAskConsent();
}

/** A trunk change the platform wants charges accepted for: ask once per state. */
async function maybeAskConsent() {
  const t = current && current.trunks;
  if (!t || !t.pending || t.pending.state !== 'needs_consent' || consentShownFor === current.id) return;
  consentShownFor = current.id;
  const edits = await call('pending_edits').catch(() => []);
  const edit = edits.find((e) => e.account_id === current.id && e.kind === 'limits' && e.state === 'needs_consent');
  if (edit) openCharges(edit);
}

function openCharges(edit) {
  showCharges(edit, {
    onAccept: async () => {
      try {
        await call('approve_charges', { id: edit.account_id, kind: edit.kind });
        toast('Charges accepted — sending…');
      } catch (err) {
        notify(err);
      }
    },
    onCancel: async () => {
      try {
        await call('discard_edit', { id: edit.account_id, kind: edit.kind, path: null });
        toast('Trunk change cancelled: nothing was sent');
      } catch (err) {
        notify(err);
      }
      if (current && current.id === edit.account_id) reloadTrunks(loadSeq);
    },
  });
}

function openPending() {
  showPending({
    notify,
    onOpen: (id, kind) => {
      switcher.choose(id).then(() => selectTab(kind === 'limits' ? 'trunks' : 'info'));
    },
    onDone: () => reloadCurrent(),
    onCharges: openCharges,
  });
}

async function reloadTrunks(seq) {
  const id = current.id;
  const panel = $('panel-trunks');
  const cached = await call('cached_trunks', { id }).catch(() => null);
  if (seq !== loadSeq) return;
  if (cached) {
    current.trunks = cached;
    if (current.tab !== 'trunks' || !engaged()) renderTrunksPanel();
  } else replace(panel, h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  try {
    const fresh = await call('fetch_trunks', { id });
    if (seq !== loadSeq) return;
    current.trunks = fresh;
    if (current.tab === 'trunks' && !engaged()) renderTrunksPanel();
  } catch (err) {
    if (seq === loadSeq && !cached) replace(panel, errorBlock(err, copy));
  }
}

async function reloadInfo(seq, { fetch = true } = {}) {
  const id = current.id;
  const cached = await call('cached_account', { id }).catch(() => null);
  if (cached && seq === loadSeq) {
    current.view = cached;
    header(cached);
    if (current.tab === 'info' && !engaged()) renderInfoPanel();
    show('account');
  }
  if (!fetch) return;
  try {
    const fresh = await call('fetch_account', { id });
    await refreshStatus();
    if (seq !== loadSeq) return;
    current.view = fresh;
    header(fresh);
    if (current.tab === 'info' && !engaged()) renderInfoPanel();
    show('account');
  } catch (err) {
    await refreshStatus();
    if (seq !== loadSeq) return;
    if (!cached) {
      show('account');
      $('account-name').textContent = '';
      replace($('panel-info'), errorBlock(err, copy));
    } else if (err.code !== 'session_expired') notify(err);
  }
}

function reloadCurrent() {
  if (!current) return;
  reloadInfo(loadSeq, { fetch: false });
  if (current.tab === 'trunks') reloadTrunks(loadSeq);
  else if (!sideBusy(current.tab)) renderSide(current.tab, current.id);
}

/** Typing in a self-drawn tab (or a dialog open over it) holds its refresh until saved. */
function sideBusy(tab) {
  const panel = $(`panel-${tab}`);
  return $('dialog').open || (panel && panel.dataset.dirty === '1');
}

/** The tabs that draw themselves: they re-read when shown and when the desk changes. */
function renderSide(tab, id) {
  const ctx = { notify, copy, formatTime };
  const panel = $(`panel-${tab}`);
  panel.oninput = () => {
    panel.dataset.dirty = '1';
  };
  if (tab === 'log') renderChangeLog($('panel-log'), id, ctx);
  else if (tab === 'payment') renderPayment($('panel-payment'), id, ctx);
  else if (tab === 'usage') renderUsage($('panel-usage'), id, ctx);
  else if (tab === 'plan') renderPlan($('panel-plan'), id, ctx);
}

async function selectTab(tab) {
  if (current && current.tab !== tab && !(await mayLeave())) return;
  for (const t of TABS) {
    const button = $(`tab-${t}`);
    const on = t === tab;
    button.setAttribute('aria-selected', on ? 'true' : 'false');
    button.tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  if (!current) return;
  current.tab = tab;
  current.form = null;
  updateSaveBar();
  if (tab === 'trunks') reloadTrunks(loadSeq);
  else if (tab === 'info') renderInfoPanel();
  else renderSide(tab, current.id);
}

async function openAccount(id) {
  if (current && current.id !== id && !(await mayLeave())) return false;
  const seq = ++loadSeq;
  current = { id, tab: current ? current.tab : 'info', view: null, trunks: null, form: null };
  consentShownFor = null;
  updateSaveBar();
  replace($('notices'));
  reloadInfo(seq);
  if (current.tab === 'trunks') reloadTrunks(seq);
  else if (current.tab !== 'info') renderSide(current.tab, id);
  updatePin();
  return true;
}

const switcher = createSwitcher({ onSelect: openAccount, onError: notify, onRendered: () => markPendingInTree() });

// --- menus, settings, help -------------------------------------------------------------------

function closeMenu() {
  $('profile-menu').hidden = true;
  $('profile-button').setAttribute('aria-expanded', 'false');
}

async function switchTo(id) {
  closeMenu();
  if (!(await mayLeave())) return;
  show('boot');
  try {
    const b = await call('open_profile', { id });
    await route(b);
  } catch (err) {
    showFailure({ error: err });
  }
}

function openMenu() {
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
        showSignIn({ ...boot, profile: null, server: null });
      },
      'menu-add',
    ),
    item(
      'Sign out',
      async () => {
        closeMenu();
        if (!(await mayLeave())) return;
        try {
          const b = await call('sign_out');
          await route(b);
          toast('Signed out: the saved session was removed');
        } catch (err) {
          notify(err);
        }
      },
      'menu-sign-out',
    ),
    item('Settings…', () => {
      closeMenu();
      openSettings();
    }),
  );
  menu.hidden = false;
  $('profile-button').setAttribute('aria-expanded', 'true');
  menu.querySelector('.menu-item').focus();
}

function openSettings() {
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
            applyBoot(
              await call('save_settings', {
                settings: {
                  sync_interval_secs: Number(interval.value),
                  times_in: times.value,
                  balance_poll_secs: Number(poll.value),
                },
              }),
            );
            close(true);
            reloadCurrent(); // times on screen follow the zone just chosen
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
  ['Esc', 'Discard unsaved changes (or close a dialog)'],
  ['Alt + 1 … 6', 'Account Info / Trunks / Payment Details / Usage Charges / Service Plan / Change Log'],
  ['F5', 'Sync now'],
  ['Ctrl/⌘ + Shift + P', 'Pending changes'],
  ['↑ ↓ → ←  Enter', 'Move in the account tree, open an account'],
  ['?', 'This list'],
];

function openHelp() {
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

async function syncNow() {
  if (!boot || boot.phase !== 'ready') return;
  try {
    await call('sync_now');
    toast('Synced');
  } catch (err) {
    if (err.code === 'network' || err.code === 'timeout') toast('Offline: changes stay pending');
    else if (err.code !== 'session_expired') notify(err); // the sign-in dialog handles that one
  }
  await refreshStatus();
  reloadCurrent();
}

document.addEventListener('keydown', (e) => {
  const mod = e.ctrlKey || e.metaKey;
  const typing = e.target.matches && e.target.matches('input, select, textarea');
  if ($('dialog').open) return;
  if (mod && e.key.toLowerCase() === 's') {
    e.preventDefault();
    save();
  } else if (e.key === 'Escape' && dirtyCount() > 0 && !e.target.closest('.picker, .search')) {
    e.preventDefault();
    discardChanges();
  } else if (e.altKey && e.key >= '1' && e.key <= String(TABS.length)) {
    e.preventDefault();
    selectTab(TABS[Number(e.key) - 1]);
  } else if (e.key === 'F5') {
    e.preventDefault();
    syncNow();
  } else if (mod && e.shiftKey && e.key.toLowerCase() === 'p') {
    e.preventDefault();
    openPending();
  } else if (e.key === '?' && !typing) {
    e.preventDefault();
    openHelp();
  }
});

$('btn-save').addEventListener('click', save);
$('btn-discard').addEventListener('click', discardChanges);
$('copy-id').addEventListener('click', () => current && copy(current.id));
$('pin-button').addEventListener('click', async () => {
  if (current) {
    await call('toggle_pin', { id: current.id }).catch(notify);
    updatePin();
  }
});
$('sync-button').addEventListener('click', syncNow);
$('open-settings').addEventListener('click', () => boot && openSettings());
$('open-help').addEventListener('click', openHelp);
$('profile-button').addEventListener('click', () => ($('profile-menu').hidden ? openMenu() : closeMenu()));
$('profile-menu').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    closeMenu();
    $('profile-button').focus();
  }
});
document.addEventListener('click', (e) => {
  if (!e.target.closest('.profile')) closeMenu();
});
for (const t of TABS) $(`tab-${t}`).addEventListener('click', () => selectTab(t));
document.querySelector('.sections').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const i = TABS.indexOf(current ? current.tab : 'info');
  const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
  selectTab(next);
  $(`tab-${next}`).focus();
});
$('not-admin-back').addEventListener('click', () => showSignIn(boot));
$('failed-demo').addEventListener('click', () => switchTo(null));

// The local time next to a zone moves on while the window is open.
setInterval(async () => {
  for (const el of document.querySelectorAll('[data-clock]')) {
    try {
      const c = await call('zone_clock', { zone: el.dataset.clock });
      el.textContent = `${c.time} local time · ${c.abbreviation} (${utcOffset(c.offset)})`;
    } catch {
      /* leave the last reading */
    }
  }
}, 30000);

/** A dot on every account in the switcher that has changes waiting to be sent. */
async function markPendingInTree() {
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

// The desk tells us when anything changed: status, pending edits, fresh data.
listen('desk-changed', async () => {
  const before = boot && boot.status ? boot.status.pending : 0;
  await refreshStatus();
  if (!current || !boot || boot.phase !== 'ready') return;
  const after = boot.status ? boot.status.pending : 0;
  if (before > 0 && after === 0) toast('Synced');
  reloadCurrent();
  markPendingInTree();
});

// A low-balance notification or a tray balance was chosen: show that account's Usage Charges.
listen('open-usage', async (id) => {
  if (!boot || boot.phase !== 'ready') return;
  if (!current || current.id !== id) await switcher.choose(id);
  selectTab('usage');
});

// --- routing ---------------------------------------------------------------------------------

function showSignIn(b) {
  applyBoot(b);
  renderSignIn($('screen-signin'), b, {
    onReady: (nb) => route(nb),
    onNotAdmin: (nb) => route(nb),
    onOpenProfile: (id) => switchTo(id),
    onDemo: () => switchTo(null),
    onForget: async (id) => {
      if (
        !(await confirmDialog({
          title: 'Forget this platform?',
          message:
            'Its saved sign-in is removed from the keyring. Data cached for offline review stays on this computer.',
          confirmLabel: 'Forget',
          danger: true,
        }))
      )
        return;
      try {
        showSignIn(await call('forget_profile', { id }));
      } catch (err) {
        notify(err);
      }
    },
  });
  show('signin');
}

function showFailure(b) {
  show('failed');
  replace($('failed-body'), errorBlock(b.error || { code: 'unknown', message: 'Unknown error' }, copy));
}

/** What the whole app must tell the user (no keyring, a rebuilt cache) stays until dismissed:
 *  opening an account clears only that account's messages. */
function showBootNotices(notices) {
  replace(
    $('boot-notices'),
    notices.map((n) => noticeCard('info', h('p', { text: n }))),
  );
}

async function route(b) {
  applyBoot(b);
  showBootNotices(b.notices);
  if (b.phase === 'ready') {
    current = null;
    await switcher.load(b.status);
    await switcher.choose(b.status.root_id);
  } else if (b.phase === 'needs_sign_in') showSignIn(b);
  else if (b.phase === 'not_admin') show('not-admin');
  else if (b.phase === 'failed') showFailure(b);
}

async function start() {
  show('boot');
  try {
    applyBoot(await call('boot_status'));
    await route(await call('await_boot'));
  } catch (err) {
    showFailure({ error: err });
  }
}

start();
