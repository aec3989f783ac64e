// The choices of an account's regional settings, shared by Account Info and the new-account
// wizard. What each value means and whether it is valid is the core's to say.

export const PRIVACY = [
  ['default', 'Default (platform setting)'],
  ['none', 'Hide nothing'],
  ['name', 'Hide name'],
  ['number', 'Hide number'],
  ['full', 'Hide name and number'],
];
export const PRIVACY_WARNING =
  'Calls that hide both name and number may be rejected by the receiving PBX or by call-screening software.';
export const FORMATS = [
  ['international', 'International', 'Every number with its country code: +1 415-555-2671.'],
  ['national', 'National', 'Every number in its own country’s national form: (415) 555-2671.'],
  [
    'international_with_exceptions',
    'International, national for some countries',
    'Numbers of the countries you pick are shown nationally, all others internationally.',
  ],
];
