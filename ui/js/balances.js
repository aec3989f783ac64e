// Balances at a glance: every sub-account's balance, thresholds, auto recharge and when the
// balance was read, closest to running out first. The core sorts, filters and pages (and reads
// the balances, in the background); this file lays out a page and asks again as the user types
// or a refresh moves on.

import { claim, h, replace } from './dom.js';
import { absoluteTime, money, negative, relativeTime } from './format.js';
import { call } from './ipc.js';
import { errorBlock } from './views.js';

const PAGE = 100;
/** The core pages at most this many rows; past them, search or export. */
const MOST = 500;
const state = { search: '', filter: 'all', sort: 'closest', shown: PAGE };

const query = () => ({ search: state.search, filter: state.filter, sort: state.sort, offset: 0, limit: state.shown });

function select(id, label, options, value, onPick) {
  const s = h(
    'select',
    { id, 'aria-label': label, onchange: () => onPick(s.value) },
    options.map(([v, l]) => h('option', { value: v, text: l, selected: v === value })),
  );
  return s;
}

/** Show the screen: its controls once, then the page the controls ask for. */
export function showBalances(screen, ctx) {
  if (!screen.firstChild) build(screen, ctx);
  return updateBalances(ctx);
}

function build(screen, ctx) {
  const again = (change) => {
    change();
    state.shown = PAGE;
    updateBalances(ctx);
  };
  const search = h('input', {
    type: 'search',
    id: 'balances-search',
    placeholder: 'Search name, realm or ID',
    'aria-label': 'Search the balances',
    autocomplete: 'off',
    spellcheck: 'false',
    value: state.search,
    oninput: () => again(() => (state.search = search.value)),
  });
  const filter = select(
    'balances-filter',
    'Show',
    [
      ['all', 'All accounts'],
      ['below', 'Below their threshold'],
      ['watched', 'Watched in the tray'],
      ['unread', 'Not read yet'],
    ],
    state.filter,
    (v) => again(() => (state.filter = v)),
  );
  const sort = select(
    'balances-sort',
    'Sort by',
    [
      ['closest', 'Closest to running out'],
      ['balance', 'Lowest balance'],
      ['name', 'Name'],
      ['oldest', 'Read longest ago'],
    ],
    state.sort,
    (v) => again(() => (state.sort = v)),
  );
  const refresh = h('button', {
    type: 'button',
    class: 'btn btn-small btn-primary',
    id: 'balances-refresh',
    text: 'Read balances now',
    onclick: async () => {
      try {
        await call('refresh_balances');
        updateBalances(ctx);
      } catch (err) {
        ctx.notify(err);
      }
    },
  });
  const exportButton = h('button', {
    type: 'button',
    class: 'btn btn-small',
    id: 'balances-export',
    text: 'Export CSV…',
    onclick: async () => {
      try {
        const path = await call('export_balances', { query: query() });
        if (path) ctx.toast(`Saved ${path}`);
      } catch (err) {
        ctx.notify(err);
      }
    },
  });
  replace(
    screen,
    h(
      'header',
      { class: 'balances-header' },
      h('h1', { id: 'balances-title', text: 'Balances' }),
      h('p', { class: 'muted', id: 'balances-summary', 'aria-live': 'polite' }),
    ),
    h(
      'div',
      { class: 'balances-controls' },
      search,
      filter,
      sort,
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted', id: 'balances-progress', 'aria-live': 'polite' }),
      refresh,
      exportButton,
    ),
    h('div', { id: 'balances-body' }),
  );
}

function summary(p) {
  const parts = [`${p.total} account${p.total === 1 ? '' : 's'}`];
  if (p.matching !== p.total) parts.push(`${p.matching} match`);
  if (p.unread) parts.push(`${p.unread} not read yet`);
  if (p.oldest_read) parts.push(`oldest reading ${relativeTime(p.oldest_read)}`);
  return parts.join(' · ');
}

function progress(p) {
  if (p.refresh) {
    const failed = p.refresh.failed ? `, ${p.refresh.failed} could not be read` : '';
    return `Reading balances… ${p.refresh.done} of ${p.refresh.of}${failed}`;
  }
  return p.last_failed ? `${p.last_failed} could not be read at the last reading` : '';
}

function thresholds(r) {
  const tiers = r.tiers.length ? ` · yours: ${r.tiers.join(', ')}` : '';
  const platform = r.threshold ? `${money(r.threshold)}${r.alerts_enabled ? '' : ' (off)'}` : '—';
  return `${platform}${tiers}`;
}

function line(r, ctx) {
  const watch = h('input', {
    type: 'checkbox',
    class: 'balances-watch',
    checked: r.watched,
    'aria-label': `Watch ${r.name} in the tray`,
    onchange: async () => {
      try {
        await call('set_watched', { id: r.account_id, on: watch.checked });
      } catch (err) {
        watch.checked = !watch.checked;
        ctx.notify(err);
      }
    },
  });
  return h(
    'tr',
    { class: r.below ? 'balance-below' : null, dataset: { id: r.account_id } },
    h(
      'td',
      {},
      h('button', {
        type: 'button',
        class: 'link-button',
        text: r.name,
        title: `Open the Usage Charges of ${r.name}`,
        onclick: () => ctx.onOpen(r.account_id),
      }),
      h('div', { class: 'sub mono', text: r.realm }),
    ),
    h('td', { class: `num${negative(r.balance) ? ' negative' : ''}`, text: money(r.balance) }),
    h('td', { class: 'num', text: thresholds(r) }),
    h('td', { text: r.auto_recharge === null ? '—' : r.auto_recharge ? 'On' : 'Off' }),
    h('td', { text: r.read_at ? relativeTime(r.read_at) : 'Never', title: r.read_at ? absoluteTime(r.read_at) : null }),
    h('td', {}, watch),
  );
}

/** Ask the core for the page the controls describe and lay it out (nothing but the table and
 *  its counts is redrawn, so typing in the search box goes on undisturbed). */
export async function updateBalances(ctx) {
  const body = document.getElementById('balances-body');
  if (!body) return;
  const owns = claim(body);
  let page;
  try {
    page = await call('balances', { query: query() });
  } catch (err) {
    if (owns()) replace(body, errorBlock(err, ctx.copy));
    return;
  }
  if (!owns()) return;
  document.getElementById('balances-summary').textContent = summary(page);
  document.getElementById('balances-progress').textContent = progress(page);
  document.getElementById('balances-refresh').disabled = Boolean(page.refresh);
  if (!page.rows.length) {
    replace(
      body,
      h('p', {
        class: 'empty',
        text: page.total ? 'No account matches.' : 'No sub-accounts yet.',
      }),
    );
    return;
  }
  const more =
    page.matching > page.rows.length
      ? page.rows.length < MOST
        ? h('button', {
            type: 'button',
            class: 'btn btn-small',
            id: 'balances-more',
            text: `Show ${Math.min(PAGE, page.matching - page.rows.length)} more of ${page.matching - page.rows.length}`,
            onclick: () => {
              state.shown = Math.min(MOST, state.shown + PAGE);
              updateBalances(ctx);
            },
          })
        : h('p', { class: 'muted', text: 'Search or filter to find the others; Export CSV has every one.' })
      : null;
  replace(
    body,
    h(
      'table',
      { class: 'table', id: 'balances-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Account', 'Balance', 'Alert thresholds', 'Auto recharge', 'Read', 'Watch'].map((t) =>
            h('th', { scope: 'col', text: t }),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        page.rows.map((r) => line(r, ctx)),
      ),
    ),
    more,
  );
}
