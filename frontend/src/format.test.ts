import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatAge,
  formatLongDate,
  formatTimeInZone,
  formatUsd,
  isIsoDate,
  todayInTimeZone,
  businessDateInTimeZone,
} from './format';

describe('format', () => {
  it('formats money as USD', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0)).toBe('$0.00');
  });

  it('reads business dates without shifting them', () => {
    expect(formatLongDate('2025-03-11')).toBe('Tuesday, March 11, 2025');
    expect(isIsoDate('2025-02-30')).toBe(false);
    expect(isIsoDate('11/03/2025')).toBe(false);
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('shows times and dates in a theater time zone', () => {
    expect(formatTimeInZone('2025-03-12T02:30:00Z', 'America/Los_Angeles')).toBe('7:30 PM');
    expect(todayInTimeZone('America/Los_Angeles', new Date('2025-03-12T02:30:00Z'))).toBe('2025-03-11');
  });

  it('turns a theater business date over at the cutoff, not at midnight', () => {
    // 05:59 and 06:00 EDT in New York; 00:30 on Saturday in Los Angeles is still Friday.
    expect(businessDateInTimeZone('America/New_York', '06:00', new Date('2026-06-12T09:59:00Z'))).toBe('2026-06-11');
    expect(businessDateInTimeZone('America/New_York', '06:00', new Date('2026-06-12T10:00:00Z'))).toBe('2026-06-12');
    expect(businessDateInTimeZone('America/Los_Angeles', '06:00', new Date('2026-06-13T07:30:00Z'))).toBe('2026-06-12');
    // The morning after the clocks sprang forward: 06:30 EDT is already the new date.
    expect(businessDateInTimeZone('America/New_York', '06:00', new Date('2026-03-08T10:30:00Z'))).toBe('2026-03-08');
  });

  it('tells ages as a person reads them', () => {
    expect(formatAge(0.5)).toBe('just now');
    expect(formatAge(12.7)).toBe('12 s ago');
    expect(formatAge(150)).toBe('2 min ago');
    expect(formatAge(7300)).toBe('2 h ago');
  });
});
