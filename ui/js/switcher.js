// The account switcher: a lazily loaded tree (children fetched on expand) and instant search by
// name, realm or ID, both keyboard driven. Ctrl/Cmd+K focuses the search.

import { $, h, replace } from './dom.js';
import { call } from './ipc.js';

export function createSwitcher({ onSelect, onError, onRendered = () => {} }) {
  const tree = $('account-tree');
  const treeWrap = $('tree-wrap');
  const results = $('account-results');
  const input = $('account-search');
  let selectedId = null;
  let hits = [];
  let active = -1;
  let searchSeq = 0;

  function treeItem(node, level) {
    const expandable = node.child_count > 0;
    const li = h('li', {
      role: 'treeitem',
      'aria-level': level,
      'aria-selected': node.id === selectedId ? 'true' : 'false',
      'aria-expanded': expandable ? 'false' : null,
      tabindex: '-1',
      dataset: { id: node.id },
      title: node.realm || null,
    });
    const toggle = expandable
      ? h('button', {
          type: 'button',
          class: 'twisty',
          tabindex: '-1',
          'aria-label': `Show accounts under ${node.name}`,
          onclick: (e) => {
            e.stopPropagation();
            toggleItem(li, node, level);
          },
        })
      : h('span', { class: 'twisty-space', 'aria-hidden': 'true' });
    const row = h(
      'div',
      { class: 'node-row', onclick: () => choose(node.id) },
      toggle,
      h('span', { class: 'node-name', text: node.name }),
      expandable
        ? h('span', { class: 'node-count', text: node.child_count, 'aria-label': `${node.child_count} sub-accounts` })
        : null,
    );
    li.append(row);
    li.addEventListener('keydown', (e) => onTreeKey(e, li, node, level));
    return li;
  }

  async function toggleItem(li, node, level, open) {
    const expanded = li.getAttribute('aria-expanded') === 'true';
    const want = open ?? !expanded;
    if (want === expanded) return;
    li.setAttribute('aria-expanded', want ? 'true' : 'false');
    let group = li.querySelector(':scope > ul');
    if (!want) {
      if (group) group.hidden = true;
      return;
    }
    if (!group) {
      group = h('ul', { role: 'group' });
      li.append(group);
      try {
        const kids = await call('list_children', { parent: node.id });
        replace(
          group,
          kids.map((k) => treeItem(k, level + 1)),
        );
        onRendered();
      } catch (err) {
        onError(err);
      }
    }
    group.hidden = false;
  }

  function visibleItems() {
    return [...tree.querySelectorAll('[role=treeitem]')].filter((li) => li.offsetParent !== null);
  }

  function focusItem(li) {
    for (const other of tree.querySelectorAll('[role=treeitem][tabindex="0"]')) other.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  }

  function onTreeKey(e, li, node, level) {
    if (e.target !== li) return;
    const items = visibleItems();
    const i = items.indexOf(li);
    const expandable = node.child_count > 0;
    switch (e.key) {
      case 'ArrowDown':
        if (items[i + 1]) focusItem(items[i + 1]);
        break;
      case 'ArrowUp':
        if (items[i - 1]) focusItem(items[i - 1]);
        break;
      case 'ArrowRight':
        if (expandable) toggleItem(li, node, level, true);
        break;
      case 'ArrowLeft':
        if (li.getAttribute('aria-expanded') === 'true') toggleItem(li, node, level, false);
        else {
          const parent = li.parentElement.closest('[role=treeitem]');
          if (parent) focusItem(parent);
        }
        break;
      case 'Enter':
      case ' ':
        choose(node.id);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  function markSelected() {
    for (const li of tree.querySelectorAll('[role=treeitem]')) {
      li.setAttribute('aria-selected', li.dataset.id === selectedId ? 'true' : 'false');
    }
  }

  async function choose(id) {
    if (!(await onSelect(id))) return;
    selectedId = id;
    markSelected();
    loadShortcuts();
  }

  /** Pinned and recently opened accounts, above the tree. */
  async function loadShortcuts() {
    let sc;
    try {
      sc = await call('shortcuts');
    } catch {
      return;
    }
    const item = (n) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'shortcut',
            dataset: { id: n.id },
            title: n.realm,
            'aria-current': n.id === selectedId ? 'true' : null,
            onclick: () => choose(n.id),
          },
          h('span', { class: 'node-name', text: n.name }),
        ),
      );
    for (const [key, list] of [
      ['pinned', sc.pinned],
      ['recent', sc.recent.filter((r) => !sc.pinned.some((p) => p.id === r.id)).slice(0, 5)],
    ]) {
      $(`${key}-section`).hidden = list.length === 0;
      replace($(`${key}-list`), list.map(item));
    }
    onRendered();
    return sc;
  }

  async function load(status) {
    const root = { id: status.root_id, name: status.root_name || 'My account', child_count: 1 };
    const li = treeItem(root, 1);
    replace(tree, li);
    li.tabIndex = 0;
    await toggleItem(li, root, 1, true);
    const count = li.querySelectorAll(':scope > ul > li').length;
    const badge = li.querySelector('.node-count');
    badge.textContent = count;
    badge.setAttribute('aria-label', `${count} sub-accounts`);
    if (count === 0) {
      badge.remove();
      li.removeAttribute('aria-expanded');
      li.querySelector('.twisty')?.remove();
      li.append(h('p', { class: 'empty-note', text: 'No sub-accounts yet.' }));
    }
  }

  // --- search -----------------------------------------------------------------------------

  function showResults(show) {
    results.hidden = !show;
    treeWrap.hidden = show;
    input.setAttribute('aria-expanded', show ? 'true' : 'false');
  }

  function renderHits(query) {
    active = hits.length ? 0 : -1;
    if (!hits.length) {
      replace(results, h('li', { class: 'no-results', role: 'presentation', text: `No account matches “${query}”.` }));
    } else {
      replace(
        results,
        hits.map((hit, i) =>
          h(
            'li',
            {
              role: 'option',
              id: `hit-${i}`,
              class: 'hit',
              'aria-selected': i === active ? 'true' : 'false',
              dataset: { id: hit.id },
              onmousedown: (e) => {
                e.preventDefault();
                pick(i);
              },
            },
            h('span', { class: 'hit-name', text: hit.name }),
            h('span', { class: 'hit-meta mono', text: hit.matched === 'id' ? hit.id : hit.realm }),
            hit.path.length ? h('span', { class: 'hit-path', text: hit.path.join(' › ') }) : null,
          ),
        ),
      );
    }
    updateActive();
  }

  function updateActive() {
    for (const [i, el] of [...results.querySelectorAll('[role=option]')].entries()) {
      el.setAttribute('aria-selected', i === active ? 'true' : 'false');
    }
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `hit-${active}`);
      $(`hit-${active}`)?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function pick(i) {
    const hit = hits[i];
    if (!hit) return;
    input.value = '';
    showResults(false);
    choose(hit.id);
    // The chosen account has the user's attention: its heading takes the focus. (A caret left
    // blinking in the search box also kept WebKitGTK drawing ~40 frames a second while idle.)
    $('account-name').focus({ preventScroll: true });
  }

  input.addEventListener('input', async () => {
    const query = input.value;
    const seq = ++searchSeq;
    if (!query.trim()) {
      showResults(false);
      return;
    }
    try {
      const found = await call('search_accounts', { query });
      if (seq !== searchSeq) return; // a newer keystroke already answered
      hits = found;
      renderHits(query.trim());
      showResults(true);
    } catch (err) {
      onError(err);
    }
  });

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = '';
      showResults(false);
      return;
    }
    if (results.hidden) return;
    if (e.key === 'ArrowDown') {
      active = Math.min(active + 1, hits.length - 1);
      updateActive();
    } else if (e.key === 'ArrowUp') {
      active = Math.max(active - 1, 0);
      updateActive();
    } else if (e.key === 'Enter') pick(active);
    else return;
    e.preventDefault();
  });

  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
  if (/Mac/.test(navigator.platform)) document.querySelector('.search-key').textContent = '⌘K';

  return {
    load,
    loadShortcuts,
    choose,
    get selected() {
      return selectedId;
    },
  };
}
