// Browser tests that check VALUES, not formats: what the dashboard shows (live KPIs, leaderboard
// rows, a theater's movies on a date, the top theater of a date) is read back from the page,
// parsed (format.ts's en-US formats), and compared exactly with what the API answers at the same
// moment, for each backend chosen with the dashboard's switch.
//
// "The same moment": with sales flowing the figures move between two reads. Each check reads the
// API, then the page, then the API again, and requires the page to equal the API when the two API
// reads agree; when they do not (a sale landed in between) or the page has not caught up yet (the
// live stream pushes at most about four times a second), it tries again, a bounded number of times.
// The fake system sells one ticket batch a second, so most attempts are still; the real system's
// generator sells ~20 a second, so FrontendTests stops it (and starts it again) around
// `npm run e2e:values`. A page that shows a wrong number never passes: it would have to equal the
// API exactly at a moment the API held still.
//
// The tests' own API calls go through the dashboard's proxy (/api/dapper, /api/ef) with a token of
// the demo viewer (harness.accessToken: the password grant of `reelmetrics-cli`, as the README's
// one-liner; the fake identity service grants it too).
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { FRONTEND_URL, accessToken, apiGet, dateWithSales, launchBrowser, openSignedIn, requireRunningSystem } from '../harness.mjs';

const BACKENDS = [
  { name: 'dapper', label: 'Dapper' },
  { name: 'ef', label: 'EF Core' },
];

/** Attempts of one check before it fails, and the pause between them. */
const ATTEMPTS = 30;
const PAUSE_MS = 1_000;

let browser;
let date;

before(async () => {
  await requireRunningSystem();
  date = await dateWithSales();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

// ---------- reading the page's formatted values back (src/format.ts, en-US) ----------

/** "$12,345.67" → 12345.67 (exactly the number the API sent, if it sent two decimals). */
function parseUsd(text) {
  const match = /^(-?)\$(\d{1,3}(?:,\d{3})*\.\d{2})$/.exec(text.trim());
  assert.ok(match, `"${text}" is not a USD amount as formatUsd writes it`);
  return Number(`${match[1]}${match[2].replaceAll(',', '')}`);
}

/** "12,470" → 12470. */
function parseInteger(text) {
  const match = /^\d{1,3}(?:,\d{3})*$/.exec(text.trim());
  assert.ok(match, `"${text}" is not an integer as formatInteger writes it`);
  return Number(match[0].replaceAll(',', ''));
}

/** "Tue, Mar 11" for 2025-03-11, as formatShortDate writes it (it has no year to parse back). */
function shortDate(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(y, m - 1, d));
}

const text = async (locator) => (await locator.textContent())?.trim() ?? '';

// ---------- the API ----------

async function getJson(backend, path) {
  const response = await apiGet(`/api/${backend}${path}`);
  assert.equal(response.status, 200, `GET /api/${backend}${path} answered ${response.status}`);
  return response.json();
}

/** The `totals` event a fresh `GET /live` sends at once: the live figures as the API has them now. */
async function liveTotals(backend) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(`${FRONTEND_URL}/api/${backend}/live`, {
      headers: { authorization: `Bearer ${await accessToken()}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(response.status, 200, `GET /api/${backend}/live answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        if (!lines.includes('event: totals')) continue;
        return JSON.parse(
          lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n'),
        );
      }
    }
    throw new Error(`GET /api/${backend}/live ended before its first totals event`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// ---------- comparing at the same moment ----------

/**
 * Reads the API, the page, the API again; passes as soon as the two API reads agree and the page
 * shows exactly that, fails after ATTEMPTS tries with the last difference (or, when the API never
 * held still, saying so).
 */
async function expectPageShowsApi(what, readApi, readPage) {
  let mismatch;
  let moving = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const first = await readApi();
    const shown = await readPage();
    const second = await readApi();
    if (!isDeepStrictEqual(first, second)) moving++;
    else if (isDeepStrictEqual(shown, first)) return shown;
    else mismatch = { shown, api: first };
    await delay(PAUSE_MS);
  }
  if (!mismatch) {
    assert.fail(
      `${what}: the API's figures moved between every two reads (${moving} of ${ATTEMPTS}); ` +
        'these tests need sales to pause now and then (the real-system run stops the generator for them).',
    );
  }
  assert.deepStrictEqual(
    mismatch.shown,
    mismatch.api,
    `${what}: the page does not show what the API answers (${moving} of ${ATTEMPTS} reads moved)`,
  );
}

/**
 * A page signed in as the demo viewer with `backend` chosen on the switch; `page.apiCalls` collects
 * the paths of the API calls it makes, to show that they all went to that backend.
 */
async function openWithBackend(backend, path) {
  const page = await openSignedIn(browser, path);
  page.apiCalls = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) page.apiCalls.push(pathname);
  });
  const radio = page.getByRole('radio', { name: backend.label });
  await radio.waitFor();
  if (!(await radio.isChecked())) await radio.check();
  assert.equal(await text(page.getByTestId('current-backend')), backend.label);
  page.apiCalls.length = 0;
  return page;
}

function assertOnlyBackend(page, backend) {
  const others = page.apiCalls.filter((p) => !p.startsWith(`/api/${backend.name}/`));
  assert.ok(page.apiCalls.length > 0, 'the page called the API');
  assert.deepEqual(others, [], `every API call went to ${backend.label}`);
}

// ---------- the tests ----------

