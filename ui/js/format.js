// Display helpers: times (relative text with the absolute time in a tooltip) and the text of an
// amount, which the core formats.

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

/** An amount's text as the core wrote it (`{value, text}`); a dash when there is none. */
export function money(amount) {
  return amount ? amount.text : '—';
}

/** Whether an amount from the core is below zero (false when there is none). */
export function negative(amount) {
  return Boolean(amount) && Number(amount.value) < 0;
}

/** A date and time in `zone` (with its abbreviation), or in this computer's zone without one. */
export function zonedTime(iso, zone) {
  const opts = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    const f = new Intl.DateTimeFormat(undefined, zone ? { ...opts, timeZone: zone, timeZoneName: 'short' } : opts);
    return f.format(new Date(iso));
  } catch {
    return absoluteTime(iso);
  }
}
