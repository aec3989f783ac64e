// Messages to the user: the passing toast, dismissable notices (an error with what to do about
// it, or what the whole app must say), and copying to the clipboard through the core.

import { $, h, replace } from './dom.js';
import { call } from './ipc.js';
import { errorBlock } from './views.js';

export function toast(message) {
  const t = $('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.hidden = true;
  }, 2600);
}

export async function copy(text) {
  try {
    await call('copy_text', { text });
    toast('Copied to the clipboard');
  } catch (err) {
    toast(err.message);
  }
}

/** A notice the user can dismiss. */
export function noticeCard(kind, body) {
  return h(
    'div',
    { class: `notice notice-${kind}` },
    body,
    h('button', {
      type: 'button',
      class: 'btn btn-small notice-close',
      text: 'Dismiss',
      onclick: (e) => e.target.closest('.notice').remove(),
    }),
  );
}

export function notify(err, info = false) {
  replace(
    $('notices'),
    info ? noticeCard('info', h('p', { text: err.message })) : noticeCard('error', errorBlock(err, copy)),
  );
}

/** What the whole app must tell the user (no keyring, a rebuilt cache) stays until dismissed:
 *  opening an account clears only that account's messages. */
export function showBootNotices(notices) {
  replace(
    $('boot-notices'),
    notices.map((n) => noticeCard('info', h('p', { text: n }))),
  );
}
