// End-to-end tests of the dashboard in Debian's Chromium against a RUNNING ReelMetrics system
// (frontend at REELMETRICS_FRONTEND_URL, default http://localhost:3000, with both APIs behind its
// proxy and the generator selling). Without a running system every test fails with the reason.
// `npm run e2e:fake` runs the same tests against `vite preview` and the FAKE API (e2e/fake-api.mjs).
// Every page is opened signed in as the demo viewer, through the identity service's sign-in form.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PHONE,
  apiGet,
  dateWithSales,
  launchBrowser,
  openSignedIn,
  requireRunningSystem,
  seriousAccessibilityViolations,
  waitForPage,
} from './harness.mjs';

let browser;
let firstTheater;

before(async () => {
  await requireRunningSystem();
  const theaters = await (await apiGet('/api/dapper/theaters')).json();
  assert.ok(Array.isArray(theaters) && theaters.length > 0, 'GET /theaters returned no theater');
  firstTheater = theaters[0];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh page (own context, so localStorage starts empty), signed in as the demo viewer, whose
 * script errors and Content-Security-Policy violations are collected.
 */
function openPage(path, viewport) {
  return openSignedIn(browser, path, { viewport });
}

const close = (page) => page.context().close();

/** The chain's revenue today (its business date) as the API answers it. */
const todaysRevenue = async () => (await (await apiGet('/api/dapper/summary')).json()).revenue;

const parseUsd = (text) => Number(text.replace(/[$,]/g, ''));

/** "Saturday, January 1, 2000", as the dashboard writes a business date (YYYY-MM-DD). */
const longDate = (date) =>
  new Date(`${date}T00:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });

describe('live view', () => {
  it('shows today’s totals and the live total moves as tickets are sold', async () => {
    const page = await openPage('/');
    try {
      const revenue = page.getByTestId('kpi-revenue-value');
      await revenue.waitFor();
      const before = (await revenue.textContent()).trim();
      assert.match(before, /^\$[\d,]+\.\d{2}$/);
      const apiBefore = await todaysRevenue();
      const moved = await page
        .waitForFunction(
          (initial) => document.querySelector('[data-testid="kpi-revenue-value"]')?.textContent?.trim() !== initial,
          before,
          { timeout: 60_000 },
        )
        .then(() => true)
        .catch((error) => (error.name === 'TimeoutError' ? false : Promise.reject(error)));
      if (!moved) {
        // Between midnight and the 06:00 cutoff the chain's business day ("today") may have no showtime left to sell.
        // Then nothing moves, in the API either, and the page must show exactly the API's figure.
        const apiAfter = await todaysRevenue();
        assert.equal(apiAfter, apiBefore, `the API's revenue today moved (${apiBefore} → ${apiAfter}) but the page stayed at ${before}`);
        assert.equal(parseUsd(before), apiAfter, "the page's revenue today is not the API's");
      }
      assert.match(await page.getByTestId('freshness').textContent(), /^(Live|Lagging) · (newest sale|no sale stored yet)/);
      await page.locator('[data-testid="theater-leaderboard"], [data-testid="empty"]').first().waitFor();
      await page.getByTestId('pace-chart').waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await close(page);
    }
  });
});

describe('alerts', () => {
  it('lists the alerts on their own page, reached from the header', async () => {
    const page = await openPage('/');
    try {
      await page.getByRole('link', { name: 'Alerts', exact: true }).click();
      await page.getByTestId('alerts-page').waitFor();
      await page.locator('[data-testid="alert-table"], [data-testid="alerts-empty"]').first().waitFor();
      const answer = await (await apiGet('/api/dapper/alerts?state=all&limit=200')).json();
      assert.equal(await page.getByTestId('alert-row').count(), answer.length);
      assert.deepEqual(page.errors, []);
    } finally {
      await close(page);
    }
  });
});

