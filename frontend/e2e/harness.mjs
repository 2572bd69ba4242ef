// Shared by the e2e tests and the screenshot script: which frontend, which browser, and checks.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

/** The running frontend (Vite dev server under Aspire by default). */
export const FRONTEND_URL = (process.env.REELMETRICS_FRONTEND_URL || 'http://localhost:3000').replace(/\/+$/, '');

/** Debian's Chromium: Playwright's own browser download does not work on these machines. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

async function probe(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? undefined : `answered ${response.status}`;
  } catch (error) {
    return error.cause?.code ?? error.message;
  }
}

/**
 * Fails (never skips) when there is no ReelMetrics system to test: the frontend and both APIs
 * behind its proxy must answer.
 */
export async function requireRunningSystem() {
  const checks = [
    ['frontend', `${FRONTEND_URL}/`],
    ['api-dapper (through the frontend proxy)', `${FRONTEND_URL}/api/dapper/theaters`],
    ['api-ef (through the frontend proxy)', `${FRONTEND_URL}/api/ef/theaters`],
  ];
  const problems = [];
  for (const [name, url] of checks) {
    const problem = await probe(url);
    if (problem) problems.push(`  - ${name}: GET ${url} ${problem}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `No running ReelMetrics system at ${FRONTEND_URL}:\n${problems.join('\n')}\n` +
        'Start it (dotnet run --project ReelMetrics.AppHost) or point REELMETRICS_FRONTEND_URL at a running frontend; ' +
        '`npm run e2e:fake` runs these tests against the fake API instead.',
    );
  }
}

export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce', locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

const require = createRequire(import.meta.url);
let axeSource;

/** Runs axe-core in the page; returns the serious and critical WCAG A/AA violations. */
export async function seriousAccessibilityViolations(page) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * A date with sales, as the API itself says: the first business date around today (the generator sells
 * showtimes of today and the coming days) whose theater leaderboard is not empty.
 */
export async function dateWithSales() {
  const today = new Date();
  for (let offset = 0; offset <= 8; offset++) {
    const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + (offset === 8 ? -1 : offset)));
    const date = day.toISOString().slice(0, 10);
    const response = await fetch(`${FRONTEND_URL}/api/dapper/leaderboards/theaters?date=${date}&limit=1`);
    if (!response.ok) throw new Error(`GET /api/dapper/leaderboards/theaters?date=${date} answered ${response.status}`);
    const rows = await response.json();
    if (Array.isArray(rows) && rows.length > 0) return date;
  }
  throw new Error('No sales from yesterday to a week ahead: is the generator running?');
}
