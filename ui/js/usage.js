// Usage Charges: balance, chart, ledger rows and transactions, the credit dialog and the billing
// settings card. Money rules live in Rust; this file lays out what the core returns.

import { close, openDialog } from './dialogs.js';
import { claim, h, replace } from './dom.js';
import { clearErrors, input, setError, showErrors } from './fields.js';
import { money, negative } from './format.js';
import { call } from './ipc.js';
import { tiersCard } from './tiers.js';
import { card, errorBlock, row } from './views.js';

const signed = (d) => h('span', { class: `num${negative(d) ? ' negative' : ''}`, text: money(d) });

// The range the user chose per account; without one the app shows the last 30 days (worked out
// in Rust, on the app's clock and in the zone times are shown in).
const ranges = new Map();

function chart(u) {
  const points = u.chart;
  if (points.length < 2) return h('p', { class: 'muted', text: 'Not enough days for a chart.' });
  const W = 640;
  const H = 160;
  const pad = 28;
  const values = points.map((p) => Number(p.balance.value));
  const lo = Number(u.chart_low.value);
  const hi = Number(u.chart_high.value);
  const x = (i) => pad + (i * (W - 2 * pad)) / (points.length - 1);
  const y = (v) => H - pad - ((v - lo) * (H - 2 * pad)) / (hi - lo);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'balance-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute(
    'aria-label',
    `Balance from ${points[0].date} (${money(points[0].balance)}) to ${points[points.length - 1].date} (${money(points[points.length - 1].balance)})`,
  );
  const el = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  svg.append(el('line', { x1: pad, x2: W - pad, y1: y(0), y2: y(0), class: 'chart-zero' }));
  svg.append(el('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'chart-line' }));
  for (const [i, v] of values.entries()) {
    const dot = el('circle', { cx: x(i), cy: y(v), r: 2.5, class: 'chart-dot' });
    const t = document.createElementNS(ns, 'title');
    t.textContent = `${points[i].date}: ${money(points[i].balance)}`;
    dot.append(t);
    svg.append(dot);
  }
  const label = (text, xx, yy, anchor) => {
    const t = el('text', { x: xx, y: yy, 'text-anchor': anchor, class: 'chart-label' });
    t.textContent = text;
    return t;
  };
  svg.append(
    label(money(u.chart_high), 2, pad, 'start'),
    label(money(u.chart_low), 2, H - pad, 'start'),
    label(points[0].date, pad, H - 6, 'start'),
    label(points[points.length - 1].date, W - pad, H - 6, 'end'),
  );
  return svg;
}

export async function renderUsage(panel, accountId, { notify, copy }) {
  const owns = claim(panel);
  const chosen = ranges.get(accountId) || {};
  if (!panel.firstChild || panel.dataset.account !== accountId) {
    replace(panel, h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  }
  panel.dataset.account = accountId;
  let u;
  let settings;
  let tiers;
  try {
    [u, settings, tiers] = await Promise.all([
      call('usage', { id: accountId, from: chosen.from, to: chosen.to }),
      call('billing_settings', { id: accountId }),
      call('alert_tiers', { id: accountId }),
    ]);
  } catch (err) {
    if (owns()) replace(panel, errorBlock(err, copy));
    return;
  }
  if (!owns()) return;
  const range = { from: u.from, to: u.to };
  const rerender = () => renderUsage(panel, accountId, { notify, copy });
  const from = h('input', { type: 'date', id: 'usage-from', value: range.from, 'aria-label': 'From' });
  const to = h('input', { type: 'date', id: 'usage-to', value: range.to, 'aria-label': 'To' });
  const apply = h('button', {
    type: 'button',
    class: 'btn btn-small',
    id: 'usage-apply',
    text: 'Show',
    onclick: () => {
      ranges.set(accountId, { from: from.value, to: to.value });
      rerender();
    },
  });
  const exportButton = h('button', {
    type: 'button',
    class: 'btn btn-small',
    id: 'usage-export',
    text: 'Export CSV…',
    disabled: Boolean(u.as_of),
    onclick: async () => {
      try {
        const path = await call('export_usage', { id: accountId, from: range.from, to: range.to });
        if (path) notify({ code: 'info', message: `Saved ${u.rows.length} rows to ${path}` }, true);
      } catch (err) {
        notify(err);
      }
    },
  });
  const watch = h('input', {
    type: 'checkbox',
    id: 'watch-balance',
    checked: u.watched,
    onchange: async (e) => {
      try {
        await call('set_watched', { id: accountId, on: e.target.checked });
      } catch (err) {
        notify(err);
      }
    },
  });
  const below = u.below_threshold;
  const balanceCard = card(
    'Balance',
    h(
      'div',
      { class: 'balance-line' },
      h('span', { class: `balance${negative(u.balance) ? ' negative' : ''}`, id: 'balance', text: money(u.balance) }),
      below
        ? h('span', {
            class: 'chip chip-warn',
            id: 'balance-low',
            text: `Below the ${money(u.threshold)} alert threshold`,
          })
        : null,
      h('span', { class: 'spacer' }),
      u.can_pay
        ? h('button', {
            type: 'button',
            class: 'btn btn-primary',
            id: 'credit-add',
            text: 'Add credit…',
            disabled: Boolean(u.as_of),
            onclick: () => creditDialog(accountId, rerender),
          })
        : null,
    ),
    u.as_of
      ? h('p', {
          class: 'note',
          role: 'note',
          text: `Offline — last balance seen ${new Date(u.as_of).toLocaleString()}. Credit can only be added online.`,
        })
      : null,
    u.platform_note ? h('p', { class: 'note', role: 'note', id: 'usage-platform-note', text: u.platform_note }) : null,
    h(
      'label',
      { class: 'check' },
      watch,
      ' Watch this balance from the tray (a notification when it falls below the threshold)',
    ),
  );
  const rangeBar = h(
    'div',
    { class: 'panel-bar' },
    h('label', { for: 'usage-from', text: 'From' }),
    from,
    h('label', { for: 'usage-to', text: 'to' }),
    to,
    apply,
    h('span', { class: 'muted', text: `Dates and times in ${u.zone}` }),
    h('span', { class: 'spacer' }),
    exportButton,
  );
  const sources = h(
    'table',
    { class: 'table', id: 'usage-sources' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col', text: 'Source' }), h('th', { scope: 'col', class: 'num', text: 'Total' })),
    ),
    h(
      'tbody',
      {},
      u.sources.map((s) => h('tr', {}, h('td', { text: s.source }), h('td', { class: 'num' }, signed(s.amount)))),
    ),
  );
  const rows = u.rows.length
    ? h(
        'table',
        { class: 'table', id: 'usage-rows' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['When', 'Source', 'Description', 'Minutes', 'Amount', 'Balance'].map((t) =>
              h('th', { scope: 'col', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          u.rows.map((r) =>
            h(
              'tr',
              {},
              h('td', { text: r.local }),
              h('td', { text: r.source }),
              h('td', { text: r.description }),
              h('td', { class: 'num', text: r.minutes ?? '' }),
              h('td', { class: 'num' }, signed(r.amount)),
              h('td', { class: 'num' }, signed(r.balance)),
            ),
          ),
        ),
      )
    : h('p', {
        class: 'empty',
        text: u.as_of ? 'Usage can be listed when the server is reachable.' : 'No charges or credits in this range.',
      });
  const txs = u.transactions.length
    ? h(
        'table',
        { class: 'table', id: 'transactions' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['When', 'Description', 'Amount', 'Status', 'Reason'].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          {},
          u.transactions.map((t) =>
            h(
              'tr',
              { class: t.status === 'completed' ? '' : 'row-failed' },
              h('td', { text: t.local }),
              h('td', { text: t.description }),
              h('td', { class: 'num' }, signed(t.amount)),
              h('td', { text: t.status }),
              h('td', { text: t.reason || '' }),
            ),
          ),
        ),
      )
    : h('p', { class: 'empty', text: 'No card transactions in this range.' });
  replace(
    panel,
    balanceCard,
    rangeBar,
    u.as_of ? null : card('Balance over the range', chart(u)),
    card('By source', sources),
    card('Charges and credits', rows),
    card('Card transactions', txs),
    settingsCard(accountId, settings, { notify, rerender }),
    tiersCard(accountId, tiers, u, { notify, rerender }),
  );
}

function creditDialog(accountId, done) {
  const amount = input('credit.amount', 'Amount to add', '', { inputmode: 'decimal', placeholder: '25.00' });
  const result = h('p', { id: 'credit-result', 'aria-live': 'polite' });
  let intent = null;
  let busy = false;
  let finished = false;
  const confirm = async () => {
    if (busy || finished) return; // a double click sends once
    busy = true;
    const button = document.getElementById('credit-confirm');
    button.disabled = true;
    clearErrors(amount);
    result.textContent = 'Charging the card on file…';
    const amountInput = amount.querySelector('input');
    try {
      intent = intent || (await call('new_credit_intent'));
      const o = await call('add_credit', { id: accountId, intent, amount: amountInput.value });
      result.textContent = o.message;
      if (o.intent !== intent) {
        // The answer is about an earlier, unconfirmed payment: this dialog now follows that one
        // (its amount shown), so "Check again" looks it up.
        intent = o.intent;
        amountInput.value = o.amount;
      }
      if (o.state === 'completed') {
        finished = true;
        button.textContent = 'Done';
        button.disabled = false;
        button.onclick = () => close(true);
      } else {
        // It may have been charged: the same intent (and amount) is all that may be sent now.
        amountInput.disabled = true;
        button.textContent = 'Check again';
        button.disabled = false;
      }
    } catch (err) {
      // Refused or declined: nothing was charged, so a corrected try is a new intent.
      if (!amountInput.disabled) intent = null;
      result.textContent = '';
      if (!showErrors(amount, err.fields || []) || !(err.fields || []).length) result.textContent = err.message;
      button.disabled = false;
    } finally {
      busy = false;
    }
  };
  openDialog({
    title: 'Add credit',
    body: [
      h('p', {
        class: 'muted',
        text: 'The card on file is charged once for this amount, even if you click twice or the connection drops.',
      }),
      amount,
      result,
    ],
    actions: [
      { label: 'Close', id: 'credit-close', onClick: () => close(finished) },
      { label: 'Add credit', primary: true, id: 'credit-confirm', onClick: confirm },
    ],
    onClosed: () => done(),
  });
}

function settingsCard(accountId, view, { notify, rerender }) {
  const f = view.form;
  const pending = (paths) =>
    paths.some((p) => view.pending.some((q) => q.startsWith(p)))
      ? h('span', { class: 'tag tag-pending', text: 'pending' })
      : null;
  const alertsOn = h('input', { type: 'checkbox', id: 'f-alerts-enabled', checked: f.alerts_enabled });
  const threshold = input('notifications.low_balance.threshold', 'Alert below', f.alerts_threshold, {
    inputmode: 'decimal',
  });
  const rechargeOn = h('input', { type: 'checkbox', id: 'f-recharge-enabled', checked: f.recharge_enabled });
  const rThreshold = input('topup.threshold', 'When the balance falls below', f.recharge_threshold, {
    inputmode: 'decimal',
  });
  const rAmount = input('topup.amount', 'Add this amount', f.recharge_amount, { inputmode: 'decimal' });
  const sub = (value, label, help) =>
    h(
      'label',
      { class: 'radio' },
      h('input', {
        type: 'radio',
        name: 'subscription',
        value,
        id: `f-subscription-${value}`,
        checked: f.subscription === value,
      }),
      h('span', {}, h('strong', { text: label }), h('span', { class: 'radio-help', text: help })),
    );
  const box = h(
    'div',
    { id: 'billing-settings' },
    row(
      'notifications.low_balance',
      ['Threshold alerts', pending(['notifications.low_balance'])],
      'An e-mail from the platform, and a notification from Account Desk for watched balances, when the balance falls below this amount. On at 5.00 unless changed.',
      h('div', {}, h('label', { class: 'check' }, alertsOn, ' Alert me'), threshold),
    ),
    row(
      'topup',
      ['Auto recharge', pending(['topup.threshold', 'topup.amount'])],
      'The card on file is charged this amount when the balance falls below the trigger — at most once every 24 hours, so a busy day cannot drain the card. Turning it off removes both values.',
      h('div', {}, h('label', { class: 'check' }, rechargeOn, ' Recharge automatically'), rThreshold, rAmount),
    ),
    row(
      'topup.monthly',
      ['Subscription payment', pending(['topup.monthly'])],
      'How the monthly bill is paid. Saved where Kazoo’s web client keeps this choice (topup.monthly); the platform, not Account Desk, decides whether it acts on it — Kazoo 4.3 itself reads neither key, so ask your provider what it does.',
      h(
        'div',
        { role: 'radiogroup', 'aria-label': 'Subscription payment' },
        sub('self_manage', 'Self Manage', 'You keep enough credit on the account yourself (the default).'),
        sub('card', 'Card', 'The card on file pays the monthly bill; account credit is the fallback.'),
        sub('credit', 'Account credit', 'The bill is taken from credit; the card tops up what is missing.'),
      ),
    ),
  );
  const save = h('button', {
    type: 'button',
    class: 'btn btn-primary btn-small',
    id: 'billing-save',
    text: 'Save billing settings',
    onclick: async () => {
      clearErrors(box);
      const form = {
        alerts_enabled: alertsOn.checked,
        alerts_threshold: threshold.querySelector('input').value,
        recharge_enabled: rechargeOn.checked,
        recharge_threshold: rThreshold.querySelector('input').value,
        recharge_amount: rAmount.querySelector('input').value,
        subscription: (box.querySelector('input[name=subscription]:checked') || { value: 'self_manage' }).value,
      };
      try {
        await call('save_billing_settings', { id: accountId, form });
        notify(
          {
            code: 'info',
            message: 'Billing settings saved locally; they go to the server now, or as soon as it can be reached.',
          },
          true,
        );
        rerender();
      } catch (err) {
        const fields = err.fields || [];
        for (const e of fields) setError(box, e.field, e.message);
        if (!fields.length) notify(err);
      }
    },
  });
  return card('Alerts, auto recharge and subscription', box, h('div', { class: 'card-actions' }, save));
}
