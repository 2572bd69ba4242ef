// FAKE ReelMetrics API — for testing the frontend only. NOT the real backend.
//
// A tiny HTTP server that answers the REST contract of docs/api.md with canned, deterministic
// data, and "sells" a few tickets every second so that GET /live (Server-Sent Events) moves.
// It exists so the e2e tests and screenshots can be proven against `vite preview` while the real
// APIs are being built. Run alone: `node e2e/fake-api.mjs --port 18001 --name dapper`.

import { randomBytes } from 'node:crypto';
import { createDeadLetters } from './fake-dead-letters.mjs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { API_AUDIENCE, jwtPayload } from './fake-identity.mjs';

const THEATERS = [
  [1, 'AMC Century City', 'Los Angeles', 'America/Los_Angeles', 15],
  [2, 'Regal LA Live', 'Los Angeles', 'America/Los_Angeles', 14],
  [3, 'Cinemark Playa Vista', 'Los Angeles', 'America/Los_Angeles', 12],
  [4, 'AMC Lincoln Square', 'New York', 'America/New_York', 13],
  [5, 'Regal Union Square', 'New York', 'America/New_York', 14],
  [6, 'Alamo Drafthouse Brooklyn', 'New York', 'America/New_York', 7],
  [7, 'AMC River East', 'Chicago', 'America/Chicago', 21],
  [8, 'Regal City North', 'Chicago', 'America/Chicago', 14],
  [9, 'Cinemark Tinseltown Houston', 'Houston', 'America/Chicago', 16],
  [10, 'AMC Dine-In Houston', 'Houston', 'America/Chicago', 10],
  [11, 'Harkins Tempe Marketplace', 'Phoenix', 'America/Phoenix', 16],
  [12, 'AMC Philadelphia Riverview', 'Philadelphia', 'America/New_York', 17],
].map(([theater_id, name, city, time_zone, screens]) => ({
  theater_id,
  name,
  city,
  time_zone,
  screens,
  seats: screens * 180 + (theater_id % 5) * 37,
}));

const MOVIES = [
  [1, 'The Matrix', 'Sci-Fi', 'R', 136, '1999-03-31', 1.4],
  [2, 'Jurassic Park', 'Adventure', 'PG-13', 127, '1993-06-11', 1.5],
  [3, 'Titanic', 'Drama', 'PG-13', 194, '1997-12-19', 1.6],
  [4, 'The Lion King', 'Animation', 'G', 88, '1994-06-24', 1.5],
  [5, 'Pulp Fiction', 'Crime', 'R', 154, '1994-10-14', 1.1],
  [6, 'Forrest Gump', 'Drama', 'PG-13', 142, '1994-07-06', 1.2],
  [8, 'Star Wars', 'Sci-Fi', 'PG', 121, '1977-05-25', 1.7],
  [10, 'Inception', 'Sci-Fi', 'PG-13', 148, '2010-07-16', 1.3],
  [11, 'The Dark Knight', 'Action', 'PG-13', 152, '2008-07-18', 1.6],
  [26, 'Dune', 'Sci-Fi', 'PG-13', 155, '2021-10-22', 1.5],
].map(([movie_id, title, genre, rating, runtime_minutes, release_date, popularity]) => ({
  movie_id,
  title,
  genre,
  rating,
  runtime_minutes,
  release_date,
  popularity,
}));

const FORMATS = ['Standard', 'Standard', 'IMAX', 'Dolby Cinema', '3D', 'Standard'];
const CHANNELS = ['web', 'app', 'box_office', 'kiosk'];
/** Days of history the fake holds (today included); other dates have no sales (404 on /top-theater). */
const HISTORY_DAYS = 35;

// ---------- deterministic numbers ----------
function hash(...parts) {
  let h = 2166136261;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}
const round2 = (value) => Math.round(value * 100) / 100;

