// Account Desk's window: start-up, platforms, the switcher, the account screens and the save
// path. State of record lives in Rust; this file routes between screens and keeps edits on
// screen until they are saved.

import { renderAccountInfo } from './account-info.js';
import { showBalances, updateBalances } from './balances.js';
import { renderChips } from './chips.js';
import { confirmDialog } from './dialogs.js';
import { $, claim, h, holder, keepingFocus, replace, typedIn, watchTyping } from './dom.js';
import { clearErrors, showErrors } from './fields.js';
import { setClockOffset, zonedTime } from './format.js';
import { renderChangeLog } from './history.js';
import { call, listen } from './ipc.js';
import { bindShortcuts } from './keys.js';
import { closeMenu, openHelp, openMenu, openSettings } from './menus.js';
import { copy, notify, showBootNotices, toast } from './notices.js';
import { renderPayment } from './payment.js';
import { markPendingInTree, showPending } from './pending.js';
import { renderPlan } from './plan.js';
import { renderSignIn, showReauth } from './signin.js';
import { createSwitcher } from './switcher.js';
import { renderTrunks, showCharges } from './trunks.js';
import { renderUsage } from './usage.js';
import { errorBlock, startZoneClocks } from './views.js';
import { openWizard } from './wizard.js';

const TABS = ['info', 'trunks', 'payment', 'usage', 'plan', 'log'];

const screens = ['boot', 'signin', 'not-admin', 'failed', 'account', 'balances'];
let boot = null;
let current = null; // { id, tab, view, trunks, form }
let consentShownFor = null;
let reauthOpen = false;

function show(name) {
  for (const s of screens) $(`screen-${s}`).hidden = s !== name;
}

