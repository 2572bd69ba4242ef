import type { LiveTotals, SalesPace, Showtime, Theater, TheaterMovieSales } from '../api/types';

export const theaters: Theater[] = [
  { theater_id: 1, name: 'AMC Century City', city: 'Los Angeles', time_zone: 'America/Los_Angeles', screens: 15, seats: 2737 },
  { theater_id: 2, name: 'Regal LA Live', city: 'Los Angeles', time_zone: 'America/Los_Angeles', screens: 14, seats: 2594 },
  { theater_id: 3, name: 'Cinemark Playa Vista', city: 'Los Angeles', time_zone: 'America/Los_Angeles', screens: 12, seats: 2200 },
  { theater_id: 4, name: 'AMC Lincoln Square', city: 'New York', time_zone: 'America/New_York', screens: 13, seats: 2400 },
];

export function liveTotals(overrides: Partial<LiveTotals> = {}): LiveTotals {
  return {
    as_of: new Date().toISOString(),
    date: '2025-03-11',
    revenue: 1234.5,
    tickets_sold: 98,
    sales_count: 40,
    average_ticket_price: 12.6,
    sales_per_minute: 7.5,
    top_theaters: [
      { rank: 1, theater_id: 2, name: 'Regal LA Live', revenue: 700.25, tickets_sold: 55 },
      { rank: 2, theater_id: 1, name: 'AMC Century City', revenue: 534.25, tickets_sold: 43 },
    ],
    top_movies: [{ rank: 1, movie_id: 3, title: 'Titanic', revenue: 1234.5, tickets_sold: 98 }],
    ...overrides,
  };
}

export const pace: SalesPace = {
  as_of: '2025-03-11T18:00:00Z',
  date: '2025-03-11',
  last_week_date: '2025-03-04',
  time_zone: 'America/New_York',
  today: { revenue: 500, tickets_sold: 40 },
  last_week: { revenue: 400, tickets_sold: 32 },
  ratio: 1.25,
  series: [
    { time: '06:00', today: 100, last_week: 80 },
    { time: '06:15', today: 500, last_week: 400 },
    { time: '06:30', today: null, last_week: 450 },
  ],
};

export const showtimes: Showtime[] = [
  {
    showtime_id: 11,
    movie_id: 3,
    title: 'Titanic',
    screen: 'Screen 1',
    format: 'IMAX',
    starts_at: '2025-03-12T02:30:00Z',
    capacity: 200,
    tickets_sold: 150,
    occupancy: 0.75,
  },
  {
    showtime_id: 10,
    movie_id: 1,
    title: 'The Matrix',
    screen: 'Screen 2',
    format: 'Standard',
    starts_at: '2025-03-11T19:00:00Z',
    capacity: 100,
    tickets_sold: 100,
    occupancy: 1,
  },
];

export const theaterMovies: TheaterMovieSales[] = [
  { movie_id: 3, title: 'Titanic', sale_date: '2025-03-11', tickets_sold: 10, revenue: 125.5 },
  { movie_id: 1, title: 'The Matrix', sale_date: '2025-03-11', tickets_sold: 4, revenue: 50 },
  { movie_id: 3, title: 'Titanic', sale_date: '2025-03-10', tickets_sold: 8, revenue: 100 },
];
