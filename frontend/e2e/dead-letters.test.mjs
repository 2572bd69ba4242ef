// End-to-end tests of the dead-letter console (operators and admins), against a running system or the fake one
// (`npm run e2e:fake`). They only read: they must not replay or discard the real system's letters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, openSignedIn, requireRunningSystem } from './harness.mjs';

let browser;

before(async () => {
  await requireRunningSystem();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

describe('dead-letter console', () => {
  it('is linked for an operator, lists letters with their reasons, and shows payloads as text', async () => {
    const page = await openSignedIn(browser, '/', { role: 'operator' });
    try {
      await page.getByRole('link', { name: 'Dead letters' }).click();
      await page.getByTestId('dead-letters-page').waitFor();
      await page.locator('[data-testid="dead-letters-table"], [data-testid="dead-letters-empty"]').first().waitFor({ timeout: 30_000 });
      const rows = await page.getByTestId('dead-letter-row').count();
      if (rows > 0) {
        assert.ok((await page.getByTestId('letter-reason').first().textContent())?.trim());
        // Whatever the payloads hold, no markup from them reaches the page.
        assert.equal(await page.locator('[data-testid="dead-letters-table"] img').count(), 0);
        const previews = await page.getByTestId('letter-preview').allTextContents();
        assert.equal(previews.length, rows);
      }
    } finally {
      await page.context().close();
    }
  });

  it('is not linked for a viewer', async () => {
    const page = await openSignedIn(browser, '/', { role: 'viewer' });
    try {
      await page.getByTestId('user-role').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Dead letters' }).count(), 0);
    } finally {
      await page.context().close();
    }
  });
});