// ---------- dates ----------
const pad = (n) => String(n).padStart(2, '0');
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
function addDays(iso, days) {
  const [y, m, d] = iso.split('-').map(Number);
  return isoDate(new Date(y, m - 1, d + days));
}
function isIsoDate(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number);
  const value = new Date(y, m - 1, d);
  return value.getFullYear() === y && value.getMonth() === m - 1 && value.getDate() === d;
}
/** Offset (ms) of a time zone from UTC at an instant. */
function zoneOffset(instant, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - instant.getTime();
}
function zonedTime(date, hour, minute, timeZone) {
  const [y, m, d] = date.split('-').map(Number);
  const guess = new Date(Date.UTC(y, m - 1, d, hour, minute));
  return new Date(guess.getTime() - zoneOffset(guess, timeZone));
}

// ---------- the chain's business day (as the real APIs: New York, 06:00 cutoff) ----------
const CHAIN_TIME_ZONE = 'America/New_York';
const CUTOFF_HOUR = 6;
/** The business date of an instant: the New York date of (local time − 06:00). */
function businessDate(instant) {
  const local = new Date(instant.getTime() + zoneOffset(instant, CHAIN_TIME_ZONE) - CUTOFF_HOUR * 3_600_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
}
/** The instants [start, end) of a business date. */
function businessDayWindow(date) {
  return { start: zonedTime(date, CUTOFF_HOUR, 0, CHAIN_TIME_ZONE), end: zonedTime(addDays(date, 1), CUTOFF_HOUR, 0, CHAIN_TIME_ZONE) };
}
function localClock(instant) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: CHAIN_TIME_ZONE, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(
    instant,
  );
}
/** The Friday that begins the business week (Friday–Thursday) of a date. */
function weekStart(date) {
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return addDays(date, -((day - 5 + 7) % 7));
}

// Share of a day's sales sold by each hour (matinees small, evenings big).
const HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 0, 0.2, 0.4, 0.7, 1, 1.4, 1.8, 2, 2.1, 2.2, 2.6, 3.2, 3.8, 4, 3.6, 2.6, 1.4, 0.5];
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
function shareOfDayBy(minutes) {
  let share = 0;
  for (let h = 0; h < 24; h++) {
    const covered = Math.min(60, Math.max(0, minutes - h * 60));
    share += (HOUR_WEIGHTS[h] * covered) / 60;
  }
  return share / HOUR_TOTAL;
}

