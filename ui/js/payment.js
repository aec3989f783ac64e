// Payment Details: the card on file (top-level account), the card dialog and the billing contact.
// Card checks live in Rust; this file lays out what the core returns and sends what was typed.

import { close, openDialog } from './dialogs.js';
import { claim, h, replace } from './dom.js';
import { clearErrors, input, showErrors } from './fields.js';
import { call } from './ipc.js';
import { card, errorBlock, row } from './views.js';

const CONTACT = [
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['email', 'E-mail'],
  ['number', 'Phone'],
  ['street_address', 'Street address'],
  ['street_address_extra', 'Address line 2'],
  ['locality', 'City'],
  ['region', 'State / region'],
  ['postal_code', 'Postal code'],
  ['country', 'Country (ISO code, like US)'],
];

export async function renderPayment(panel, accountId, { notify, copy }) {
  const owns = claim(panel);
  let p;
  try {
    p = await call('payment_details', { id: accountId });
  } catch (err) {
    if (owns()) replace(panel, errorBlock(err, copy));
    return;
  }
  if (!owns()) return;
  const cardRows = [];
  if (!p.can_pay) {
    cardRows.push(
      h(
        'div',
        { class: 'banner banner-info', id: 'billed-through', role: 'note' },
        h('p', {
          text: `Billed through ${p.billed_through}. Only the top-level account needs credit card information.`,
        }),
      ),
    );
  } else {
    const c = p.card;
    cardRows.push(
      row(
        'card',
        'Card on file',
        'Used to add credit, pay monthly charges, buy numbers and other charges. Keep it valid.',
        c
          ? h('span', { id: 'card-on-file', text: `${c.brand} ending in ${c.last_four}, expires ${c.expiry}` })
          : h('span', { class: 'muted', id: 'card-on-file', text: 'No card on file' }),
        c && c.warning
          ? h('p', {
              class: `note ${c.expired ? 'note-problem' : 'note-warn'}`,
              id: 'card-warning',
              role: 'note',
              text: c.warning,
            })
          : null,
        p.due ? h('p', { class: 'note note-warn', id: 'card-due', role: 'note', text: p.due.sentence }) : null,
        p.card_fresh
          ? null
          : h('p', { class: 'note', text: 'Offline: this is the card last seen. Cards can only be changed online.' }),
        h('button', {
          type: 'button',
          class: 'btn btn-small',
          id: 'card-add',
          text: c ? 'Replace card…' : 'Add card…',
          disabled: !p.card_fresh,
          onclick: () =>
            cardDialog(accountId, p.due, (added) => {
              // The start-up charge the first card paid (or why it is not settled yet).
              if (added.first_charge) notify({ code: 'info', message: added.first_charge.message }, true);
              renderPayment(panel, accountId, { notify, copy });
            }),
        }),
      ),
    );
  }
  const fields = CONTACT.map(([key, label]) => {
    const path = `contact.billing.${key}`;
    const f = input(path, label, p.contact[key], { type: key === 'email' ? 'email' : 'text' });
    return f;
  });
  const save = h('button', {
    type: 'button',
    class: 'btn btn-primary btn-small',
    id: 'contact-save',
    text: 'Save billing contact',
    onclick: async () => {
      const form = panel.querySelector('#contact-form');
      clearErrors(form);
      const contact = Object.fromEntries(
        CONTACT.map(([key]) => [key, form.querySelector(`#f-contact-billing-${key.replace(/_/g, '-')}`).value]),
      );
      try {
        await call('save_billing_contact', { id: accountId, contact });
        notify(
          {
            code: 'info',
            message: 'Billing contact saved locally; it goes to the server now, or as soon as it can be reached.',
          },
          true,
        );
        renderPayment(panel, accountId, { notify, copy });
      } catch (err) {
        showErrors(form, err.fields || [], (f) => notify({ code: 'invalid_input', message: f.message }));
        if (!(err.fields || []).length) notify(err);
      }
    },
  });
  replace(
    panel,
    card('Credit card', cardRows),
    card(
      'Billing contact',
      p.contact_single_name
        ? h('p', {
            class: 'note',
            role: 'note',
            text: 'Stored as a single name by another tool; saving splits it into first and last name.',
          })
        : null,
      p.contact_pending ? h('p', { class: 'tag tag-pending', text: 'pending' }) : null,
      h('div', { class: 'form-grid', id: 'contact-form' }, fields),
      h('div', { class: 'card-actions' }, save),
    ),
  );
}