describe('backend switch', () => {
  it('sends every request to the chosen backend and remembers it across reloads', async () => {
    const page = await openPage('/theaters');
    try {
      const requests = [];
      page.on('request', (request) => requests.push(new URL(request.url()).pathname));
      await page.getByTestId('theater-row').first().waitFor();
      assert.ok(await page.getByRole('radio', { name: 'Dapper' }).isChecked(), 'Dapper is the default');

      const efAnswered = page.waitForResponse((r) => r.url().endsWith('/api/ef/theaters') && r.ok());
      await page.getByRole('radio', { name: 'EF Core' }).check();
      await efAnswered;
      await page.getByTestId('theater-row').first().waitFor();
      assert.equal(await page.getByTestId('current-backend').textContent(), 'EF Core');

      requests.length = 0;
      await page.reload();
      await page.getByTestId('theater-row').first().waitFor();
      assert.ok(await page.getByRole('radio', { name: 'EF Core' }).isChecked(), 'EF Core survives a reload');
      const apiCalls = requests.filter((p) => p.startsWith('/api/'));
      assert.ok(apiCalls.length > 0, 'the page called the API');
      assert.deepEqual(
        apiCalls.filter((p) => !p.startsWith('/api/ef/')),
        [],
        'after the switch, nothing goes to Dapper',
      );

      // The live stream follows the switch as well.
      await page.getByRole('link', { name: 'Live', exact: true }).click();
      await page.getByTestId('kpi-revenue-value').waitFor();
      assert.ok(requests.includes('/api/ef/live'), 'the live stream comes from EF Core');
    } finally {
      await close(page);
    }
  });

  it('can be operated with the keyboard', async () => {
    const page = await openPage('/theaters');
    try {
      await page.getByTestId('theater-row').first().waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.getByRole('radio', { name: 'Dapper' }).focus();
      await page.keyboard.press('ArrowRight');
      assert.ok(await page.getByRole('radio', { name: 'EF Core' }).isChecked());
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle);
      assert.equal(outline, 'solid', 'the focused option shows a focus ring');
    } finally {
      await close(page);
    }
  });
});

describe('theaters', () => {
  it('finds a theater by searching, opens it and shows its showtimes and sales', async () => {
    const page = await openPage('/theaters');
    try {
      await page.getByTestId('theater-row').first().waitFor();
      const all = await page.getByTestId('theater-row').count();
      await page.getByLabel('Search theaters').fill(firstTheater.name);
      await page.waitForFunction((count) => document.querySelectorAll('[data-testid="theater-row"]').length < count || count === 1, all);
      await page.getByRole('link', { name: firstTheater.name, exact: true }).click();

      await page.waitForURL(`**/theaters/${firstTheater.theater_id}**`);
      await page.getByRole('heading', { level: 1, name: firstTheater.name }).waitFor();
      // Today's showtimes (or a clear "none") and sales by date (or a clear "none"), never an error.
      await page.locator('[data-testid="showtimes-table"], [data-testid="showtimes-empty"]').first().waitFor();
      await page.locator('[data-testid="movie-sales-table"], [data-testid="movie-sales-empty"]').first().waitFor();
      assert.equal(await page.getByTestId('error').count(), 0);
      if (await page.getByTestId('showtimes-table').count()) {
        const meter = page.getByRole('meter').first();
        const value = Number(await meter.getAttribute('aria-valuenow'));
        assert.ok(value >= 0 && value <= 100, `occupancy ${value} is a percentage`);
      }
      if (await page.getByTestId('movie-sales-table').count()) {
        await page.getByTestId('daily-revenue-chart').waitFor();
        assert.match(await page.getByTestId('movie-sales-total').textContent(), /^\$[\d,]+\.\d{2}$/);
      }
    } finally {
      await close(page);
    }
  });
});

