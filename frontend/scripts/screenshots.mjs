// Screenshots of the running dashboard for the README: the live view, a theater page (also whole),
// the theater list, the top-theater page, the alerts page and the dead-letter console (as the demo operator) at
// 1280x800, and the live view on a phone (390x844). SCREENSHOTS_ONLY=a.png,b.png takes just those; the shot of a
// stalled pipeline (pipeline-stalled.png) is taken only when named there, with the consumer stopped by hand.
// Writes ../docs/screenshots/*.png.
// The frontend is REELMETRICS_FRONTEND_URL (default http://localhost:3000); pages are taken signed in
// as the demo viewer (REELMETRICS_DEMO_VIEWER_PASSWORD).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESKTOP, PHONE, dateWithSales, launchBrowser, openSignedIn, requireRunningSystem } from '../e2e/harness.mjs';

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), process.env.SCREENSHOTS_DIR ?? '../../docs/screenshots');
mkdirSync(outDir, { recursive: true });

await requireRunningSystem();
const topDate = await dateWithSales();
const browser = await launchBrowser();

const shots = [
  { file: 'live-view.png', path: '/', viewport: DESKTOP, ready: '[data-testid="kpi-revenue-value"]', also: '[data-testid="pace-chart"]' },
  {
    file: 'theater-page.png',
    path: '/theaters/1',
    viewport: DESKTOP,
    ready: '[data-testid="showtimes-table"]',
    also: '[data-testid="daily-revenue-chart"]',
  },
  {
    file: 'theater-page-full.png',
    path: '/theaters/1',
    viewport: DESKTOP,
    fullPage: true,
    ready: '[data-testid="showtimes-table"]',
    also: '[data-testid="daily-revenue-chart"]',
  },
  { file: 'top-theater.png', path: `/top-theater?date=${topDate}`, viewport: DESKTOP, ready: '[data-testid="top-theater-result"]' },
  { file: 'theaters.png', path: '/theaters', viewport: DESKTOP, ready: '[data-testid="theater-table"]' },
  {
    file: 'live-view-phone.png',
    path: '/',
    viewport: PHONE,
    ready: '[data-testid="kpi-revenue-value"]',
    also: '[data-testid="pace-chart"]',
  },
  { file: 'alerts.png', path: '/alerts', viewport: DESKTOP, ready: '[data-testid="alerts-page"]' },
  { file: 'dead-letters.png', path: '/dead-letters', viewport: DESKTOP, role: 'operator', ready: '[data-testid="dead-letters-page"]' },
  { file: 'pipeline-stalled.png', path: '/', viewport: DESKTOP, ready: '[data-testid="kpi-revenue-value"]', onlyWhenNamed: true },
];
const only = (process.env.SCREENSHOTS_ONLY ?? '').split(',').filter(Boolean);
const wanted = shots.filter((shot) => (only.length > 0 ? only.includes(shot.file) : !shot.onlyWhenNamed));

try {
  for (const shot of wanted) {
    const page = await openSignedIn(browser, shot.path, { viewport: shot.viewport, role: shot.role ?? 'viewer' });
    await page.waitForSelector(shot.ready);
    if (shot.also) await page.waitForSelector(shot.also);
    await page.waitForTimeout(shot.onlyWhenNamed ? 3000 : 300);
    const file = resolve(outDir, shot.file);
    await page.screenshot({ path: file, fullPage: shot.fullPage ?? false });
    console.log(`wrote ${file}`);
    await page.context().close();
  }
} finally {
  await browser.close();
}
