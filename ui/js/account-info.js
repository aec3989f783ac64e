// The Account Info screen (read-only): identity, contact, time zone, number format, privacy.

import { h } from './dom.js';
import { row, problem, warning, text, phone, card, missing, freshness } from './views.js';
import { utcOffset } from './format.js';

const HELP = {
  name: 'The human-friendly name the account was created with. Names are unique on the platform.',
  id: 'Read-only identifier used by the system. Paste it into support tickets.',
  realm: 'Devices register against the realm. Define it once and keep it: changing it can disrupt service.',
  contact: 'First line of support for this account.',
  timezone: 'Home default for stamping calls, office hours and holidays.',
  format: 'How every phone number of this account is displayed in Account Desk.',
  privacy: 'What outgoing calls hide from the called party’s caller ID.',
};

function clockText(clock) {
  return clock ? `${clock.time} local time · ${clock.abbreviation} (${utcOffset(clock.offset)})` : '';
}

function timezoneValue(tz) {
  if (tz.inherited) {
    return h('div', {},
      h('span', { text: 'Inherited from the parent account' }),
      tz.effective ? h('span', { class: 'muted', text: ` (${tz.effective})` }) : null,
      tz.clock ? h('div', { class: 'sub', dataset: { clock: tz.effective }, text: clockText(tz.clock) }) : null);
  }
  return h('div', {},
    h('span', { class: 'mono', text: tz.zone }),
    tz.clock ? h('div', { class: 'sub', dataset: { clock: tz.effective }, text: clockText(tz.clock) }) : null);
}

function formatValue(f) {
  return h('div', {},
    h('span', { text: f.label }),
    f.exceptions.length
      ? h('div', { class: 'tags', 'aria-label': 'Countries shown in national format' },
          f.exceptions.map((c) => h('span', { class: 'tag', text: c })))
      : null,
    h('ul', { class: 'preview', 'aria-label': 'Sample numbers in this format' },
      f.preview.map((p) => h('li', {}, phone(p)))));
}

function contactValue(c) {
  const parts = [
    c.name.value ? h('div', { text: c.name.value }) : null,
    c.email.value ? h('div', { class: 'mono', text: c.email.value }) : null,
    c.number ? h('div', {}, phone(c.number)) : null,
  ].filter(Boolean);
  return parts.length ? h('div', { class: 'stack' }, parts) : missing('No technical contact on file');
}

export function renderAccountInfo(panel, v, { copy }) {
  const contactProblems = [v.technical_contact.email.problem, v.technical_contact.number?.problem].filter(Boolean);
  panel.replaceChildren(
    card('Account',
      row('name', 'Account name', HELP.name, text(v.name.value, 'No name'), problem(v.name.problem)),
      row('id', 'Account ID', HELP.id,
        h('span', { class: 'id-value' },
          h('code', { class: 'mono', text: v.id }),
          h('button', { type: 'button', class: 'btn btn-small', text: 'Copy', 'aria-label': 'Copy account ID', onclick: () => copy(v.id) }))),
      row('realm', 'Account realm', HELP.realm, v.realm.value ? h('span', { class: 'mono', text: v.realm.value }) : missing(), problem(v.realm.problem)),
      row('contact.technical', 'Technical contact', HELP.contact, contactValue(v.technical_contact),
        contactProblems.map((p) => problem(p)))),
    card('Regional and display',
      row('timezone', 'Timezone', HELP.timezone, timezoneValue(v.timezone), problem(v.timezone.problem)),
      row('ui_flags.numbers_format', 'Phone numbers format', HELP.format, formatValue(v.numbers_format),
        warning(v.numbers_format.warning), problem(v.numbers_format.problem)),
      row('caller_id_options.outbound_privacy', 'Caller-ID privacy', HELP.privacy, text(v.privacy.label),
        warning(v.privacy.warning), problem(v.privacy.problem))),
    freshness(v.freshness),
  );
}