describe('top theater by date', () => {
  it('shows the top theater of a date with sales, and says so when a date has none', async () => {
    const date = await dateWithSales();
    const page = await openPage('/top-theater');
    try {
      await page.getByLabel('Business date').fill(date);
      await page.getByRole('button', { name: 'Show top theater' }).click();
      // The page opened on the chain's business date, which has a result of its own: wait for the asked date's.
      await waitForPage(page, (url) => url.searchParams.get('date') === date, `the date ${date} in the address`);
      const result = page.getByTestId('top-theater-result');
      await result.getByRole('heading', { name: `Top theater on ${longDate(date)}` }).waitFor();
      assert.ok((await result.getByTestId('top-theater-name').textContent()).length > 0);
      assert.match(await result.getByTestId('top-theater-revenue-value').textContent(), /^\$[\d,]+\.\d{2}$/);
      assert.match(await result.getByTestId('top-theater-tickets-value').textContent(), /^[\d,]+$/);

      await page.getByLabel('Business date').fill('2000-01-01');
      await page.getByRole('button', { name: 'Show top theater' }).click();
      const noSales = page.getByTestId('top-theater-no-sales');
      await noSales.waitFor();
      assert.match(await noSales.textContent(), /No ticket sales on Saturday, January 1, 2000/);
    } finally {
      await close(page);
    }
  });
});

describe('a backend that is down', () => {
  it('raises a banner naming it, and recovers by itself when it answers again', async () => {
    const page = await openPage('/theaters');
    try {
      await page.getByTestId('theater-row').first().waitFor();
      // Make the EF Core backend unreachable from this page only, as the proxy reports it (502).
      const down = (route) =>
        route.fulfill({
          status: 502,
          contentType: 'application/problem+json',
          headers: { 'x-reelmetrics-proxy': 'unreachable' },
          body: JSON.stringify({ title: 'Backend not reachable', status: 502 }),
        });
      await page.route('**/api/ef/**', down);
      await page.getByRole('radio', { name: 'EF Core' }).check();
      const banner = page.getByTestId('backend-down-banner');
      await banner.waitFor();
      assert.match(await banner.textContent(), /The EF Core backend is not responding/);

      await page.unroute('**/api/ef/**', down);
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByTestId('theater-row').first().waitFor({ timeout: 15_000 });
    } finally {
      await close(page);
    }
  });
});

describe('layout and accessibility', () => {
  const pages = () => [
    ['live view', '/', 'kpi-revenue-value'],
    ['theater list', '/theaters', 'theater-row'],
    ['theater page', `/theaters/${firstTheater.theater_id}`, 'showtimes-card'],
    ['top theater', '/top-theater?date=2000-01-01', 'top-theater-no-sales'],
  ];

  it('has no serious or critical axe-core violations', async () => {
    const found = [];
    for (const [name, path, ready] of pages()) {
      const page = await openPage(path);
      try {
        await page.getByTestId(ready).first().waitFor();
        await page.waitForTimeout(500);
        for (const v of await seriousAccessibilityViolations(page)) {
          found.push(`${name}: [${v.impact}] ${v.id} — ${v.help} (${v.targets.join(', ')})`);
        }
      } finally {
        await close(page);
      }
    }
    assert.deepEqual(found, []);
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const overflowing = [];
    for (const [name, path, ready] of pages()) {
      const page = await openPage(path, PHONE);
      try {
        await page.getByTestId(ready).first().waitFor();
        const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
          // The innermost elements that reach past the screen's right edge, to say what to fix.
          const past = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > window.innerWidth);
          const innermost = past.filter((e) => !past.some((other) => other !== e && e.contains(other)));
          return {
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            culprits: innermost.slice(0, 5).map((e) => {
              const label = `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''}`;
              return `${label} "${(e.textContent ?? '').trim().slice(0, 60)}" ends at ${Math.round(e.getBoundingClientRect().right)}px`;
            }),
          };
        });
        if (scrollWidth > innerWidth) {
          overflowing.push(
            `${name}: ${scrollWidth}px wide on a ${innerWidth}px screen (${culprits.join('; ') || 'no element past the edge'})`,
          );
        }
      } finally {
        await close(page);
      }
    }
    assert.deepEqual(overflowing, []);
  });
});
