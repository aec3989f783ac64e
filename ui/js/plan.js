// Service Plan: the plan's items and rates, and the proration rule with today's numbers.

import { claim, h, replace } from './dom.js';
import { money } from './format.js';
import { call } from './ipc.js';
import { card, errorBlock } from './views.js';

export async function renderPlan(panel, accountId, { copy }) {
  const owns = claim(panel);
  let p;
  try {
    p = await call('service_plan', { id: accountId });
  } catch (err) {
    if (owns()) replace(panel, errorBlock(err, copy));
    return;
  }
  if (!owns()) return;
  if (p.platform_note) {
    replace(panel, h('p', { class: 'empty', id: 'plan-platform-note', text: p.platform_note }));
    return;
  }
  if (!p.plan_name) {
    replace(panel, h('p', { class: 'empty', text: 'This account is not on a service plan.' }));
    return;
  }
  const items = h(
    'table',
    { class: 'table', id: 'plan-items' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Item', 'Quantity', 'Rate / month', 'Monthly'].map((t) => h('th', { scope: 'col', text: t })),
      ),
    ),
    h(
      'tbody',
      {},
      p.items.map((i) =>
        h(
          'tr',
          {},
          h('td', { text: i.item.replace(/_/g, ' ') }),
          h('td', { class: 'num', text: i.quantity }),
          h('td', { class: 'num', text: money(i.rate) }),
          h('td', { class: 'num', text: money(i.total) }),
        ),
      ),
    ),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'row', colspan: 3, text: 'Monthly total' }),
        h('td', { class: 'num', id: 'plan-total', text: money(p.recurring) }),
      ),
    ),
  );
  replace(
    panel,
    card(
      p.plan_name,
      items,
      h('p', {
        id: 'plan-next',
        text: p.next_billing
          ? `Next billing date: ${p.next_billing} (the platform bills at 00:00 UTC)`
          : 'Next billing date not known.',
      }),
    ),
    card('How proration works', h('p', { id: 'plan-explanation', text: p.explanation })),
  );
}
