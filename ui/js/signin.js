// Signing in: saved platforms, a new platform (password or API key, "remember me"), and the
// quick re-sign-in when a session expires mid-work (the screen underneath stays as it is).

import { close, openDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { clearErrors, input, showErrors } from './fields.js';
import { call } from './ipc.js';

function methodSwitch(prefix, method, onPick) {
  return h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': 'Sign in with' },
    [
      ['password', 'Password'],
      ['api_key', 'API key'],
    ].map(([value, label]) =>
      h(
        'label',
        { class: 'segment' },
        h('input', {
          type: 'radio',
          name: `${prefix}-method`,
          value,
          checked: method === value,
          onchange: () => onPick(value),
        }),
        h('span', { text: label }),
      ),
    ),
  );
}

async function submit(root, form, button, errorEl) {
  clearErrors(root);
  errorEl.textContent = '';
  button.disabled = true;
  try {
    return await call('sign_in', { form });
  } catch (err) {
    const general = [];
    showErrors(root, err.fields || [], (f) => general.push(f.message));
    if (!(err.fields || []).length || general.length)
      errorEl.textContent = general.length ? general.join(' ') : err.message;
    return null;
  } finally {
    button.disabled = false;
  }
}

export function renderSignIn(root, boot, { onReady, onNotAdmin, onOpenProfile, onDemo, onForget }) {
  let method = (boot.profile && boot.profile.method) || 'password';
  const p = boot.profile && !boot.profile.demo ? boot.profile : null;
  const fields = {
    server: input('server', 'Server address', boot.server && !boot.demo ? boot.server : p ? p.server : '', {
      type: 'url',
      placeholder: 'https://pbx.example.com:8443',
    }),
    account: input('account', 'Account name or realm', p ? p.account : ''),
    username: input('username', 'User name', p ? p.username || '' : '', { autocomplete: 'username' }),
    password: input('password', 'Password', '', { type: 'password', autocomplete: 'current-password' }),
    api_key: input('api_key', 'API key', '', { type: 'password', autocomplete: 'off', class: 'mono' }),
    ca_file: input('ca_file', 'Certificate authority file (PEM)', p ? p.ca_file || '' : '', {
      placeholder: "Only if your company signs the server's certificate itself",
      class: 'mono',
    }),
  };
  const remember = h('input', { type: 'checkbox', id: 'signin-remember', checked: p ? p.remember : false });
  const errorEl = h('p', { class: 'form-error', id: 'signin-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn btn-primary', id: 'signin-submit', text: 'Sign in' });
  const showMethod = () => {
    fields.username.hidden = method !== 'password';
    fields.password.hidden = method !== 'password';
    fields.api_key.hidden = method !== 'api_key';
  };
  const form = h(
    'form',
    { class: 'signin card', id: 'signin-form', novalidate: true },
    h('h1', { id: 'signin-title', text: 'Sign in to a platform' }),
    h('p', {
      class: 'muted',
      text: 'Account Desk talks to any Kazoo-compatible Crossbar v2 server. Your password is never stored.',
    }),
    fields.server,
    methodSwitch('signin', method, (m) => {
      method = m;
      showMethod();
    }),
    fields.account,
    fields.username,
    fields.password,
    fields.api_key,
    h(
      'details',
      { class: 'advanced', open: !!(p && p.ca_file) },
      h('summary', { text: 'Advanced' }),
      h('p', {
        class: 'muted',
        text: 'Certificates trusted by this computer are used as they are. A certificate authority named here is trusted for this platform too.',
      }),
      fields.ca_file,
    ),
    h(
      'label',
      { class: 'check' },
      remember,
      h(
        'span',
        {},
        h('span', { text: 'Remember me on this computer' }),
        h('span', {
          class: 'radio-help',
          text: 'Keeps the session (or the API key) in the system keyring, never on disk.',
        }),
      ),
    ),
    errorEl,
    button,
  );
  showMethod();
  const val = (k) => fields[k].querySelector('input').value;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const result = await submit(
      root,
      {
        server: val('server'),
        account: val('account'),
        method,
        username: val('username'),
        password: val('password'),
        api_key: val('api_key'),
        remember: remember.checked,
        ca_file: val('ca_file'),
      },
      button,
      errorEl,
    );
    if (!result) return;
    fields.password.querySelector('input').value = '';
    fields.api_key.querySelector('input').value = '';
    if (result.phase === 'not_admin') onNotAdmin(result);
    else if (result.phase === 'ready') onReady(result);
    else errorEl.textContent = 'Signed in, but the account tree could not be loaded. Try again.';
  });
  const saved = h(
    'section',
    { class: 'saved-platforms', 'aria-labelledby': 'saved-title' },
    h('h2', { class: 'side-title', id: 'saved-title', text: 'Saved platforms' }),
    boot.profiles.length
      ? h(
          'ul',
          { class: 'saved-list' },
          boot.profiles.map((sp) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', class: 'saved-open', onclick: () => onOpenProfile(sp.id) },
                h('span', { class: 'saved-label', text: sp.label }),
                h('span', { class: 'saved-server mono', text: sp.server }),
              ),
              h('button', {
                type: 'button',
                class: 'icon-button',
                'aria-label': `Forget ${sp.label}`,
                title: 'Forget this platform and its saved sign-in',
                text: '×',
                onclick: () => onForget(sp.id),
              }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'None yet.' }),
    h('button', { type: 'button', class: 'btn', id: 'open-demo', text: 'Open the demo', onclick: onDemo }),
  );
  replace(root, h('div', { class: 'signin-layout' }, form, saved));
  const first = [...form.querySelectorAll('input')].find((i) => !i.value && i.offsetParent !== null);
  (first || button).focus();
}

/** The session expired and could not be renewed: sign in again without leaving the screen. */
export function showReauth(boot, { onDone }) {
  const p = boot.profile;
  if (!p) return;
  const root = h('div', {});
  const secret =
    p.method === 'api_key'
      ? input('api_key', 'API key', '', { type: 'password', class: 'mono' })
      : input('password', `Password for ${p.username || ''}`, '', {
          type: 'password',
          autocomplete: 'current-password',
        });
  const errorEl = h('p', { class: 'form-error', role: 'alert' });
  root.append(
    h('p', {
      text: `Your session on ${p.label} has expired. Sign in again to continue; everything on screen, including unsaved changes, stays as it is.`,
    }),
    secret,
    errorEl,
  );
  const go = async (e) => {
    const button = e.target;
    const value = secret.querySelector('input').value;
    const result = await submit(
      root,
      {
        server: p.server,
        account: p.account,
        method: p.method,
        username: p.username || '',
        password: p.method === 'password' ? value : '',
        api_key: p.method === 'api_key' ? value : '',
        remember: p.remember,
        ca_file: p.ca_file || '',
      },
      button,
      errorEl,
    );
    if (result) {
      close(true);
      onDone(result);
    }
  };
  openDialog({
    title: 'Sign in again',
    body: root,
    actions: [{ label: 'Sign in', primary: true, id: 'reauth-submit', onClick: go }],
  });
  secret.querySelector('input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') document.getElementById('reauth-submit').click();
  });
}
