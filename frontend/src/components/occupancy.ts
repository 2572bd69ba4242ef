/** Bands of a showtime's occupancy (0..1), for the bar's color. */
export function occupancyLevel(occupancy: number): 'low' | 'medium' | 'high' | 'full' {
  if (occupancy >= 1) return 'full';
  if (occupancy >= 0.8) return 'high';
  if (occupancy >= 0.4) return 'medium';
  return 'low';
}
