import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PacePoint } from '../api/types';
import { RevenuePaceChart } from './RevenuePaceChart';

/** The buckets of a business day from 06:00 local time: `hours` long, with local times as the API labels them. */
function businessDay(hours: number, label: (index: number) => string, todayBuckets: number): PacePoint[] {
  return Array.from({ length: hours * 4 }, (_, index) => ({
    time: label(index),
    today: index < todayBuckets ? (index + 1) * 10 : null,
    last_week: (index + 1) * 8,
  }));
}

const clock = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

describe('revenue pace chart', () => {
  it('names the chain time zone and marks the hours of the business day from its cutoff', () => {
    const series = businessDay(24, (index) => clock(6 * 60 + index * 15), 8);
    render(<RevenuePaceChart series={series} timeZone="America/New_York" />);

    expect(screen.getByTestId('pace-zone')).toHaveTextContent('Times in Eastern Time (America/New_York)');
    const hours = screen.getAllByTestId('pace-hour').map((mark) => mark.textContent);
    expect(hours).toEqual(['06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00', '03:00']);
    expect(screen.getByRole('img', { name: /times in Eastern Time \(America\/New_York\)/ })).toBeInTheDocument();
    expect(within(screen.getByTestId('pace-chart')).getByText(/Today \$80\.00 by 07:45 Eastern Time/)).toBeInTheDocument();
  });

  it('draws a 23-hour day without the hour the clocks skipped', () => {
    // Business date 2026-03-07 in New York: 06:00 EST to 06:00 EDT; after 01:45 comes 03:00.
    const series = businessDay(23, (index) => clock(6 * 60 + index * 15 + (index >= 80 ? 60 : 0)), 92);
    render(<RevenuePaceChart series={series} timeZone="America/New_York" />);

    expect(screen.getByTestId('pace-zone')).toHaveTextContent('Times in Eastern Time (America/New_York)');
    const hours = screen.getAllByTestId('pace-hour').map((mark) => mark.textContent);
    expect(hours).toContain('03:00');
    expect(hours).not.toContain('02:00');
    expect(within(screen.getByTestId('pace-chart')).getByText(/Today \$920\.00 by 05:45/)).toBeInTheDocument();
  });
});