/** Times in the zone the user chose: this computer's, or the viewed account's. */
function formatTime(iso) {
  const inAccount = boot && boot.settings.times_in === 'account' && current && current.view;
  return zonedTime(iso, inAccount ? current.view.timezone.effective : null);
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
  if (current && current.view) renderChips(boot, current.view, openPending);
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
  renderChips(boot, view, openPending);
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
      if (current && current.id === edit.account_id) reloadTrunks();
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

async function reloadTrunks() {
  const id = current.id;
  const panel = $('panel-trunks');
  const owns = claim(panel);
  const cached = await call('cached_trunks', { id }).catch(() => null);
  if (!owns()) return;
  if (cached) {
    current.trunks = cached;
    if (current.tab !== 'trunks' || !engaged()) renderTrunksPanel();
  } else replace(panel, h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  try {
    const fresh = await call('fetch_trunks', { id });
    if (!owns()) return;
    current.trunks = fresh;
    if (current.tab === 'trunks' && !engaged()) renderTrunksPanel();
  } catch (err) {
    if (owns() && !cached) replace(panel, errorBlock(err, copy));
  }
}

async function reloadInfo({ fetch = true } = {}) {
  const id = current.id;
  const owns = fetch ? claim($('panel-info')) : holder($('panel-info'));
  const cached = await call('cached_account', { id }).catch(() => null);
  if (cached && owns()) {
    current.view = cached;
    header(cached);
    if (current.tab === 'info' && !engaged()) renderInfoPanel();
    show('account');
  }
  if (!fetch) return;
  try {
    const fresh = await call('fetch_account', { id });
    await refreshStatus();
    if (!owns()) return;
    current.view = fresh;
    header(fresh);
    if (current.tab === 'info' && !engaged()) renderInfoPanel();
    show('account');
  } catch (err) {
    await refreshStatus();
    if (!owns()) return;
    if (!cached) {
      show('account');
      $('account-name').textContent = '';
      replace($('panel-info'), errorBlock(err, copy));
    } else if (err.code !== 'session_expired') notify(err);
  }
}

function reloadCurrent() {
  // Over the Balances screen the account waits: it is read again when shown.
  if (!current || !$('screen-balances').hidden) return;
  reloadInfo({ fetch: false });
  if (current.tab === 'trunks') reloadTrunks();
  else if (current.tab !== 'info' && !sideBusy(current.tab)) renderSide(current.tab, current.id);
}

/** Typing in a self-drawn tab (or a dialog open over it) holds its refresh until saved. */
function sideBusy(tab) {
  const panel = $(`panel-${tab}`);
  return $('dialog').open || (panel && typedIn(panel));
}

/** The tabs that draw themselves: they re-read when shown and when the desk changes. */
function renderSide(tab, id) {
  const ctx = { notify, copy, formatTime };
  const panel = $(`panel-${tab}`);
  watchTyping(panel);
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
  if (tab === 'trunks') reloadTrunks();
  else if (tab === 'info') renderInfoPanel();
  else renderSide(tab, current.id);
}

async function openAccount(id) {
  if (current && current.id !== id && !(await mayLeave())) return false;
  // Whatever is still on its way for the account left behind is dropped when it arrives.
  for (const t of TABS) claim($(`panel-${t}`));
  current = { id, tab: current ? current.tab : 'info', view: null, trunks: null, form: null };
  consentShownFor = null;
  updateSaveBar();
  replace($('notices'));
  reloadInfo();
  if (current.tab === 'trunks') reloadTrunks();
  else if (current.tab !== 'info') renderSide(current.tab, id);
  updatePin();
  return true;
}

const switcher = createSwitcher({ onSelect: openAccount, onError: notify, onRendered: () => markPendingInTree() });

// --- menus, settings, help -------------------------------------------------------------------

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

/** Settings saved: times on screen follow the zone just chosen. */
function settingsSaved(b) {
  applyBoot(b);
  reloadCurrent();
}

async function signOut() {
  if (!(await mayLeave())) return;
  try {
    const b = await call('sign_out');
    await route(b);
    toast('Signed out: the saved session was removed');
  } catch (err) {
    notify(err);
  }
}

function toggleMenu() {
  if (!$('profile-menu').hidden) return closeMenu();
  openMenu(boot, {
    switchTo,
    addPlatform: () => showSignIn({ ...boot, profile: null, server: null }),
    signOut,
    onSaved: settingsSaved,
    notify,
  });
}

const balancesContext = () => ({
  notify,
  copy,
  toast,
  onOpen: async (id) => {
    if (!current || current.id !== id) await switcher.choose(id);
    selectTab('usage');
    show('account');
  },
});

/** Every sub-account's balance at a glance (the account screen keeps its place). */
async function openBalances() {
  if (!boot || boot.phase !== 'ready' || !(await mayLeave())) return;
  show('balances');
  showBalances($('screen-balances'), balancesContext());
  $('balances-search').focus();
}

/** The new sub-account wizard, under the account selected in the switcher. */
async function newAccount() {
  if (!boot || boot.phase !== 'ready' || !(await mayLeave())) return;
  const parent = switcher.selected || (current && current.id);
  if (!parent) return;
  openWizard(parent, {
    notify,
    onTreeChanged: () => boot.status && switcher.load(boot.status).catch(notify),
    onOpen: async (id) => {
      await switcher.choose(id);
      show('account');
    },
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

bindShortcuts({
  save,
  discard: discardChanges,
  dirty: dirtyCount,
  tabs: TABS,
  selectTab,
  syncNow,
  openPending,
  openBalances,
  newAccount,
  openHelp,
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
$('open-balances').addEventListener('click', openBalances);
$('open-wizard').addEventListener('click', newAccount);
$('open-settings').addEventListener('click', () => boot && openSettings(boot, { onSaved: settingsSaved, notify }));
$('open-help').addEventListener('click', openHelp);
$('profile-button').addEventListener('click', toggleMenu);
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

// The desk tells us when anything changed: status, pending edits, fresh data.
listen('desk-changed', async () => {
  const before = boot && boot.status ? boot.status.pending : 0;
  await refreshStatus();
  if (!current || !boot || boot.phase !== 'ready') return;
  const after = boot.status ? boot.status.pending : 0;
  if (before > 0 && after === 0) toast('Synced');
  markPendingInTree();
  if (!$('screen-balances').hidden) updateBalances(balancesContext());
  else reloadCurrent();
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

async function route(b) {
  applyBoot(b);
  showBootNotices(b.notices);
  if (b.phase === 'ready') {
    current = null;
    await switcher.load(b.status);
    await switcher.choose(b.status.root_id);
    remindUnfinished();
  } else if (b.phase === 'needs_sign_in') showSignIn(b);
  else if (b.phase === 'not_admin') show('not-admin');
  else if (b.phase === 'failed') showFailure(b);
}

/** New accounts left unfinished (a failed step, or the app closed midway) are never forgotten. */
async function remindUnfinished() {
  const cut = await call('unfinished_creations').catch(() => []);
  if (cut.length)
    notify({
      code: 'info',
      message: `${cut.map((v) => v.message).join(' ')} Open New (Ctrl+N) to finish or undo it.`,
    });
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

startZoneClocks();
start();