for (const backend of BACKENDS) {
  describe(`values shown with the ${backend.label} backend`, () => {
    it('live view: the KPIs and both leaderboards are the API’s figures', async () => {
      const page = await openWithBackend(backend, '/');
      try {
        await page.reload(); // the live stream, from the chosen backend from the start
        await page.getByTestId('kpi-revenue-value').waitFor();
        // Between midnight and the 06:00 cutoff the chain's business day may have nothing left to sell: the boards
        // are then empty, on the page as in the API (readRows finds no row, compared with the API's empty lists).
        await page.locator('[data-testid="theater-leaderboard"], [data-testid="empty"]').first().waitFor();

        const readApi = async () => {
          const live = await liveTotals(backend.name);
          const rows = (board) =>
            board.map((r) => ({ rank: r.rank, name: r.name ?? r.title, tickets_sold: r.tickets_sold, revenue: r.revenue }));
          const limit = live.top_theaters.length;
          return {
            revenue: live.revenue,
            tickets_sold: live.tickets_sold,
            sales_count: live.sales_count,
            average_ticket_price: live.average_ticket_price,
            top_theaters: rows(live.top_theaters),
            top_movies: rows(live.top_movies),
            // The leaderboard routes rank the same day the same way as the live stream.
            theater_leaderboard: limit ? rows(await getJson(backend.name, `/leaderboards/theaters?date=${live.date}&limit=${limit}`)) : [],
            movie_leaderboard: live.top_movies.length
              ? rows(await getJson(backend.name, `/leaderboards/movies?date=${live.date}&limit=${live.top_movies.length}`))
              : [],
          };
        };
        const readRows = async (testId) =>
          page
            .getByTestId(testId)
            .locator('tbody tr')
            .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
        const readPage = async () => {
          const detail = await text(page.locator('[data-testid="kpi-revenue"] .kpi__detail'));
          assert.match(detail, /^[\d,]+ sales$/);
          const rows = (cells) =>
            cells.map(([rank, name, tickets, revenue]) => ({
              rank: parseInteger(rank),
              name,
              tickets_sold: parseInteger(tickets),
              revenue: parseUsd(revenue),
            }));
          const theaters = rows(await readRows('theater-leaderboard'));
          const movies = rows(await readRows('movie-leaderboard'));
          const shown = {
            revenue: parseUsd(await text(page.getByTestId('kpi-revenue-value'))),
            tickets_sold: parseInteger(await text(page.getByTestId('kpi-tickets-value'))),
            sales_count: parseInteger(detail.replace(/ sales$/, '')),
            average_ticket_price: parseUsd(await text(page.getByTestId('kpi-average-price-value'))),
          };
          return { ...shown, top_theaters: theaters, top_movies: movies, theater_leaderboard: theaters, movie_leaderboard: movies };
        };

        await expectPageShowsApi(`live view (${backend.label})`, readApi, readPage);
        assertOnlyBackend(page, backend);
      } finally {
        await page.context().close();
      }
    });

    it('theater page: each movie’s tickets and revenue on a date are the API’s', async () => {
      const [top] = await getJson(backend.name, `/leaderboards/theaters?date=${date}&limit=1`);
      assert.ok(top, `no theater sold anything on ${date}`);
      const page = await openWithBackend(backend, `/theaters/${top.theater_id}?from=${date}&to=${date}`);
      try {
        const readApi = async () => {
          const rows = await getJson(backend.name, `/theaters/${top.theater_id}/movies?from=${date}&to=${date}`);
          const cents = rows.reduce((sum, r) => sum + Math.round(r.revenue * 100), 0);
          return {
            rows: rows.map((r) => ({ date: shortDate(r.sale_date), title: r.title, tickets_sold: r.tickets_sold, revenue: r.revenue })),
            total: cents / 100,
          };
        };
        const readPage = async () => {
          await page.reload(); // the page reads the movies once; a reload reads them now
          await page.getByTestId('movie-sales-row').first().waitFor();
          const cells = await page
            .getByTestId('movie-sales-row')
            .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
          return {
            rows: cells.map(([shownDate, title, tickets, revenue]) => ({
              date: shownDate,
              title,
              tickets_sold: parseInteger(tickets),
              revenue: parseUsd(revenue),
            })),
            total: parseUsd(await text(page.getByTestId('movie-sales-total'))),
          };
        };

        const shown = await expectPageShowsApi(`${top.name}'s movies on ${date} (${backend.label})`, readApi, readPage);
        assert.ok(shown.rows.length > 0);
        assertOnlyBackend(page, backend);
      } finally {
        await page.context().close();
      }
    });

    it('top theater: the theater, its revenue and tickets on a date are the API’s', async () => {
      const page = await openWithBackend(backend, `/top-theater?date=${date}`);
      try {
        const readApi = async () => {
          const top = await getJson(backend.name, `/top-theater/${date}`);
          return { name: top.name, theater_path: `/theaters/${top.theater_id}`, revenue: top.revenue, tickets_sold: top.tickets_sold };
        };
        const readPage = async () => {
          await page.reload();
          await page.getByTestId('top-theater-result').waitFor();
          const name = page.getByTestId('top-theater-name');
          return {
            name: await text(name),
            theater_path: new URL(await name.getAttribute('href'), FRONTEND_URL).pathname,
            revenue: parseUsd(await text(page.getByTestId('top-theater-revenue-value'))),
            tickets_sold: parseInteger(await text(page.getByTestId('top-theater-tickets-value'))),
          };
        };

        await expectPageShowsApi(`top theater on ${date} (${backend.label})`, readApi, readPage);
        assertOnlyBackend(page, backend);
      } finally {
        await page.context().close();
      }
    });
  });
}
