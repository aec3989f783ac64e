// Shared pieces of the settings screens: label/value rows, problem notes, phone numbers.

import { h } from './dom.js';
import { absoluteTime, relativeTime, utcOffset } from './format.js';
import { call } from './ipc.js';

/** One label/value row. `field` is the Kazoo path, used to find the row and its errors. */
export function row(field, label, help, value, ...notes) {
  const id = `label-${field.replace(/\W/g, '-')}`;
  return h(
    'div',
    { class: 'row', dataset: { field }, role: 'group', 'aria-labelledby': id },
    h(
      'div',
      { class: 'row-label' },
      h('div', { class: 'label', id }, label),
      help ? h('p', { class: 'help', text: help }) : null,
    ),
    h('div', { class: 'row-value' }, h('div', { class: 'value' }, value), notes),
  );
}

/** A stored value that breaks the rules: shown as stored, with why. */
export function problem(text) {
  return text
    ? h('p', { class: 'note note-problem', role: 'note', text: `Stored value needs attention: ${text}` })
    : null;
}

function missing(text = 'Not set') {
  return h('span', { class: 'muted', text });
}

/** A phone number in the account's format, E.164 in the tooltip. */
export function phone(p) {
  if (!p) return missing();
  return h('span', { class: 'phone', title: p.e164 ? `E.164: ${p.e164}` : null, text: p.display });
}

export function card(title, ...rows) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', { class: 'card-title', text: title }), rows);
}

export function freshness(f) {
  if (!f) return null;
  const when = absoluteTime(f.fetched_at);
  const label = f.from_cache
    ? `Shown from the local copy, fetched ${relativeTime(f.fetched_at)}`
    : `Updated ${relativeTime(f.fetched_at)}`;
  return h('p', { class: 'freshness', title: when + (f.revision ? ` · revision ${f.revision}` : ''), text: label });
}

export function errorBlock(err, copy) {
  const details = [
    err.status ? `HTTP status: ${err.status}` : null,
    err.server_message ? `Server message: ${err.server_message}` : null,
    err.request_id ? `Request ID: ${err.request_id}` : null,
    `Error code: ${err.code}`,
  ].filter(Boolean);
  return h(
    'div',
    { class: 'error-block', role: 'alert' },
    h('p', { class: 'error-sentence', text: err.message || 'Something went wrong.' }),
    h(
      'details',
      {},
      h('summary', { text: 'Details' }),
      h('pre', { class: 'mono', text: details.join('\n') }),
      h('button', {
        type: 'button',
        class: 'btn btn-small',
        text: 'Copy details',
        onclick: () => copy(details.join('\n')),
      }),
    ),
  );
}

/** "10:04 local time · CST (UTC-06:00)" from a zone clock the core read. */
export const clockText = (c) => (c ? `${c.time} local time · ${c.abbreviation} (${utcOffset(c.offset)})` : '');

/** The local time next to a zone moves on while the window is open: every zone clock on screen
 *  (`data-clock`) is read again each half minute. */
export function startZoneClocks() {
  setInterval(async () => {
    for (const el of document.querySelectorAll('[data-clock]')) {
      try {
        const c = await call('zone_clock', { zone: el.dataset.clock });
        el.textContent = clockText(c);
      } catch {
        /* leave the last reading */
      }
    }
  }, 30000);
}
