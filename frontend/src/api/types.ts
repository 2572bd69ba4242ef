// The REST contract both backends serve (docs/api.md). Field names are the JSON's, snake_case.

/** An ISO business date, `YYYY-MM-DD`. */
export type IsoDate = string;

export interface Theater {
  theater_id: number;
  name: string;
  city: string;
  time_zone: string;
  screens: number;
  seats: number;
}

export interface TheaterMovieSales {
  movie_id: number;
  title: string;
  sale_date: IsoDate;
  tickets_sold: number;
  revenue: number;
}

export interface Showtime {
  showtime_id: number;
  movie_id: number;
  title: string;
  screen: string;
  format: string;
  /** ISO 8601 instant. */
  starts_at: string;
  capacity: number;
  tickets_sold: number;
  /** tickets_sold / capacity, 0..1. */
  occupancy: number;
}

export interface TopTheater {
  sale_date: IsoDate;
  theater_id: number;
  name: string;
  revenue: number;
  tickets_sold: number;
}

export interface Movie {
  movie_id: number;
  title: string;
  genre: string;
  rating: string;
  runtime_minutes: number;
  release_date: IsoDate;
}

export interface DailySales {
  sale_date: IsoDate;
  tickets_sold: number;
  revenue: number;
}

export interface TheaterLeaderboardRow {
  rank: number;
  theater_id: number;
  name: string;
  revenue: number;
  tickets_sold: number;
}

export interface MovieLeaderboardRow {
  rank: number;
  movie_id: number;
  title: string;
  revenue: number;
  tickets_sold: number;
}

export interface ChannelSales {
  channel: string;
  revenue: number;
  tickets_sold: number;
}

export interface SalesSummary {
  from: IsoDate;
  to: IsoDate;
  revenue: number;
  tickets_sold: number;
  sales_count: number;
  average_ticket_price: number;
  channels: ChannelSales[];
}

export interface RevenueAndTickets {
  revenue: number;
  tickets_sold: number;
}

export interface PacePoint {
  /** `HH:mm`, the chain's local time (`Pace.time_zone`), start of a 15-minute bucket of the business day. */
  time: string;
  /** Cumulative revenue today up to the end of this bucket. */
  today: number | null;
  /** Cumulative revenue the same weekday last week. */
  last_week: number | null;
}

export interface Pace {
  as_of: string;
  /** Today's business date, the chain's (the same date as the live totals'). */
  date: IsoDate;
  /** The business date a week earlier. */
  last_week_date: IsoDate;
  /** The chain's home time zone (IANA id): `series` times are local to it. */
  time_zone: string;
  today: RevenueAndTickets;
  last_week: RevenueAndTickets;
  /** today.revenue / last_week.revenue (null when last week had nothing). */
  ratio: number | null;
  series: PacePoint[];
}

/** The `totals` event of `GET /live`. */
export interface LiveTotals {
  as_of: string;
  date: IsoDate;
  revenue: number;
  tickets_sold: number;
  sales_count: number;
  average_ticket_price: number;
  sales_per_minute: number;
  top_theaters: TheaterLeaderboardRow[];
  top_movies: MovieLeaderboardRow[];
}

/** RFC 7807 problem details. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
}
