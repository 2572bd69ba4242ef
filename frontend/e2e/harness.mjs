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

/** The demo users the browser tests sign in as; their passwords come from the environment (the AppHost generates them). */
export const DEMO_USERS = {
  viewer: { username: 'viewer', passwordVariable: 'REELMETRICS_DEMO_VIEWER_PASSWORD' },
  operator: { username: 'operator', passwordVariable: 'REELMETRICS_DEMO_OPERATOR_PASSWORD' },
  admin: { username: 'admin', passwordVariable: 'REELMETRICS_DEMO_ADMIN_PASSWORD' },
};

export function demoCredentials(role = 'viewer') {
  const { username, passwordVariable } = DEMO_USERS[role];
  const password = process.env[passwordVariable];
  if (!password) {
    throw new Error(`${passwordVariable} is not set: pass the demo ${role}'s password (the AppHost shows it when it starts).`);
  }
  return { username, password };
}

let identity;

/** The identity service the dashboard signs in at, as the dashboard itself is told (`/config.json`). */
export async function identityUrl() {
  if (identity) return identity;
  const response = await fetch(`${FRONTEND_URL}/config.json`);
  if (!response.ok) throw new Error(`GET ${FRONTEND_URL}/config.json answered ${response.status}`);
  identity = (await response.json()).identity_url.replace(/\/+$/, '');
  return identity;
}

const tokens = new Map();

/**
 * An access token for a demo user, for the tests' own API calls: the password grant of the
 * `reelmetrics-cli` client (the README's one-liner does the same).
 */
export async function accessToken(role = 'viewer') {
  if (tokens.has(role)) return tokens.get(role);
  const { username, password } = demoCredentials(role);
  const response = await fetch(`${await identityUrl()}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'reelmetrics-cli',
      username,
      password,
      scope: 'openid reelmetrics.api roles',
    }),
  });
  if (!response.ok) throw new Error(`The identity service refused the ${role}'s password (${response.status}): ${await response.text()}`);
  const token = (await response.json()).access_token;
  tokens.set(role, token);
  return token;
}

/** GET through the frontend's proxy, signed in as a demo user. */
export async function apiGet(path, role = 'viewer') {
  return fetch(`${FRONTEND_URL}${path}`, {
    headers: { authorization: `Bearer ${await accessToken(role)}` },
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * Fails (never skips) when there is no ReelMetrics system to test: the frontend, its identity
 * service and both APIs behind its proxy must answer, and the demo viewer must be able to sign in.
 */
export async function requireRunningSystem() {
  const problems = [];
  const frontend = await probe(`${FRONTEND_URL}/`);
  if (frontend) problems.push(`  - frontend: GET ${FRONTEND_URL}/ ${frontend}`);
  else {
    try {
      const discovery = `${await identityUrl()}/.well-known/openid-configuration`;
      const problem = await probe(discovery);
      if (problem) problems.push(`  - identity: GET ${discovery} ${problem}`);
      else {
        for (const backend of ['dapper', 'ef']) {
          const response = await apiGet(`/api/${backend}/theaters`).catch((error) => ({ ok: false, status: error.message }));
          if (!response.ok)
            problems.push(`  - api-${backend} (through the frontend proxy, signed in): GET /api/${backend}/theaters ${response.status}`);
        }
      }
    } catch (error) {
      problems.push(`  - ${error.message}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `No running ReelMetrics system at ${FRONTEND_URL}:\n${problems.join('\n')}\n` +
        'Start it (dotnet run --project ReelMetrics.AppHost) or point REELMETRICS_FRONTEND_URL at a running frontend; ' +
        '`npm run e2e:fake` runs these tests against the fake API instead.',
    );
  }
}

/**
 * A page in a fresh context; `page.errors` collects its script errors and Content-Security-Policy violations, and
 * `page.trail` the last navigations, refused or failed requests and console errors (see `waitForPage`).
 */
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce', locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.errors = [];
  page.trail = [];
  const note = (text) => {
    page.trail.push(`${new Date().toISOString().slice(11, 23)} ${text.slice(0, 300)}`);
    if (page.trail.length > 40) page.trail.shift();
  };
  page.on('pageerror', (error) => {
    page.errors.push(error.message);
    note(`page error: ${error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) page.errors.push(message.text());
    if (message.type() === 'error' || message.type() === 'warning') note(`console ${message.type()}: ${message.text()}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) note(`navigated to ${frame.url()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) note(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => note(`failed ${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  return page;
}

/**
 * Waits until the page's URL satisfies `predicate`; when it does not in time, the error says what the page showed and
 * what happened on the way (its trail), so that a failure seen once in CI can be understood from the log alone.
 */
export async function waitForPage(page, predicate, what, { timeout = 30_000, waitUntil = 'load' } = {}) {
  try {
    await page.waitForURL(predicate, { timeout, waitUntil });
  } catch (error) {
    const text = await page
      .locator('body')
      .innerText({ timeout: 2_000 })
      .catch(() => '(unreadable)');
    throw new Error(
      `${what}: not reached in ${timeout / 1000} s. The page is at ${page.url()} and shows:\n` +
        `${text.replace(/\s+/g, ' ').slice(0, 500)}\nOn the way:\n  ${page.trail.join('\n  ')}`,
      { cause: error },
    );
  }
}

/** True while the page shows the identity service's sign-in form. */
export async function onSignInForm(page) {
  return new URL(page.url()).origin === new URL(await identityUrl()).origin && (await page.locator('input[name="username"]').count()) > 0;
}

/**
 * Fills the identity service's sign-in form (inputs `username` and `password`, a submit button)
 * as a demo user and waits until the dashboard is back (past /signin-callback).
 */
export async function signInAs(page, role = 'viewer') {
  const { username, password } = demoCredentials(role);
  await page.locator('input[name="username"]').waitFor();
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"], input[type="submit"]').first().click();
  // Generous: the dev server loads the app module by module on the way back.
  await waitForPage(page, (url) => url.origin === FRONTEND_URL && url.pathname !== '/signin-callback', `back on the dashboard as ${role}`);
}

/** Opens a dashboard page in a fresh browser context: it sends the visitor to sign in, and comes back signed in. */
export async function openSignedIn(browser, path, { viewport = DESKTOP, role = 'viewer' } = {}) {
  const page = await newPage(browser, viewport);
  await page.goto(`${FRONTEND_URL}${path}`);
  await page.waitForURL((url) => url.origin !== FRONTEND_URL, { waitUntil: 'commit', timeout: 30_000 });
  await signInAs(page, role);
  return page;
}

const require = createRequire(import.meta.url);
let axeSource;

/** Runs axe-core in the page; returns the serious and critical WCAG A/AA violations. */
export async function seriousAccessibilityViolations(page) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated, not added as an inline <script>: the dashboard's CSP (rightly) refuses inline scripts.
  await page.evaluate(axeSource);
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
    const response = await apiGet(`/api/dapper/leaderboards/theaters?date=${date}&limit=1`);
    if (!response.ok) throw new Error(`GET /api/dapper/leaderboards/theaters?date=${date} answered ${response.status}`);
    const rows = await response.json();
    if (Array.isArray(rows) && rows.length > 0) return date;
  }
  throw new Error('No sales from yesterday to a week ahead: is the generator running?');
}
