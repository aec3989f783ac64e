// The Account Info screen: identity, realm (behind an unlock), technical contact, time zone,
// phone-number format and caller-ID privacy — edited in place, saved through the outbox.

import { close, openDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { input, liveCheck, pendingTag, setError, setHint, slug } from './fields.js';
import { call } from './ipc.js';
import { picker } from './picker.js';
import { FORMATS, PRIVACY, PRIVACY_WARNING } from './regional.js';
import { card, clockText, freshness, phone, problem, row } from './views.js';

const HELP = {
  name: 'The human-friendly name the account was created with. Names are unique on the platform.',
  id: 'Read-only identifier used by the system. Paste it into support tickets.',
  realm: 'Devices register against the realm. Define it once and keep it: changing it can disrupt service.',
  contact: 'First line of support for this account.',
  timezone: 'Home default for stamping calls, office hours and holidays.',
  format: 'How every phone number of this account is displayed.',
  privacy: 'What outgoing calls hide from the called party’s caller ID.',
};

let countries = null;
async function countryList() {
  if (!countries) countries = await call('list_countries');
  return countries;
}

export function renderAccountInfo(panel, view, { copy, onChange }) {
  const initial = view.form;
  const pend = view.pending;
  const state = {
    realmUnlocked: false,
    realmConfirmation: '',
    timezone: initial.timezone,
    mode: initial.numbers_format || 'international',
    exceptions: [...initial.numbers_format_exceptions],
  };
  const id = view.id;

  // --- name ---
  const nameField = input('name', 'Account name', initial.name, { maxlength: 200 });
  nameField.querySelector('label').classList.add('visually-hidden');
  const nameInput = nameField.querySelector('input');

  // --- realm ---
  const realmBox = h('div', { class: 'realm-box' });
  const realmInput = h('input', {
    id: 'f-realm',
    class: 'mono',
    value: initial.realm,
    'aria-describedby': 'err-realm hint-realm',
    'aria-label': 'New account realm',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const showRealm = () => {
    if (!state.realmUnlocked) {
      replace(
        realmBox,
        h('span', { class: 'mono', id: 'realm-value', text: view.realm.value || '' }),
        h('button', {
          type: 'button',
          class: 'btn btn-small',
          id: 'realm-unlock',
          text: 'Change realm…',
          onclick: unlockRealm,
        }),
        h('p', { class: 'field-error', id: 'err-realm', role: 'alert' }),
        h('p', { class: 'field-error', id: 'err-realm-confirmation', role: 'alert' }),
      );
      return;
    }
    const suffix = initial.realm.split('.').slice(1).join('.') || '';
    const labelInput = h('input', {
      id: 'f-realm-label',
      'aria-label': 'New first label of the realm',
      placeholder: 'company-name',
      spellcheck: 'false',
      autocomplete: 'off',
    });
    replace(
      realmBox,
      h('label', { for: 'f-realm', class: 'field-label', text: 'New realm' }),
      realmInput,
      h('p', { class: 'field-error', id: 'err-realm', role: 'alert' }),
      h('p', { class: 'field-error', id: 'err-realm-confirmation', role: 'alert' }),
      h('p', { class: 'field-hint', id: 'hint-realm' }),
      suffix
        ? h(
            'div',
            { class: 'rename-label' },
            h('label', { for: 'f-realm-label', class: 'field-label', text: 'Or rename the first label' }),
            h('div', { class: 'inline' }, labelInput, h('span', { class: 'mono muted', text: `.${suffix}` })),
          )
        : null,
    );
    liveCheck(panel, id, 'realm', realmInput, {
      onDisplay: (r) =>
        setHint(panel, 'realm', r.ok && r.display !== realmInput.value ? `Will be saved as ${r.display}` : ''),
    });
    liveCheck(panel, id, 'realm_label', labelInput, {
      onDisplay: (r) => {
        if (r.ok && r.display) {
          realmInput.value = r.display;
          onChange();
        }
      },
    });
    realmInput.addEventListener('input', onChange);
    realmInput.focus();
  };
  function unlockRealm() {
    const current = initial.realm;
    const confirmInput = h('input', {
      id: 'realm-confirm',
      class: 'mono',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'realm-confirm-help',
    });
    const unlockButton = {
      label: 'Unlock the realm',
      primary: true,
      id: 'realm-confirm-button',
      onClick: () => {
        if (confirmInput.value.trim().toLowerCase() !== current.trim().toLowerCase()) {
          document.getElementById('realm-confirm-error').textContent =
            'That is not the current realm. Type it exactly as shown.';
          confirmInput.setAttribute('aria-invalid', 'true');
          return;
        }
        state.realmUnlocked = true;
        state.realmConfirmation = confirmInput.value;
        close(true);
        showRealm();
      },
    };
    openDialog({
      title: 'Change the account realm?',
      body: [
        h('p', {
          text: 'Devices, SIP trunks and provisioning register against the realm. Changing it disconnects every device until it is re-provisioned with the new realm, and can interrupt calls for this account.',
        }),
        h('p', {
          text: 'It is best defined once, when the account is created, and left alone — especially on a white-labelled platform.',
        }),
        h('label', { for: 'realm-confirm', class: 'field-label', text: 'Type the current realm to confirm' }),
        h('p', { class: 'mono', id: 'realm-confirm-help', text: current }),
        confirmInput,
        h('p', { class: 'field-error', id: 'realm-confirm-error', role: 'alert' }),
      ],
      actions: [{ label: 'Keep the realm', onClick: () => close(false) }, unlockButton],
    });
    confirmInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') unlockButton.onClick();
    });
  }
  showRealm();

  // --- technical contact ---
  const contact = [
    input('contact.technical.name', 'Name', initial.tech_name),
    input('contact.technical.email', 'E-mail', initial.tech_email, { type: 'email' }),
    input('contact.technical.number', 'Phone', initial.tech_number, { type: 'tel' }),
  ];
  const [techName, techEmail, techNumber] = contact.map((c) => c.querySelector('input'));
  if (view.technical_contact.number && !view.technical_contact.number.problem) {
    setTimeout(
      () => setHint(panel, 'contact.technical.number', `Shown as ${view.technical_contact.number.display}`),
      0,
    );
  }

  // --- time zone ---
  const tzValue = h('div', { class: 'tz-value', id: 'tz-value' });
  const showZone = (zone, clock) => {
    const inherited = !zone || zone === 'inherit';
    replace(
      tzValue,
      h('span', {
        class: inherited ? '' : 'mono',
        id: 'tz-current',
        text: inherited ? 'The parent account’s zone, copied when saved' : zone,
      }),
      inherited && view.timezone.effective
        ? h('span', { class: 'muted', text: ` (now ${view.timezone.effective})` })
        : null,
      inherited
        ? h('div', {
            class: 'sub',
            id: 'tz-inherit-note',
            text: 'The platform never stores “inherit”: saving writes the parent’s current zone into this account, and later changes to the parent do not follow.',
          })
        : null,
      clock ? h('div', { class: 'sub', dataset: { clock: clock.zone }, text: clockText(clock) }) : null,
    );
  };
  showZone(view.timezone.inherited ? '' : view.timezone.zone, view.timezone.clock);
  const tzPicker = picker({
    id: 'f-timezone',
    label: 'Search time zones',
    placeholder: 'Search zones: Paris, New_York, UTC…',
    search: async (q) => {
      const zones = await call('list_zones', { query: q });
      const inherit = {
        value: 'inherit',
        label: 'Copy the parent account’s zone now',
        meta: view.timezone.effective || '',
      };
      return [
        inherit,
        ...zones.map((z) => ({ value: z.zone, label: z.zone, meta: `${utcOffset(z.offset)} · ${z.time}`, clock: z })),
      ];
    },
    onPick: (it) => {
      state.timezone = it.value;
      showZone(it.value === 'inherit' ? '' : it.value, it.clock);
      setError(panel, 'timezone', '');
      onChange();
    },
  });

  // --- numbers format ---
  const chips = h('div', { class: 'tags', id: 'exception-chips', 'aria-label': 'Countries shown in national format' });
  const previewList = h('ul', {
    class: 'preview',
    id: 'format-preview',
    'aria-label': 'Sample numbers in this format',
    'aria-live': 'polite',
  });
  const formatWarning = h('p', { class: 'note note-warning', id: 'format-warning', role: 'note', hidden: true });
  const exceptionPicker = picker({
    id: 'f-exception',
    label: 'Add a country shown in national format',
    placeholder: 'Add a country…',
    search: async (q) => {
      const all = await countryList();
      const needle = q.trim().toLowerCase();
      return all
        .filter(
          (c) =>
            !state.exceptions.includes(c.code) &&
            (c.name.toLowerCase().includes(needle) || c.code.toLowerCase() === needle),
        )
        .map((c) => ({ value: c.code, label: c.name, meta: c.code }));
    },
    onPick: (it) => {
      state.exceptions = [...state.exceptions, it.value].sort();
      refreshFormat();
      onChange();
    },
  });
  const exceptionBox = h(
    'div',
    { class: 'exceptions', id: 'exception-box' },
    chips,
    exceptionPicker,
    h('p', { class: 'field-error', id: 'err-ui-flags-numbers-format-exceptions', role: 'alert' }),
  );
  const radios = FORMATS.map(([value, label, help]) =>
    h(
      'label',
      { class: 'radio' },
      h('input', {
        type: 'radio',
        name: 'numbers-format',
        value,
        checked: state.mode === value,
        onchange: () => {
          state.mode = value;
          refreshFormat();
          onChange();
        },
      }),
      h('span', {}, h('span', { text: label }), h('span', { class: 'radio-help', text: help })),
    ),
  );
  async function refreshFormat() {
    exceptionBox.hidden = state.mode !== 'international_with_exceptions';
    replace(
      chips,
      state.exceptions.map((code) =>
        h(
          'span',
          { class: 'tag tag-removable' },
          h('span', { text: code }),
          h('button', {
            type: 'button',
            class: 'tag-remove',
            'aria-label': `Remove ${code}`,
            text: '×',
            onclick: () => {
              state.exceptions = state.exceptions.filter((c) => c !== code);
              refreshFormat();
              onChange();
            },
          }),
        ),
      ),
    );
    try {
      const p = await call('preview_numbers', { id, mode: state.mode, exceptions: state.exceptions });
      setError(panel, 'ui_flags.numbers_format_exceptions', '');
      replace(
        previewList,
        p.preview.map((n) => h('li', {}, phone(n))),
      );
      formatWarning.hidden = !p.warning;
      formatWarning.textContent = p.warning || '';
    } catch (err) {
      const f = (err.fields && err.fields[0]) || { field: 'ui_flags.numbers_format_exceptions', message: err.message };
      setError(panel, f.field, f.message);
    }
  }
  refreshFormat();

  // --- privacy ---
  const privacyOptions =
    PRIVACY.some(([v]) => v === initial.privacy) || !initial.privacy
      ? PRIVACY
      : [[initial.privacy, `Stored value: ${initial.privacy}`], ...PRIVACY];
  const privacySelect = h(
    'select',
    {
      id: 'f-caller-id-options-outbound-privacy',
      'aria-describedby': 'privacy-warning err-caller-id-options-outbound-privacy',
    },
    privacyOptions.map(([v, l]) => h('option', { value: v, text: l, selected: v === (initial.privacy || 'default') })),
  );
  const privacyWarning = h('p', {
    class: 'note note-warning',
    id: 'privacy-warning',
    role: 'note',
    text: PRIVACY_WARNING,
    hidden: privacySelect.value !== 'full',
  });
  privacySelect.addEventListener('change', () => {
    privacyWarning.hidden = privacySelect.value !== 'full';
    onChange();
  });

  for (const inp of [nameInput, techName, techEmail, techNumber]) inp.addEventListener('input', onChange);
  liveCheck(panel, id, 'name', nameInput, { onDisplay: () => {} });
  liveCheck(panel, id, 'contact.technical.email', techEmail, { onDisplay: () => {} });
  liveCheck(panel, id, 'contact.technical.number', techNumber, {
    onDisplay: (r) => setHint(panel, 'contact.technical.number', r.ok && r.display ? `Will show as ${r.display}` : ''),
  });

  const label = (text, paths) => [text, pendingTag(pend, paths)];
  replace(
    panel,
    pend && pend.state === 'failed'
      ? h(
          'div',
          { class: 'banner banner-error', role: 'alert', id: 'refused-banner' },
          h('p', { text: `The server refused the last change: ${pend.message || ''}` }),
          h('p', {
            class: 'muted',
            text: 'Fix the highlighted fields and save again, or discard the change from the pending list.',
          }),
        )
      : null,
    card(
      'Account',
      row('name', label('Account name', ['name']), HELP.name, nameField, problem(view.name.problem)),
      row(
        'id',
        'Account ID',
        HELP.id,
        h(
          'span',
          { class: 'id-value' },
          h('code', { class: 'mono', text: view.id }),
          h('button', {
            type: 'button',
            class: 'btn btn-small',
            text: 'Copy',
            'aria-label': 'Copy account ID',
            onclick: () => copy(view.id),
          }),
        ),
      ),
      row('realm', label('Account realm', ['realm']), HELP.realm, realmBox, problem(view.realm.problem)),
      row(
        'contact.technical',
        label('Technical contact', ['contact.technical.name', 'contact.technical.email', 'contact.technical.number']),
        HELP.contact,
        h('div', { class: 'field-grid' }, contact),
        problem(view.technical_contact.email.problem),
        problem(view.technical_contact.number && view.technical_contact.number.problem),
      ),
    ),
    card(
      'Regional and display',
      row(
        'timezone',
        label('Timezone', ['timezone']),
        HELP.timezone,
        h('div', {}, tzValue, tzPicker, h('p', { class: 'field-error', id: 'err-timezone', role: 'alert' })),
        problem(view.timezone.problem),
      ),
      row(
        'ui_flags.numbers_format',
        label('Phone numbers format', ['ui_flags.numbers_format', 'ui_flags.numbers_format_exceptions']),
        HELP.format,
        h(
          'div',
          { role: 'radiogroup', 'aria-label': 'Phone numbers format' },
          radios,
          exceptionBox,
          h('p', { class: 'field-error', id: 'err-ui-flags-numbers-format', role: 'alert' }),
          previewList,
        ),
        formatWarning,
        problem(view.numbers_format.problem),
      ),
      row(
        'caller_id_options.outbound_privacy',
        label('Caller-ID privacy', ['caller_id_options.outbound_privacy']),
        HELP.privacy,
        h(
          'div',
          {},
          h('label', { for: privacySelect.id, class: 'visually-hidden', text: 'Caller-ID privacy' }),
          privacySelect,
          h('p', { class: 'field-error', id: 'err-caller-id-options-outbound-privacy', role: 'alert' }),
        ),
        privacyWarning,
        problem(view.privacy.problem),
      ),
    ),
    freshness(view.freshness),
  );
  if (pend && pend.field_errors.length) {
    for (const [f, m] of pend.field_errors) setError(panel, f, m);
  }

  const collect = () => ({
    name: nameInput.value,
    realm: state.realmUnlocked ? realmInput.value : initial.realm,
    realm_confirmation: state.realmConfirmation,
    timezone: state.timezone,
    numbers_format: state.mode,
    numbers_format_exceptions:
      state.mode === initial.numbers_format || state.mode === 'international_with_exceptions' ? state.exceptions : [],
    privacy: privacySelect.value === 'default' && !initial.privacy ? '' : privacySelect.value,
    tech_name: techName.value,
    tech_email: techEmail.value,
    tech_number: techNumber.value,
  });

  const dirtyCount = () => {
    const f = collect();
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    return [
      f.name !== initial.name,
      f.realm.trim() !== initial.realm,
      f.timezone !== initial.timezone,
      f.numbers_format !== (initial.numbers_format || 'international') ||
        !same(f.numbers_format_exceptions, initial.numbers_format_exceptions),
      f.privacy !== initial.privacy,
      f.tech_name !== initial.tech_name,
      f.tech_email !== initial.tech_email,
      f.tech_number !== initial.tech_number,
    ].filter(Boolean).length;
  };

  return {
    collect: () => {
      const f = collect();
      // An untouched format is sent back as stored, so it is not seen as a change.
      if (f.numbers_format === 'international' && !initial.numbers_format) f.numbers_format = '';
      return f;
    },
    dirtyCount,
    // An unlocked realm is work in progress even before anything is typed.
    engaged: () => Boolean(state.realmUnlocked),
    fieldIds: (field) => `f-${slug(field)}`,
  };
}
