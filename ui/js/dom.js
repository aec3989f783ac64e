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
 * Start drawing a self-drawn panel: the returned check says whether this drawing still owns the
 * panel after an await (no newer drawing of it, for this account or another, and nothing typed
 * into it meanwhile — typing marks it `dataset.dirty`).
 */
export function claim(panel) {
  delete panel.dataset.dirty;
  panel.renders = (panel.renders || 0) + 1;
  const mine = panel.renders;
  return () => panel.renders === mine && panel.dataset.dirty !== '1';
}
