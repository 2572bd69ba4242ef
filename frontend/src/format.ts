// Formatting for an en-US operator: money in USD, aligned integers, business dates.

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const usdCompactFormat = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });
const signedPercentFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

export const formatUsd = (value: number): string => usdFormat.format(value);
export const formatUsdCompact = (value: number): string => usdCompactFormat.format(value);
export const formatInteger = (value: number): string => integerFormat.format(value);
export const formatDecimal = (value: number): string => decimalFormat.format(value);
export const formatPercent = (value: number): string => percentFormat.format(value);
export const formatSignedPercent = (value: number): string => signedPercentFormat.format(value);

/** Parses `YYYY-MM-DD` as a calendar date (no time zone shift). */
export function parseIsoDate(date: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [, y, m, d] = match;
  const value = new Date(Number(y), Number(m) - 1, Number(d));
  return Number.isNaN(value.getTime()) || value.getDate() !== Number(d) ? undefined : value;
}

export function isIsoDate(date: string): boolean {
  return parseIsoDate(date) !== undefined;
}

const longDateFormat = new Intl.DateTimeFormat('en-US', {
  weekday: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
});
const shortDateFormat = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric' });
const axisDateFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' });

/** "Tuesday, March 11, 2025" */
export function formatLongDate(date: string): string {
  const value = parseIsoDate(date);
  return value ? longDateFormat.format(value) : date;
}

/** "Tue, Mar 11" */
export function formatShortDate(date: string): string {
  const value = parseIsoDate(date);
  return value ? shortDateFormat.format(value) : date;
}

/** "Mar 11" */
export function formatAxisDate(date: string): string {
  const value = parseIsoDate(date);
  return value ? axisDateFormat.format(value) : date;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** The browser's local calendar date as `YYYY-MM-DD`. */
export function toIsoDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function todayIso(now: Date = new Date()): string {
  return toIsoDate(now);
}

/** Today's date in an IANA time zone (a theater's business date), `YYYY-MM-DD`. */
export function todayInTimeZone(timeZone: string, now: Date = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return todayIso(now);
  }
}

/**
 * A theater's business date now: the date of (local time − cutoff) in its time zone, as `GET /business-day`
 * defines it (a 00:30 screening belongs to the evening before with the default 06:00 cutoff).
 */
export function businessDateInTimeZone(timeZone: string, cutoff = '06:00', now: Date = new Date()): string {
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(now)
        .map((part) => [part.type, Number(part.value)]),
    ) as Record<string, number>;
    const [hours = 6, minutes = 0] = cutoff.split(':').map(Number);
    const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    const shifted = new Date(local - (hours * 60 + minutes) * 60_000);
    return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
  } catch {
    return todayInTimeZone(timeZone, now);
  }
}

export function addDays(date: string, days: number): string {
  const value = parseIsoDate(date) ?? new Date();
  value.setDate(value.getDate() + days);
  return toIsoDate(value);
}

/** "7:30 PM" in the given time zone. */
export function formatTimeInZone(instant: string, timeZone: string): string {
  const value = new Date(instant);
  if (Number.isNaN(value.getTime())) return instant;
  try {
    return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone }).format(value);
  } catch {
    return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit' }).format(value);
  }
}

/** Short time-zone name, e.g. "PDT". */
export function timeZoneAbbreviation(timeZone: string, now: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

/** A duration as a person reads it: "12 s", "3 min", "2 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** Age as a person reads it: "just now", "12 s ago", "3 min ago", "2 h ago". */
export function formatAge(seconds: number): string {
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}
