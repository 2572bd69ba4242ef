/**
 * A time zone as people say it, with its id: "Eastern Time (America/New_York)". The generic name comes from the
 * browser's Intl data; without it, the id alone.
 */
export function zoneLabel(timeZone: string): string {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longGeneric' })
      .formatToParts(new Date())
      .find((part) => part.type === 'timeZoneName')?.value;
    return name && name !== timeZone ? `${name} (${timeZone})` : timeZone;
  } catch {
    return timeZone;
  }
}
