// The Trunks screen (read-only): the three trunk counts and the call capacity they give.

import { h } from './dom.js';
import { row, card, freshness } from './views.js';

const HELP = {
  inbound_trunks: 'Carry calls coming in from a carrier only. One call per trunk.',
  outbound_trunks: 'Carry calls going out to a carrier only. One call per trunk.',
  twoway_trunks: 'Assigned on demand to either direction: 5 two-way trunks can be 4 in + 1 out, or 2 in + 3 out.',
};

function count(field, label, c) {
  return row(field, label, HELP[field],
    h('span', { class: 'count', text: c.value }),
    c.problem ? h('p', { class: 'note note-problem', role: 'note', text: c.problem }) : null);
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value', text: value }), h('div', { class: 'stat-label', text: label }));
}

export function renderTrunks(panel, t) {
  panel.replaceChildren(
    card('Trunks',
      count('inbound_trunks', 'Inbound trunks', t.inbound),
      count('outbound_trunks', 'Outbound trunks', t.outbound),
      count('twoway_trunks', 'Two-way trunks', t.twoway)),
    card('Call capacity',
      h('div', { class: 'stats' },
        stat('max inbound calls', t.capacity.max_inbound),
        stat('max outbound calls', t.capacity.max_outbound),
        stat('calls at once in total', t.capacity.total)),
      h('p', { class: 'capacity-sentence', id: 'capacity-sentence', text: t.sentence })),
    freshness(t.freshness),
  );
}
