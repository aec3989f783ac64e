// The Trunks screen: three whole numbers, the call capacity they give (updated as you type),
// and the charges dialog when the platform asks to accept them (402).

import { close, openDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { input, pendingTag, setError } from './fields.js';
import { money } from './format.js';
import { call } from './ipc.js';
import { card, freshness, row } from './views.js';

const HELP = {
  inbound_trunks: 'Carry calls coming in from a carrier only. One call per trunk.',
  outbound_trunks: 'Carry calls going out to a carrier only. One call per trunk.',
  twoway_trunks: 'Assigned on demand to either direction: 5 two-way trunks can be 4 in + 1 out, or 2 in + 3 out.',
};
const FIELDS = [
  ['inbound_trunks', 'Inbound trunks', 'inbound'],
  ['outbound_trunks', 'Outbound trunks', 'outbound'],
  ['twoway_trunks', 'Two-way trunks', 'twoway'],
];

function stat(label, value, id) {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-value', id, text: value }),
    h('div', { class: 'stat-label', text: label }),
  );
}

export function renderTrunks(panel, t, { onChange, accountId }) {
  const readOnly = t.read_only;
  const inputs = {};
  const rows = FIELDS.map(([field, label, key]) => {
    const f = input(field, label, String(t[key].value), {
      type: 'number',
      min: '0',
      step: '1',
      inputmode: 'numeric',
      disabled: readOnly,
    });
    f.querySelector('label').classList.add('visually-hidden');
    inputs[key] = f.querySelector('input');
    return row(
      field,
      [label, pendingTag(t.pending, [field])],
      HELP[field],
      f,
      t[key].problem ? h('p', { class: 'note note-problem', role: 'note', text: t[key].problem }) : null,
    );
  });
  const sentence = h('p', {
    class: 'capacity-sentence',
    id: 'capacity-sentence',
    'aria-live': 'polite',
    text: t.sentence,
  });
  // Before saving: what a rise would cost, by the plan's rates, prorated in the account's zone.
  const charge = h('p', { class: 'note note-warn', id: 'charge-preview', 'aria-live': 'polite', hidden: true });
  const stats = h(
    'div',
    { class: 'stats' },
    stat('max inbound calls', t.capacity.max_inbound, 'cap-in'),
    stat('max outbound calls', t.capacity.max_outbound, 'cap-out'),
    stat('calls at once in total', t.capacity.total, 'cap-total'),
  );
  let seq = 0;
  const form = () => ({ inbound: inputs.inbound.value, outbound: inputs.outbound.value, twoway: inputs.twoway.value });
  async function refresh() {
    const mine = ++seq;
    try {
      const p = await call('preview_capacity', { form: form() });
      if (mine !== seq) return;
      for (const [field] of FIELDS) setError(panel, field, '');
      sentence.textContent = p.sentence;
      document.getElementById('cap-in').textContent = p.capacity.max_inbound;
      document.getElementById('cap-out').textContent = p.capacity.max_outbound;
      document.getElementById('cap-total').textContent = p.capacity.total;
      const c = await call('preview_trunk_charges', { id: accountId, form: form() }).catch(() => null);
      if (mine !== seq) return;
      charge.hidden = !c;
      charge.textContent = c ? `${c.sentence}. ${RULE}` : '';
    } catch (err) {
      if (mine !== seq) return;
      charge.hidden = true;
      for (const [field] of FIELDS) setError(panel, field, '');
      for (const f of err.fields || []) setError(panel, f.field, f.message);
    }
  }
  for (const inp of Object.values(inputs))
    inp.addEventListener('input', () => {
      refresh();
      onChange();
    });

  replace(
    panel,
    readOnly
      ? h(
          'div',
          { class: 'banner banner-info', id: 'trunks-read-only', role: 'note' },
          h('p', { text: 'Only the reseller can change trunks for this account. Ask your provider to change them.' }),
        )
      : null,
    t.pending && t.pending.state === 'failed' && !readOnly
      ? h(
          'div',
          { class: 'banner banner-error', role: 'alert' },
          h('p', { text: t.pending.message || 'The server refused the change.' }),
        )
      : null,
    card('Trunks', rows),
    card('Call capacity', stats, sentence, charge),
    freshness(t.freshness),
  );
  return {
    collect: form,
    dirtyCount: () => FIELDS.filter(([, , key]) => inputs[key].value.trim() !== String(t[key].value)).length,
  };
}

