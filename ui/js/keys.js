// The window's keyboard shortcuts, one rule each, first match wins (the help dialog lists them:
// menus.js). None fires while a dialog is open: a dialog has its own keys.

const key = (e) => e.key.toLowerCase();

/** Listen for the shortcuts; `a` holds the actions and what they need to decide. */
export function bindShortcuts(a) {
  const rules = [
    [(e, mod) => mod && key(e) === 's', a.save],
    [(e) => e.key === 'Escape' && a.dirty() > 0 && !e.target.closest('.picker, .search'), a.discard],
    [(e) => e.altKey && e.key >= '1' && e.key <= String(a.tabs.length), (e) => a.selectTab(a.tabs[Number(e.key) - 1])],
    [(e) => e.key === 'F5', a.syncNow],
    [(e, mod) => mod && e.shiftKey && key(e) === 'p', a.openPending],
    [(e, mod) => mod && key(e) === 'b', a.openBalances],
    [(e, mod) => mod && key(e) === 'n', a.newAccount],
    [(e, _mod, typing) => e.key === '?' && !typing, a.openHelp],
  ];
  document.addEventListener('keydown', (e) => {
    if (document.querySelector('dialog').open) return;
    const mod = e.ctrlKey || e.metaKey;
    const typing = Boolean(e.target.matches && e.target.matches('input, select, textarea'));
    const hit = rules.find(([when]) => when(e, mod, typing));
    if (hit) {
      e.preventDefault();
      hit[1](e);
    }
  });
}