// ---------- the fake's state ----------
function createState(seed) {
  const today = businessDate(new Date());
  /** sales[date][theaterId][movieId] = { tickets, revenue } for whole past days. */
  const daily = new Map();
  const price = (theater, movie) => 11 + hash(seed, 'price', theater.theater_id, movie.movie_id) * 7;
  for (let back = 1; back < HISTORY_DAYS; back++) {
    const date = addDays(today, -back);
    const [yy, mm, dd] = date.split('-').map(Number);
    const day = new Date(yy, mm - 1, dd);
    const weekend = [0, 5, 6].includes(day.getDay()) ? 1.5 : 1;
    const rows = [];
    for (const theater of THEATERS) {
      for (const movie of MOVIES) {
        const r = hash(seed, date, theater.theater_id, movie.movie_id);
        if (r < 0.12) continue; // not every movie plays every day
        const tickets = Math.round((20 + r * 140) * movie.popularity * weekend * (theater.screens / 14));
        rows.push({ theater, movie, tickets, revenue: round2(tickets * price(theater, movie)) });
      }
    }
    daily.set(date, rows);
  }

  // Today: start from the share of a typical day that is already over, then keep selling.
  const now = new Date();
  const minutesNow = now.getHours() * 60 + now.getMinutes();
  const todayRows = new Map();
  const todaySales = []; // { at, revenue } for sales per minute and pace
  for (const theater of THEATERS) {
    for (const movie of MOVIES) {
      const r = hash(seed, today, theater.theater_id, movie.movie_id);
      const full = Math.round((20 + r * 140) * movie.popularity * (theater.screens / 14));
      const tickets = Math.round(full * shareOfDayBy(minutesNow));
      todayRows.set(`${theater.theater_id}|${movie.movie_id}`, {
        theater,
        movie,
        tickets,
        revenue: round2(tickets * price(theater, movie)),
      });
    }
  }
  let salesCount = [...todayRows.values()].reduce((n, row) => n + Math.ceil(row.tickets / 2.4), 0);
  let asOf = new Date();
  let counter = 0;

  function sell() {
    counter++;
    const theater = THEATERS[Math.floor(hash(seed, 'sell-t', counter) * THEATERS.length)];
    const movie = MOVIES[Math.floor(hash(seed, 'sell-m', counter) * MOVIES.length)];
    const tickets = 1 + Math.floor(hash(seed, 'sell-n', counter) * 4);
    const row = todayRows.get(`${theater.theater_id}|${movie.movie_id}`);
    const revenue = round2(tickets * price(theater, movie));
    row.tickets += tickets;
    row.revenue = round2(row.revenue + revenue);
    salesCount++;
    asOf = new Date();
    todaySales.push({ at: asOf.getTime(), revenue });
    while (todaySales.length > 0 && todaySales[0].at < asOf.getTime() - 5 * 60_000) todaySales.shift();
  }

  function rowsFor(date) {
    if (date === today) return [...todayRows.values()].filter((r) => r.tickets > 0);
    return daily.get(date) ?? [];
  }

  function totalsOf(rows) {
    const revenue = round2(rows.reduce((s, r) => s + r.revenue, 0));
    const tickets_sold = rows.reduce((s, r) => s + r.tickets, 0);
    return { revenue, tickets_sold };
  }

  function theaterBoard(date, limit) {
    const byTheater = new Map();
    for (const row of rowsFor(date)) {
      const entry = byTheater.get(row.theater.theater_id) ?? {
        theater_id: row.theater.theater_id,
        name: row.theater.name,
        revenue: 0,
        tickets_sold: 0,
      };
      entry.revenue = round2(entry.revenue + row.revenue);
      entry.tickets_sold += row.tickets;
      byTheater.set(row.theater.theater_id, entry);
    }
    return [...byTheater.values()]
      .sort((a, b) => b.revenue - a.revenue || a.theater_id - b.theater_id)
      .slice(0, limit)
      .map((e, i) => ({ rank: i + 1, ...e }));
  }

  function movieBoard(date, limit) {
    const byMovie = new Map();
    for (const row of rowsFor(date)) {
      const entry = byMovie.get(row.movie.movie_id) ?? {
        movie_id: row.movie.movie_id,
        title: row.movie.title,
        revenue: 0,
        tickets_sold: 0,
      };
      entry.revenue = round2(entry.revenue + row.revenue);
      entry.tickets_sold += row.tickets;
      byMovie.set(row.movie.movie_id, entry);
    }
    return [...byMovie.values()]
      .sort((a, b) => b.revenue - a.revenue || a.movie_id - b.movie_id)
      .slice(0, limit)
      .map((e, i) => ({ rank: i + 1, ...e }));
  }

  function liveTotals() {
    const { revenue, tickets_sold } = totalsOf(rowsFor(today));
    const recent = todaySales.filter((s) => s.at >= Date.now() - 60_000).length;
    return {
      as_of: asOf.toISOString(),
      date: today,
      revenue,
      tickets_sold,
      sales_count: salesCount,
      average_ticket_price: tickets_sold > 0 ? round2(revenue / tickets_sold) : 0,
      sales_per_minute: recent,
      top_theaters: theaterBoard(today, 5),
      top_movies: movieBoard(today, 5),
    };
  }

  function businessDay() {
    const now = new Date();
    const { start, end } = businessDayWindow(today);
    const lastWeek = businessDayWindow(addDays(today, -7));
    const sameTime = new Date(Math.min(lastWeek.end.getTime(), lastWeek.start.getTime() + (now.getTime() - start.getTime())));
    const first = weekStart(today);
    return {
      now: now.toISOString(),
      time_zone: CHAIN_TIME_ZONE,
      cutoff: `${pad(CUTOFF_HOUR)}:00`,
      today,
      day_start: start.toISOString(),
      day_end: end.toISOString(),
      this_week: { from: first, to: addDays(first, 6), dates: Array.from({ length: 7 }, (_, i) => addDays(first, i)) },
      same_time_last_week: sameTime.toISOString(),
    };
  }

  /** As the real APIs: today's business date (the live totals' sales) cumulative over its business day, in New York time. */
  function pace() {
    const now = new Date();
    const { start, end } = businessDayWindow(today);
    const elapsed = Math.floor((now.getTime() - start.getTime()) / 60_000);
    const buckets = Math.round((end.getTime() - start.getTime()) / 900_000);
    // The hour weights are by local hour from midnight; the business day starts at the cutoff.
    const shareBy = (minutes) => shareOfDayBy(Math.min(24 * 60, CUTOFF_HOUR * 60 + minutes));
    const todayTotal = totalsOf(rowsFor(today));
    const lastWeekDay = totalsOf(rowsFor(addDays(today, -7)));
    const todayAtEnd = todayTotal.revenue / Math.max(0.0001, shareBy(elapsed));
    const series = [];
    for (let bucket = 0; bucket < buckets; bucket++) {
      const bucketEnd = (bucket + 1) * 15;
      series.push({
        time: localClock(new Date(start.getTime() + bucket * 900_000)),
        today: bucket * 15 <= elapsed ? round2(todayAtEnd * shareBy(Math.min(bucketEnd, elapsed))) : null,
        last_week: round2(lastWeekDay.revenue * shareBy(bucketEnd)),
      });
    }
    const lastWeekByNow = round2(lastWeekDay.revenue * shareBy(elapsed));
    return {
      as_of: asOf.toISOString(),
      date: today,
      last_week_date: addDays(today, -7),
      time_zone: CHAIN_TIME_ZONE,
      today: todayTotal,
      last_week: {
        revenue: lastWeekByNow,
        tickets_sold: Math.round(lastWeekDay.tickets_sold * shareBy(elapsed)),
      },
      ratio: lastWeekByNow > 0 ? Math.round((todayTotal.revenue / lastWeekByNow) * 10000) / 10000 : null,
      series,
    };
  }

  function showtimes(theater, date) {
    const result = [];
    const starts = [
      [11, 0],
      [13, 45],
      [16, 30],
      [19, 15],
      [22, 0],
    ];
    const isPast = date < today;
    const nowMs = Date.now();
    for (let screen = 1; screen <= Math.min(theater.screens, 6); screen++) {
      const movie = MOVIES[(theater.theater_id * 3 + screen * 5 + Number(date.slice(-2))) % MOVIES.length];
      const format = FORMATS[(screen + theater.theater_id) % FORMATS.length];
      const capacity = 120 + ((screen * 37 + theater.theater_id * 11) % 180);
      for (const [h, m] of starts) {
        const startsAt = zonedTime(date, h, m, theater.time_zone);
        const r = hash(seed, 'show', theater.theater_id, date, screen, h);
        let occupancy = Math.min(1, (0.25 + r * 0.9) * movie.popularity * (h >= 19 ? 1.2 : 0.8));
        if (!isPast && startsAt.getTime() > nowMs) occupancy *= 0.55; // still selling
        const tickets_sold = Math.round(capacity * Math.min(1, occupancy));
        result.push({
          showtime_id: Number(`${theater.theater_id}${date.replaceAll('-', '').slice(2)}${screen}${h}`) % 2147483647,
          movie_id: movie.movie_id,
          title: movie.title,
          screen: `Screen ${screen}`,
          format,
          starts_at: startsAt.toISOString(),
          capacity,
          tickets_sold,
          occupancy: Math.round((tickets_sold / capacity) * 10000) / 10000,
        });
      }
    }
    return result.sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.screen.localeCompare(b.screen));
  }

  return { today, sell, rowsFor, totalsOf, theaterBoard, movieBoard, liveTotals, pace, businessDay, showtimes };
}

