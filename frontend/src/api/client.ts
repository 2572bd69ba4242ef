import type { AccessTokens } from '../auth/session';
import type { BusinessDayNow } from '../businessDay/types';
import { backendBaseUrl, type Backend } from './backend';
import type {
  DailySales,
  GetRoute,
  IsoDate,
  LiveTicket,
  LiveTotals,
  Movie,
  MovieRank,
  Ok,
  ProblemDetails,
  RouteParameters,
  SalesPace,
  SalesSummary,
  Showtime,
  Theater,
  TheaterMovieSales,
  TheaterRank,
  TopTheater,
} from './types';
import type { Alert, PipelineStatus } from '../status/types';

/** A request that got no usable answer: a problem-details response, or none at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails | undefined;

  constructor(status: number, message: string, problem?: ProblemDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** True when the backend did not answer at all (network error, proxy 502/503/504, 5xx). */
  get isUnavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

type Query = Record<string, string | number | undefined | null>;

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readProblem(response: Response): Promise<ProblemDetails | undefined> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return (await response.json()) as ProblemDetails;
  } catch {
    return undefined;
  }
}

async function send(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'The backend could not be reached.');
  }
}

const sessionEnded = () => new ApiError(401, 'Your session has ended. Signing you in again…');

/**
 * Sends a request with the signed-in user's access token. A 401 means the token was refused
 * (expired, revoked, signing key rolled): the token is renewed once and the request retried; when
 * that does not help the session is over and the user is sent to sign in again, back to this page.
 */
export async function authorizedFetch(tokens: AccessTokens, url: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
  const withToken = (token: string) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return send(url, { ...init, headers }, signal);
  };
  const token = await tokens.accessToken();
  if (!token) {
    tokens.sessionExpired();
    throw sessionEnded();
  }
  let response = await withToken(token);
  if (response.status !== 401) return response;
  const renewed = await tokens.renew();
  if (renewed) response = await withToken(renewed);
  if (response.status === 401) {
    if (signal?.aborted) throw new DOMException('Aborted', 'AbortError');
    tokens.sessionExpired();
    throw sessionEnded();
  }
  return response;
}

async function readJson<T>(response: Response): Promise<T> {
  if (!response.ok) {
    const problem = await readProblem(response);
    const message = problem?.detail ?? problem?.title ?? `Request failed with status ${response.status}.`;
    throw new ApiError(response.status, message, problem);
  }
  return (await response.json()) as T;
}

/** A typed client for one backend. All paths are the contract's (docs/api.md). */
export interface ReelMetricsApi {
  readonly backend: Backend;
  theaters(signal?: AbortSignal): Promise<Theater[]>;
  theater(id: number, signal?: AbortSignal): Promise<Theater>;
  theaterMovies(id: number, range: { from?: IsoDate; to?: IsoDate }, signal?: AbortSignal): Promise<TheaterMovieSales[]>;
  theaterShowtimes(id: number, date: IsoDate | undefined, signal?: AbortSignal): Promise<Showtime[]>;
  topTheater(date: IsoDate, signal?: AbortSignal): Promise<TopTheater>;
  movies(signal?: AbortSignal): Promise<Movie[]>;
  movieSales(id: number, range: { from?: IsoDate; to?: IsoDate }, signal?: AbortSignal): Promise<DailySales[]>;
  theaterLeaderboard(query: { date?: IsoDate; limit?: number }, signal?: AbortSignal): Promise<TheaterRank[]>;
  movieLeaderboard(query: { date?: IsoDate; limit?: number }, signal?: AbortSignal): Promise<MovieRank[]>;
  summary(range: { from?: IsoDate; to?: IsoDate }, signal?: AbortSignal): Promise<SalesSummary>;
  pace(signal?: AbortSignal): Promise<SalesPace>;
  /** The pipeline's state (`GET /status`). */
  status(signal?: AbortSignal): Promise<PipelineStatus>;
  /** Alerts, newest first (`GET /alerts`). */
  alerts(query: { state?: 'open' | 'all'; from?: string; limit?: number }, signal?: AbortSignal): Promise<Alert[]>;
  /** The chain's business day now (`GET /business-day`). */
  businessDay(signal?: AbortSignal): Promise<BusinessDayNow>;
  /** Liveness of the backend process (`GET /alive`). */
  alive(signal?: AbortSignal): Promise<void>;
  /** A ticket for the live stream (`POST /live/tickets`). */
  liveTicket(signal?: AbortSignal): Promise<LiveTicket>;
  /** URL of the Server-Sent Events stream (`GET /live?ticket=`, event `totals`). */
  liveUrl(ticket: string): string;
}

/** The client of one backend; every call but `/alive` carries the signed-in user's access token. */
export function createApi(backend: Backend, tokens: AccessTokens): ReelMetricsApi {
  const base = backendBaseUrl(backend);
  // Typed by the route: its path and query parameters and its answer are the OpenAPI document's
  // (types.ts), so a wrong route, parameter or answer type does not compile.
  const get = async <P extends GetRoute>(route: P, parameters: RouteParameters<P>, signal?: AbortSignal): Promise<Ok<P>> => {
    const path = (parameters.path ?? {}) as Record<string, string | number>;
    const url = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(path[name])));
    return readJson<Ok<P>>(
      await authorizedFetch(
        tokens,
        `${base}${url}${queryString(parameters.query as Query | undefined)}`,
        { headers: { accept: 'application/json' } },
        signal,
      ),
    );
  };

  return {
    backend,
    theaters: (signal) => get('/theaters', {}, signal),
    theater: (id, signal) => get('/theaters/{id}', { path: { id } }, signal),
    theaterMovies: (id, range, signal) => get('/theaters/{id}/movies', { path: { id }, query: range }, signal),
    theaterShowtimes: (id, date, signal) => get('/theaters/{id}/showtimes', { path: { id }, query: { date } }, signal),
    topTheater: (date, signal) => get('/top-theater/{date}', { path: { date } }, signal),
    movies: (signal) => get('/movies', {}, signal),
    movieSales: (id, range, signal) => get('/movies/{id}/sales', { path: { id }, query: range }, signal),
    theaterLeaderboard: (query, signal) => get('/leaderboards/theaters', { query }, signal),
    movieLeaderboard: (query, signal) => get('/leaderboards/movies', { query }, signal),
    summary: (range, signal) => get('/summary', { query: range }, signal),
    pace: (signal) => get('/pace', {}, signal),
    // The document types state and severity as strings; status/types.ts narrows them to the contract's values.
    status: (signal) => get('/status', {}, signal) as Promise<PipelineStatus>,
    alerts: (query, signal) => get('/alerts', { query }, signal) as Promise<Alert[]>,
    businessDay: (signal) => get('/business-day', {}, signal),
    alive: async (signal) => {
      let response: Response;
      try {
        response = await fetch(`${base}/alive`, { signal, cache: 'no-store' });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new ApiError(0, 'The backend could not be reached.');
      }
      if (!response.ok) throw new ApiError(response.status, `Liveness check answered ${response.status}.`);
    },
    liveTicket: async (signal) =>
      readJson<LiveTicket>(
        await authorizedFetch(tokens, `${base}/live/tickets`, { method: 'POST', headers: { accept: 'application/json' } }, signal),
      ),
    liveUrl: (ticket) => `${base}/live?ticket=${encodeURIComponent(ticket)}`,
  };
}

export type { LiveTicket, LiveTotals };
