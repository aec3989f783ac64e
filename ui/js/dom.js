// Safe DOM building: text always goes through textContent, never innerHTML, so account data
// from a backend (names, realms, contacts) can never become markup or script.

/** h('div', {class: 'row', dataset: {field: 'name'}}, 'text', childNode, [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export const $ = (id) => document.getElementById(id);

/**
 * The one render-race guard. A drawing into a panel starts with `claim(panel)`, whose check says
 * whether that drawing still owns the panel after an await: false once a newer drawing claimed it
 * (another account opened, a refresh) or the user typed into it meanwhile. `holder(panel)` gives
 * the same check for whoever owns the panel now, without taking it over (a redraw from the cache
 * must not drop a fresh read still on its way).
 */
export function claim(panel) {
  delete panel.dataset.dirty;
  panel.renders = (panel.renders || 0) + 1;
  return holder(panel);
}

export function holder(panel) {
  const mine = panel.renders || 0;
  return () => panel.renders === mine && !typedIn(panel);
}

/** Typing into a panel that draws itself marks it, so no refresh redraws it under the user. */
export function watchTyping(panel) {
  panel.oninput = () => {
    panel.dataset.dirty = '1';
  };
}

export function typedIn(panel) {
  return panel.dataset.dirty === '1';
}

/** Re-render a panel keeping keyboard focus (and the caret) where the user had it. */
export function keepingFocus(panelId, render) {
  const active = document.activeElement;
  const inside = active && active.id && $(panelId).contains(active);
  const caret =
    inside && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  render();
  if (!inside) return;
  const again = document.getElementById(active.id);
  if (again) {
    again.focus();
    if (caret && typeof again.setSelectionRange === 'function') again.setSelectionRange(caret[0], caret[1]);
  }
}