// ---------- HTTP ----------
function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
function problem(res, status, title, detail) {
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

function dateRange(url, state) {
  const from = url.searchParams.get('from') || addDays(state.today, -(HISTORY_DAYS - 1));
  const to = url.searchParams.get('to') || state.today;
  if (!isIsoDate(from) || !isIsoDate(to) || from > to) return undefined;
  return { from, to };
}

function datesBetween(from, to) {
  const dates = [];
  for (let d = to; d >= from && dates.length < 400; d = addDays(d, -1)) dates.push(d);
  return dates;
}

const ROLES = ['viewer', 'operator', 'admin'];
const LIVE_TICKET_MS = 30_000;

/**
 * Who sent the request, as the real APIs decide it: a bearer token from the identity service
 * (`issuer`), for `reelmetrics-api`, not expired, with a ReelMetrics role. The fake reads the
 * unsigned tokens of fake-identity.mjs; it does not check signatures.
 */
function bearerUser(req, issuer) {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  const claims = match && jwtPayload(match[1]);
  if (!claims || (issuer && claims.iss !== issuer) || !(claims.exp * 1000 > Date.now())) return undefined;
  const audiences = [claims.aud].flat();
  if (!audiences.includes(API_AUDIENCE)) return undefined;
  const roles = [claims.role].flat().filter((r) => ROLES.includes(r));
  return { sub: claims.sub, roles };
}

/**
 * Starts one fake backend. `name` only labels responses (header x-fake-backend) so a test can tell
 * the two apart. Every route but /alive and /health needs a bearer token of the fake identity
 * service at `issuer` (401 problem details without one); `GET /live` also takes a ticket from
 * `POST /live/tickets` (single use, 30 s), as the real APIs do. Returns { url, port, close }.
 */
export async function startFakeApi({ port = 0, name = 'fake', saleIntervalMs = 1000, seed = 'reelmetrics', issuer } = {}) {
  const state = createState(seed);
  const streams = new Set();
  const tickets = new Map(); // ticket -> { sub, expires }
  const deadLetters = createDeadLetters({ send, problem });

  const seller = setInterval(() => {
    state.sell();
    lastSaleAt = Date.now();
    const payload = `event: totals\ndata: ${JSON.stringify(state.liveTotals())}\n\n`;
    for (const res of streams) res.write(payload);
  }, saleIntervalMs);
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': heartbeat\n\n');
  }, 15_000);
  // The pipeline as GET /status tells it: a fake consumer that stores each sale as it is sold.
  const started = Date.now();
  let lastSaleAt = started;
  const pipelineStatus = () => {
    const now = Date.now();
    return {
      as_of: new Date(now).toISOString(),
      state: 'live',
      reason: 'Consumers are running and keeping up.',
      newest_sale: {
        sold_at: new Date(lastSaleAt).toISOString(),
        ingested_at: new Date(lastSaleAt + 40).toISOString(),
        age_seconds: Math.round((now - lastSaleAt) / 100) / 10,
      },
      consumer_lag: 0,
      sales_per_minute: Math.round(60_000 / saleIntervalMs),
      consumers: 1,
      last_heartbeat_at: new Date(now - 300).toISOString(),
      dead_letters_last_hour: [{ reason: 'unknown_theater', count: 2 }],
      thresholds: { heartbeat_timeout_seconds: 15, stalled_after_seconds: 30, lagging_above_messages: 1000, lagging_delay_seconds: 10 },
    };
  };
  // GET /alerts: one sell-out watch open, one stall of the pipeline resolved.
  const alerts = [
    {
      alert_id: 2,
      rule: 'sell_out_watch',
      subject: 'showtime:1',
      severity: 'info',
      message: 'Barbie at AMC Century City, 19:15, is 93 % sold (131 of 140 seats).',
      details: { capacity: 140, tickets_sold: 131, occupancy: 0.9357 },
      raised_at: new Date(started - 20 * 60_000).toISOString(),
      resolved_at: null,
    },
    {
      alert_id: 1,
      rule: 'pipeline_stalled',
      subject: 'pipeline',
      severity: 'critical',
      message: `The pipeline is stalled: No consumer has reported since ${new Date(started - 91 * 60_000).toISOString().slice(11, 19)} UTC (more than 15 s): nothing is being ingested.`,
      details: { consumers: 0, consumer_lag: 0 },
      raised_at: new Date(started - 90 * 60_000).toISOString(),
      resolved_at: new Date(started - 88 * 60_000).toISOString(),
    },
  ];
  const openAlerts = () => alerts.filter((alert) => alert.resolved_at === null);
  const pipelineBeat = setInterval(() => {
    for (const res of streams) res.write(`event: status\ndata: ${JSON.stringify(pipelineStatus())}\n\n`);
  }, 5_000);

  const server = http.createServer((req, res) => {
    res.setHeader('x-fake-backend', name);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean);

    if (path === '/alive' || path === '/health') return send(res, 200, 'Healthy', 'text/plain');

    let user = bearerUser(req, issuer);
    if (path === '/live' && !user && url.searchParams.has('ticket')) {
      const ticket = tickets.get(url.searchParams.get('ticket'));
      tickets.delete(url.searchParams.get('ticket'));
      if (ticket && ticket.expires > Date.now()) user = { sub: ticket.sub, roles: ['viewer'] };
    }
    if (!user) {
      res.setHeader('www-authenticate', 'Bearer');
      return problem(res, 401, 'Unauthorized', 'Sign in: this route needs a bearer token.');
    }
    if (user.roles.length === 0) return problem(res, 403, 'Forbidden', 'Your role may not read this.');

    if (path === '/live/tickets' && req.method === 'POST') {
      const ticket = randomBytes(24).toString('base64url');
      const expires = Date.now() + LIVE_TICKET_MS;
      tickets.set(ticket, { sub: user.sub, expires });
      setTimeout(() => tickets.delete(ticket), LIVE_TICKET_MS).unref();
      return send(res, 200, { ticket, expires_at: new Date(expires).toISOString() });
    }
    if (segments[0] === 'dead-letters') {
      deadLetters(req, res, url, segments, user).catch(() => problem(res, 500, 'Fake dead letters failed'));
      return;
    }
    if (req.method !== 'GET') return problem(res, 405, 'Method not allowed');

    if (path === '/live') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(`event: totals\ndata: ${JSON.stringify(state.liveTotals())}\n\n`);
      res.write(`event: status\ndata: ${JSON.stringify(pipelineStatus())}\n\n`);
      res.write(`event: alerts\ndata: ${JSON.stringify(openAlerts())}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }

    if (segments[0] === 'theaters') {
      if (segments.length === 1) return send(res, 200, THEATERS);
      if (!/^\d+$/.test(segments[1])) return problem(res, 400, 'Invalid theater id', `"${segments[1]}" is not an id.`);
      const theater = THEATERS.find((t) => t.theater_id === Number(segments[1]));
      if (!theater) return problem(res, 404, 'Theater not found', `No theater has id ${segments[1]}.`);
      if (segments.length === 2) return send(res, 200, theater);
      if (segments[2] === 'movies' && segments.length === 3) {
        const range = dateRange(url, state);
        if (!range) return problem(res, 400, 'Invalid date range');
        const rows = [];
        for (const date of datesBetween(range.from, range.to)) {
          const dayRows = state
            .rowsFor(date)
            .filter((r) => r.theater.theater_id === theater.theater_id)
            .sort((a, b) => b.revenue - a.revenue);
          for (const r of dayRows) {
            rows.push({
              movie_id: r.movie.movie_id,
              title: r.movie.title,
              sale_date: date,
              tickets_sold: r.tickets,
              revenue: r.revenue,
            });
          }
        }
        return send(res, 200, rows);
      }
      if (segments[2] === 'showtimes' && segments.length === 3) {
        const date = url.searchParams.get('date') || state.today;
        if (!isIsoDate(date)) return problem(res, 400, 'Invalid date', `"${date}" is not a YYYY-MM-DD date.`);
        return send(res, 200, state.showtimes(theater, date));
      }
    }

    if (segments[0] === 'top-theater' && segments.length === 2) {
      const date = decodeURIComponent(segments[1]);
      if (!isIsoDate(date)) return problem(res, 400, 'Invalid date', `"${date}" is not a YYYY-MM-DD date.`);
      const [top] = state.theaterBoard(date, 1);
      if (!top) return problem(res, 404, 'No sales', `Nothing was sold on ${date}.`);
      return send(res, 200, {
        sale_date: date,
        theater_id: top.theater_id,
        name: top.name,
        revenue: top.revenue,
        tickets_sold: top.tickets_sold,
      });
    }

    if (segments[0] === 'movies') {
      if (segments.length === 1)
        return send(
          res,
          200,
          MOVIES.map((m) => ({
            movie_id: m.movie_id,
            title: m.title,
            genre: m.genre,
            rating: m.rating,
            runtime_minutes: m.runtime_minutes,
            release_date: m.release_date,
          })),
        );
      const movie = MOVIES.find((m) => String(m.movie_id) === segments[1]);
      if (!/^\d+$/.test(segments[1])) return problem(res, 400, 'Invalid movie id');
      if (!movie) return problem(res, 404, 'Movie not found');
      if (segments[2] === 'sales') {
        const range = dateRange(url, state);
        if (!range) return problem(res, 400, 'Invalid date range');
        const rows = datesBetween(range.from, range.to)
          .map((date) => ({ sale_date: date, ...state.totalsOf(state.rowsFor(date).filter((r) => r.movie === movie)) }))
          .filter((r) => r.tickets_sold > 0);
        return send(res, 200, rows);
      }
    }

    if (segments[0] === 'leaderboards' && segments.length === 2) {
      const date = url.searchParams.get('date') || state.today;
      const limitText = url.searchParams.get('limit') ?? '10';
      const limit = Number(limitText);
      if (!isIsoDate(date)) return problem(res, 400, 'Invalid date');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return problem(res, 400, 'Invalid limit');
      if (segments[1] === 'theaters') return send(res, 200, state.theaterBoard(date, limit));
      if (segments[1] === 'movies') return send(res, 200, state.movieBoard(date, limit));
    }

    if (path === '/summary') {
      const from = url.searchParams.get('from') || state.today;
      const to = url.searchParams.get('to') || state.today;
      if (!isIsoDate(from) || !isIsoDate(to) || from > to) return problem(res, 400, 'Invalid date range');
      const rows = datesBetween(from, to).flatMap((d) => state.rowsFor(d));
      const { revenue, tickets_sold } = state.totalsOf(rows);
      const channels = CHANNELS.map((channel, i) => {
        const share = [0.45, 0.3, 0.17, 0.08][i];
        return { channel, revenue: round2(revenue * share), tickets_sold: Math.round(tickets_sold * share) };
      });
      return send(res, 200, {
        from,
        to,
        revenue,
        tickets_sold,
        sales_count: Math.ceil(tickets_sold / 2.4),
        average_ticket_price: tickets_sold > 0 ? round2(revenue / tickets_sold) : 0,
        channels,
      });
    }

    if (path === '/pace') return send(res, 200, state.pace());
    if (path === '/business-day') return send(res, 200, state.businessDay());

    if (path === '/status') return send(res, 200, pipelineStatus());
    if (path === '/alerts') {
      const which = url.searchParams.get('state') || 'all';
      if (which !== 'all' && which !== 'open')
        return problem(res, 400, 'Invalid state', `state '${which}' is not allowed: use open or all.`);
      const limit = Number(url.searchParams.get('limit') || '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        return problem(res, 400, 'Invalid limit', 'use a whole number from 1 to 500.');
      return send(res, 200, (which === 'open' ? openAlerts() : alerts).slice(0, limit));
    }

    return problem(res, 404, 'Not found', `The fake API has nothing at ${path}.`);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: () =>
      new Promise((resolve) => {
        clearInterval(seller);
        clearInterval(heartbeat);
        clearInterval(pipelineBeat);
        for (const res of streams) res.end();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// CLI: node e2e/fake-api.mjs --port 18001 --name dapper [--issuer http://localhost:18003/]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (flag, fallback) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const api = await startFakeApi({ port: Number(arg('--port', '0')), name: arg('--name', 'fake'), issuer: arg('--issuer', undefined) });
  console.log(`FAKE ReelMetrics API (${arg('--name', 'fake')}) listening on ${api.url}`);
  const stop = () => api.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
