// A searchable list box under an input (time zones, countries): typed text filters, arrows move,
// Enter picks, Escape closes.

import { h, replace } from './dom.js';

/** A searchable list box under an input; `search(q)` returns [{value, label, meta}]. */
export function picker({ id, label, placeholder, search, onPick }) {
  const list = h('ul', { class: 'picker-list', id: `${id}-list`, role: 'listbox', 'aria-label': label, hidden: true });
  const field = h('input', {
    id,
    type: 'search',
    placeholder,
    autocomplete: 'off',
    spellcheck: 'false',
    role: 'combobox',
    'aria-controls': `${id}-list`,
    'aria-expanded': 'false',
    'aria-autocomplete': 'list',
    'aria-label': label,
  });
  let items = [];
  let active = -1;
  let seq = 0;
  const render = () => {
    replace(
      list,
      items.slice(0, 80).map((it, i) =>
        h(
          'li',
          {
            role: 'option',
            id: `${id}-opt-${i}`,
            class: 'picker-option',
            'aria-selected': i === active ? 'true' : 'false',
            dataset: { value: it.value },
            onmousedown: (e) => {
              e.preventDefault();
              pick(i);
            },
          },
          h('span', { text: it.label }),
          it.meta ? h('span', { class: 'picker-meta', text: it.meta }) : null,
        ),
      ),
      items.length > 80
        ? h('li', {
            class: 'picker-more',
            role: 'presentation',
            text: `${items.length - 80} more — keep typing to narrow`,
          })
        : null,
    );
    if (active >= 0) field.setAttribute('aria-activedescendant', `${id}-opt-${active}`);
  };
  const open = async () => {
    const mine = ++seq;
    const found = await search(field.value);
    if (mine !== seq) return;
    items = found;
    active = items.length ? 0 : -1;
    render();
    list.hidden = false;
    field.setAttribute('aria-expanded', 'true');
  };
  const shut = () => {
    list.hidden = true;
    field.setAttribute('aria-expanded', 'false');
  };
  const pick = (i) => {
    if (items[i]) {
      onPick(items[i]);
      field.value = '';
      shut();
    }
  };
  field.addEventListener('input', open);
  field.addEventListener('focus', open);
  field.addEventListener('blur', () => setTimeout(shut, 120));
  field.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown') active = Math.min(active + 1, items.length - 1);
    else if (e.key === 'ArrowUp') active = Math.max(active - 1, 0);
    else if (e.key === 'Enter') {
      pick(active);
      e.preventDefault();
      return;
    } else if (e.key === 'Escape') {
      shut();
      e.stopPropagation();
      return;
    } else return;
    e.preventDefault();
    render();
    document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  });
  return h('div', { class: 'picker' }, field, list);
}
