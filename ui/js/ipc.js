// The only way the window talks to anything: Tauri commands into the Rust core, and the events
// it emits back. The webview
// never opens a network connection itself (the CSP forbids it).

const tauri = window.__TAURI__;
const core = tauri && tauri.core;

/** Call a command; failures reject with {code, message, field, fields, status, request_id}. */
export async function call(command, args = {}) {
  if (!core) throw { code: 'no_ipc', message: 'Account Desk must run inside its desktop window.' };
  try {
    return await core.invoke(command, args);
  } catch (err) {
    if (err && typeof err === 'object' && 'code' in err) throw err;
    throw { code: 'internal', message: String(err) };
  }
}

/** Run `handler(payload)` whenever the core emits `event` (nothing outside the desktop window). */
export function listen(event, handler) {
  if (tauri && tauri.event) tauri.event.listen(event, (e) => handler(e.payload));
}
