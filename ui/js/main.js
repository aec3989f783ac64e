// Account Desk's window: start-up, sign-in, the switcher and the account screens.

import { call } from './ipc.js';
import { $, h, replace } from './dom.js';
import { createSwitcher } from './switcher.js';
import { renderAccountInfo } from './account-info.js';
import { renderTrunks } from './trunks.js';
import { errorBlock } from './views.js';
import { clockTime, absoluteTime, utcOffset } from './format.js';

const screens = ['boot', 'signin', 'failed', 'account'];
let boot = null;
let current = null; // { id, tab, view }
let loadSeq = 0;

function show(name) {
  for (const s of screens) $(`screen-${s}`).hidden = s !== name;
}

function toast(message) {
  const t = $('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 2500);
}

async function copy(text) {
  try {
    await call('copy_text', { text });
    toast('Copied to the clipboard');
  } catch (err) { toast(err.message); }
}

function notify(err) {
  replace($('notices'), h('div', { class: 'notice notice-error' }, errorBlock(err, copy),
    h('button', { type: 'button', class: 'btn btn-small notice-close', text: 'Dismiss', onclick: () => replace($('notices')) })));
}

function showNotices(list) {
  replace($('notices'), list.map((n) => h('div', { class: 'notice notice-info' }, h('p', { text: n }))));
}

function applyBoot(b) {
  boot = b;
  $('demo-badge').hidden = !b.demo;
  $('profile-server').textContent = b.demo ? 'Built-in demo backend' : (b.server || '');
  if (b.status && b.status.root_name) $('profile-name').textContent = b.status.root_name;
  const count = b.status ? b.status.account_count : 0;
  $('sidebar-footer').textContent = count ? `${count} account${count === 1 ? '' : 's'}` : '';
}

function chips(view) {
  const list = [];
  if (boot && boot.demo) list.push(h('span', { class: 'chip chip-demo', text: 'Demo', title: 'Demo data from the built-in local backend' }));
  if (view.is_reseller) list.push(h('span', { class: 'chip', text: 'Reseller' }));
  const status = boot && boot.status;
  if (view.freshness && view.freshness.from_cache && status && !status.online) {
    const asOf = status.as_of || view.freshness.fetched_at;
    list.push(h('span', { class: 'chip chip-offline', title: absoluteTime(asOf), text: `Offline — as of ${clockTime(asOf)}` }));
  }
  replace($('chips'), list);
}

function header(view) {
  $('account-name').textContent = view.name.value || 'Unnamed account';
  $('account-id').textContent = view.id;
  const crumbs = view.breadcrumb.slice(0, -1);
  replace($('breadcrumb'), crumbs.map((c, i) => [
    h('button', { type: 'button', class: 'crumb', text: c.name, onclick: () => switcher.choose(c.id) }),
    i < crumbs.length - 1 || crumbs.length ? h('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: '›' }) : null,
  ]));
  chips(view);
}

async function refreshStatus() {
  try { applyBoot(await call('boot_status')); } catch { /* keep the last known status */ }
}

function renderCurrent() {
  if (!current || !current.view) return;
  if (current.tab === 'info') renderAccountInfo($('panel-info'), current.view, { copy });
  header(current.view);
}

async function loadInfo(id, seq) {
  const cached = await call('cached_account', { id }).catch(() => null);
  if (cached && seq === loadSeq) { current.view = cached; renderCurrent(); show('account'); }
  try {
    const fresh = await call('fetch_account', { id });
    await refreshStatus();
    if (seq !== loadSeq) return;
    current.view = fresh;
    renderCurrent();
    show('account');
  } catch (err) {
    await refreshStatus();
    if (seq !== loadSeq) return;
    if (!cached) { show('account'); $('account-name').textContent = ''; replace($('panel-info'), errorBlock(err, copy)); }
    else { chips(current.view); notify(err); }
  }
}

async function loadTrunks(id, seq) {
  const panel = $('panel-trunks');
  const cached = await call('cached_trunks', { id }).catch(() => null);
  if (cached && seq === loadSeq) renderTrunks(panel, cached);
  else if (seq === loadSeq) replace(panel, h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  try {
    const fresh = await call('fetch_trunks', { id });
    if (seq === loadSeq) renderTrunks(panel, fresh);
  } catch (err) {
    if (seq === loadSeq && !cached) replace(panel, errorBlock(err, copy));
  }
}

function selectTab(tab) {
  for (const t of ['info', 'trunks']) {
    const button = $(`tab-${t}`);
    const on = t === tab;
    button.setAttribute('aria-selected', on ? 'true' : 'false');
    button.tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  if (!current) return;
  current.tab = tab;
  if (tab === 'trunks') loadTrunks(current.id, loadSeq);
  else renderCurrent();
}

function openAccount(id) {
  const seq = ++loadSeq;
  current = { id, tab: current ? current.tab : 'info', view: null };
  replace($('notices'));
  loadInfo(id, seq);
  if (current.tab === 'trunks') loadTrunks(id, seq);
}

const switcher = createSwitcher({ onSelect: openAccount, onError: notify });

$('copy-id').addEventListener('click', () => current && copy(current.id));
$('tab-info').addEventListener('click', () => selectTab('info'));
$('tab-trunks').addEventListener('click', () => selectTab('trunks'));
document.querySelector('.sections').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const next = current && current.tab === 'info' ? 'trunks' : 'info';
  selectTab(next);
  $(`tab-${next}`).focus();
});

// The local time next to a zone moves on while the window is open.
setInterval(async () => {
  for (const el of document.querySelectorAll('[data-clock]')) {
    try {
      const c = await call('zone_clock', { zone: el.dataset.clock });
      el.textContent = `${c.time} local time · ${c.abbreviation} (${utcOffset(c.offset)})`;
    } catch { /* leave the last reading */ }
  }
}, 30000);

async function ready(b) {
  applyBoot(b);
  if (b.notices.length) showNotices(b.notices);
  await switcher.load(b.status);
  switcher.choose(b.status.root_id);
}

function showFailure(b) {
  show('failed');
  replace($('failed-body'), errorBlock(b.error || { code: 'unknown', message: 'Unknown error' }, copy));
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = $('signin-error');
  err.hidden = true;
  const fields = ['account', 'username', 'password'].map((f) => $(`signin-${f}`));
  const empty = fields.find((f) => !f.value.trim());
  if (empty) {
    err.textContent = `${empty.labels[0].textContent} is required.`;
    err.hidden = false;
    empty.focus();
    return;
  }
  $('signin-submit').disabled = true;
  try {
    const b = await call('sign_in', { account: fields[0].value, username: fields[1].value, password: fields[2].value });
    fields[2].value = '';
    if (b.phase === 'ready') { show('boot'); await ready(b); } else { err.textContent = 'Signed in, but the account tree could not be loaded.'; err.hidden = false; }
  } catch (ex) {
    err.textContent = ex.message;
    err.hidden = false;
  } finally {
    $('signin-submit').disabled = false;
  }
});

async function start() {
  show('boot');
  try {
    applyBoot(await call('boot_status'));
    const b = await call('await_boot');
    if (b.phase === 'ready') await ready(b);
    else if (b.phase === 'needs_sign_in') {
      applyBoot(b);
      if (b.notices.length) showNotices(b.notices);
      $('signin-server').textContent = b.server || '';
      show('signin');
      $('signin-account').focus();
    } else showFailure(b);
  } catch (err) {
    showFailure({ error: err });
  }
}

start();
