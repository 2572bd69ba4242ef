// The header tells the pipeline's state, not the browser's connection: run against a RUNNING ReelMetrics system by
// tests/ReelMetrics.AppHost.Tests (FrontendTests), which stops the consumer, runs this with
// REELMETRICS_E2E_PIPELINE_STATE=stalled, starts the consumer and runs it again with =live.
// REELMETRICS_E2E_PIPELINE_DEADLINE (epoch ms) is the latest moment the header may show that state: the test's
// stated bound, counted from when the consumer was stopped or started (signing in takes part of it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, openSignedIn, requireRunningSystem } from './harness.mjs';

const LABELS = { live: 'Live', lagging: 'Lagging', stalled: 'Stalled' };
const expected = process.env.REELMETRICS_E2E_PIPELINE_STATE || 'live';
const deadline = Number(process.env.REELMETRICS_E2E_PIPELINE_DEADLINE || Date.now() + 60_000);
// However late sign-in ends, the page gets a few seconds to take the stream's first status.
const MIN_WAIT_MS = 5_000;

let browser;

before(async () => {
  assert.ok(expected in LABELS, `REELMETRICS_E2E_PIPELINE_STATE must be one of ${Object.keys(LABELS).join(', ')}`);
  await requireRunningSystem();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

describe('pipeline status in the header', () => {
  it(`shows "${LABELS[expected]}" by the deadline`, async () => {
    const page = await openSignedIn(browser, '/theaters');
    try {
      const status = page.getByTestId('freshness');
      await status.waitFor();
      const timeout = Math.max(MIN_WAIT_MS, deadline - Date.now());
      try {
        await page.waitForFunction(
          (state) => document.querySelector('[data-testid="freshness"]')?.getAttribute('data-state') === state,
          expected,
          { timeout },
        );
      } catch {
        assert.fail(`the header still said "${(await status.textContent())?.trim()}" (title: ${await status.getAttribute('title')})`);
      }
      const text = (await status.textContent()).trim();
      assert.match(text, new RegExp(`^${LABELS[expected]} · `));
      console.log(`header: ${text} (${Math.round((deadline - Date.now()) / 1000)} s before the deadline)`);
      // The browser's own connection is fine all along: the state is the pipeline's.
      assert.equal(await page.getByTestId('connection').count(), 0);
    } finally {
      await page.context().close();
    }
  });
});
