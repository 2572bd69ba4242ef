import type { components } from '../api/schema';

/**
 * `GET /business-day`: what "today", "this week" and "same time last week" mean for the chain now (generated from the
 * OpenAPI document). `time_zone` is the chain's home zone (IANA id), in whose local time charts are drawn; `cutoff` is
 * the `HH:mm` at which a business day begins.
 */
export type BusinessDayNow = components['schemas']['BusinessDayNow'];
