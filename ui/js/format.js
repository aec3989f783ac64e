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

export function relativeTime(iso, now = Date.now()) {
  const d = new Date(iso).getTime();
  if (Number.isNaN(d)) return '';
  const s = Math.round((now - d) / 1000);
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