function cardDialog(accountId, due, done) {
  const number = input('card_number', 'Card number', '', { inputmode: 'numeric', autocomplete: 'off' });
  const brand = h('span', { class: 'card-brand', id: 'card-brand', 'aria-live': 'polite' });
  const expiry = input('card_expiry', 'Expiry (MM/YY)', '', {
    inputmode: 'numeric',
    placeholder: 'MM/YY',
    autocomplete: 'off',
  });
  const cvv = input('card_cvv', 'Security code (CVV)', '', {
    inputmode: 'numeric',
    autocomplete: 'off',
    type: 'password',
  });
  const holder = input('card_holder', 'Name on card', '', {});
  const status = h('p', { class: 'muted', id: 'card-status', 'aria-live': 'polite' });
  const numberInput = number.querySelector('input');
  // The core names the brand from the issuer's prefix (the first six digits, no more).
  let asked = 0;
  numberInput.addEventListener('input', async () => {
    const mine = ++asked;
    const leading = numberInput.value.replace(/\D/g, '').slice(0, 6);
    const name = await call('card_brand', { leading }).catch(() => '');
    if (mine === asked) brand.textContent = name;
  });
  const destination = h('p', {
    class: 'note',
    id: 'card-destination',
    'aria-live': 'polite',
    text: 'Finding out where the card details go…',
  });
  const body = h(
    'div',
    { id: 'card-form' },
    h('p', {
      class: 'muted',
      text: 'The card goes straight to the payment processor in exchange for a one-time token; the platform and this computer never store its number.',
    }),
    destination,
    due
      ? h('p', {
          class: 'note note-warn',
          id: 'card-first-charge',
          text: `This first card also pays the ${due.amount.text} due now, once.`,
        })
      : null,
    number,
    brand,
    expiry,
    cvv,
    holder,
    status,
  );
  call('card_destination', { id: accountId })
    .then((host) => {
      destination.textContent = `Card details are sent to ${host} (the payment processor) and nowhere else.`;
    })
    .catch((err) => {
      destination.textContent = err.message;
      destination.classList.add('note-problem');
    });
  let busy = false;
  const wipe = () => {
    for (const i of body.querySelectorAll('input')) i.value = '';
  };
  openDialog({
    title: 'Add a card',
    body,
    actions: [
      {
        label: 'Cancel',
        id: 'card-cancel',
        onClick: () => {
          wipe();
          close(false);
        },
      },
      {
        label: 'Add card',
        primary: true,
        id: 'card-confirm',
        onClick: async () => {
          if (busy) return;
          busy = true;
          clearErrors(body);
          status.textContent = 'Checking the card with the payment processor…';
          const entry = {
            number: numberInput.value,
            expiry: expiry.querySelector('input').value,
            cvv: cvv.querySelector('input').value,
            holder: holder.querySelector('input').value,
            // The amount this dialog said the card pays: the core takes that or nothing.
            due_shown: due ? due.amount.text : '',
          };
          try {
            const added = await call('add_card', { id: accountId, card: entry });
            wipe();
            close(true);
            done(added);
          } catch (err) {
            status.textContent = '';
            const placed = showErrors(body, err.fields || []);
            if (!placed || !(err.fields || []).length) status.textContent = err.message;
          } finally {
            entry.number = '';
            entry.cvv = '';
            busy = false;
          }
        },
      },
    ],
    onClosed: wipe,
  });
}
