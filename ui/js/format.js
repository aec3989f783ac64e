// Display helpers for times: relative text with the absolute time in a tooltip.

const absolute = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function absoluteTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : absolute.format(d);
}

export function clockTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : shortTime.format(d);
}

// The app's clock runs this far from the computer's (a debug build started with --clock): the
// window's "5 min ago" counts from the same now as the engine.
let offsetMs = 0;
export function setClockOffset(ms) {
  offsetMs = Number(ms) || 0;
}
function now() {
  return Date.now() + offsetMs;
}

export function relativeTime(iso, at = now()) {
  const d = new Date(iso).getTime();
  if (Number.isNaN(d)) return '';
  const s = Math.round((at - d) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return absoluteTime(iso);
}

/** "UTC+05:30" from "+05:30". */
export function utcOffset(offset) {
  return offset === '+00:00' ? 'UTC' : `UTC${offset}`;
}

const moneyFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An amount the core sent as a decimal string, shown with two decimals (display only). */
export function money(decimal) {
  if (decimal === null || decimal === undefined || decimal === '') return '—';
  return moneyFormat.format(Number(decimal));
}
