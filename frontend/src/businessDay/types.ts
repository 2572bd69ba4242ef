import type { IsoDate } from '../api/types';

/** `GET /business-day`: what "today", "this week" and "same time last week" mean for the chain now. */
export interface BusinessDayNow {
  now: string;
  /** The chain's home time zone (IANA id); charts are drawn in its local time. */
  time_zone: string;
  /** `HH:mm`, local time at which a business day begins. */
  cutoff: string;
  today: IsoDate;
  day_start: string;
  day_end: string;
  this_week: { from: IsoDate; to: IsoDate; dates: IsoDate[] };
  same_time_last_week: string;
}
