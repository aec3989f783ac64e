// Desktop alert tiers: this user's own extra thresholds for an account, announced on this
// computer once per fall through each; the platform's threshold (Kazoo's, which sends its
// e-mail) stays as it is.

import { h } from './dom.js';
import { clearErrors, showErrors, slug } from './fields.js';
import { call } from './ipc.js';
import { card } from './views.js';

export function tiersCard(accountId, tiers, usage, { notify, rerender }) {
  const on = h('input', { type: 'checkbox', id: 'tiers-enabled', checked: tiers.enabled });
  const boxes = Array.from({ length: tiers.max }, (_, i) =>
    h('input', {
      type: 'text',
      inputmode: 'decimal',
      id: `tier-${i + 1}`,
      class: 'tier-input',
      value: tiers.thresholds[i] || '',
      'aria-label': `Alert tier ${i + 1}`,
      'aria-describedby': 'tiers-help',
    }),
  );
  const body = h(
    'div',
    { id: 'alert-tiers' },
    h('p', {
      class: 'help',
      id: 'tiers-help',
      text: `Besides the platform’s threshold (${usage.threshold.text}, which also sends the platform’s e-mail), Account Desk notifies you on this computer when this balance falls below each amount here — once per fall, and again only after it has recovered. These tiers are yours alone.`,
    }),
    h('label', { class: 'check' }, on, ' Notify me at these tiers'),
    h('div', { class: 'tier-inputs' }, boxes),
    h('p', { class: 'field-error', id: `err-${slug('alert_tiers')}`, role: 'alert' }),
    usage.watched
      ? null
      : h('p', { class: 'note', text: 'This balance is not watched: watch it for its tiers to be checked.' }),
  );
  const save = h('button', {
    type: 'button',
    class: 'btn btn-primary btn-small',
    id: 'tiers-save',
    text: 'Save tiers',
    onclick: async () => {
      clearErrors(body);
      try {
        await call('save_alert_tiers', { id: accountId, enabled: on.checked, thresholds: boxes.map((b) => b.value) });
        notify({ code: 'info', message: 'Alert tiers saved on this computer.' }, true);
        rerender();
      } catch (err) {
        if (err.fields && err.fields.length) showErrors(body, err.fields, () => notify(err));
        else notify(err);
      }
    },
  });
  return card('Desktop alert tiers', body, h('div', { class: 'card-actions' }, save));
}