const RULE =
  'Additions are charged for the rest of this month, today included, on the account’s calendar (monthly rate × days left ÷ days in the month, rounded half away from zero to the cent).';

/** The platform asks to accept charges: show its quote as it is (Kazoo's `summary.today` is the
 *  activation charges) beside Account Desk's own proration estimate; consent resends, cancel
 *  drops the edit. */
export function showCharges(edit, { onAccept, onCancel }) {
  const c = edit.charges || { items: [], activation: '0', today: null, recurring: null };
  const quantity = (item) => {
    const i = c.items.find((x) => x.item === item);
    return i && i.quantity !== null && i.quantity !== undefined ? String(i.quantity) : '0';
  };
  const estimate = h('p', {
    class: 'note',
    id: 'charges-estimate',
    'aria-live': 'polite',
    text: 'Working out the prorated charge…',
  });
  call('preview_trunk_charges', {
    id: edit.account_id,
    form: {
      inbound: quantity('inbound_trunks'),
      outbound: quantity('outbound_trunks'),
      twoway: quantity('twoway_trunks'),
    },
  })
    .then((p) => {
      estimate.textContent = p
        ? `Account Desk’s estimate for the rest of this month: ${p.sentence}. ${RULE}`
        : 'By the plan’s rates this change adds nothing this month.';
    })
    .catch(() => {
      estimate.textContent =
        'Account Desk could not estimate the prorated charge (the plan’s rates are not known here).';
    });
  const table = h(
    'table',
    { class: 'table', id: 'charges-table' },
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
      c.items.map((i) =>
        h(
          'tr',
          {},
          h('td', { text: i.item.replace(/_/g, ' ') }),
          h('td', {
            class: 'num',
            text:
              i.previous !== null && i.previous !== undefined && i.previous !== i.quantity
                ? `${i.previous} → ${i.quantity}`
                : `${i.quantity ?? ''}`,
          }),
          h('td', { class: 'num', text: money(i.rate) }),
          h('td', { class: 'num', text: money(i.total) }),
        ),
      ),
    ),
  );
  openDialog({
    title: 'Accept the charges for this change?',
    wide: true,
    body: [
      h('p', {
        text: `Changing the trunks of ${edit.account_name} changes what the account is billed. Nothing has been changed yet.`,
      }),
      table,
      h(
        'dl',
        { class: 'totals' },
        c.today !== null && c.today !== undefined
          ? [
              h('dt', { text: 'Activation charges due now (the platform’s quote)' }),
              h('dd', { class: 'num', id: 'charges-today', text: money(c.today) }),
            ]
          : null,
        c.recurring !== null && c.recurring !== undefined
          ? [
              h('dt', { text: 'New monthly total for these items (the platform’s quote)' }),
              h('dd', { class: 'num', id: 'charges-recurring', text: money(c.recurring) }),
            ]
          : null,
      ),
      estimate,
      h('p', {
        class: 'muted',
        text: 'Accepting charges the card on file; cancelling sends nothing and drops this trunk change.',
      }),
    ],
    actions: [
      { label: 'Cancel', id: 'charges-cancel', onClick: () => close(false) },
      { label: 'Accept charges', primary: true, id: 'charges-accept', onClick: () => close(true) },
    ],
    onClosed: (accepted) => (accepted ? onAccept() : onCancel()),
  });
}
