// The REST contract both backends serve, each type under its schema's name, which is the C# record's
// (one name per thing in C#, JSON schema and TypeScript). Every type here is the generated schema's
// (schema.d.ts, from the OpenAPI document in openapi.json; `npm run api:types`), never a copy: a contract
// change that the dashboard does not follow fails `npm run typecheck`.
import type { components, paths } from './schema';

type Schemas = components['schemas'];

/** An ISO business date, `YYYY-MM-DD` (the document's `format: date`). */
export type IsoDate = string;

export type Theater = Schemas['Theater'];
export type TheaterMovieSales = Schemas['TheaterMovieSales'];
/** `occupancy` is tickets_sold / capacity, 0..1. */
export type Showtime = Schemas['Showtime'];
export type TopTheater = Schemas['TopTheater'];
export type Movie = Schemas['Movie'];
export type DailySales = Schemas['DailySales'];
export type TheaterRank = Schemas['TheaterRank'];
export type MovieRank = Schemas['MovieRank'];
export type ChannelSales = Schemas['ChannelSales'];
export type SalesSummary = Schemas['SalesSummary'];
export type RevenueAndTickets = Schemas['RevenueAndTickets'];
/** `time` is `HH:mm`, the start of a 15-minute bucket; `today` is null for buckets not yet begun. */
export type PacePoint = Schemas['PacePoint'];
/** `ratio` is today.revenue / last_week.revenue, null when last week had nothing. */
export type SalesPace = Schemas['SalesPace'];
/** The `totals` event of `GET /live`. */
export type LiveTotals = Schemas['LiveTotals'];
/** A ticket for one `GET /live` (EventSource cannot send a bearer token): single use, short-lived. */
export type LiveTicket = Schemas['LiveTicket'];
/** RFC 7807 problem details; the APIs may send any member as null. */
export type ProblemDetails = Schemas['ProblemDetails'];

/** A route of the contract that answers GET. */
export type GetRoute = { [P in keyof paths]: paths[P] extends { get: object } ? P : never }[keyof paths];

type GetOperation<P extends GetRoute> = paths[P] extends { get: infer O } ? O : never;

/** The JSON a GET route answers with 200, e.g. `Ok<'/theaters/{id}'>` is `Theater`. */
export type Ok<P extends GetRoute> =
  GetOperation<P> extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T : never;

/** A GET route's path parameters (`{ id: number }` for `/theaters/{id}`), or none. */
export type PathParameters<P extends GetRoute> = GetOperation<P> extends { parameters: { path: infer T } } ? T : Record<string, never>;

/** A GET route's query parameters, or none. */
export type QueryParameters<P extends GetRoute> =
  GetOperation<P> extends { parameters: { query?: infer T } } ? ([T] extends [never] ? Record<string, never> : T) : Record<string, never>;

/** What a GET route takes: its path parameters (required when it has any) and its query. */
export type RouteParameters<P extends GetRoute> = (PathParameters<P> extends Record<string, never>
  ? { path?: never }
  : { path: PathParameters<P> }) & { query?: QueryParameters<P> };
