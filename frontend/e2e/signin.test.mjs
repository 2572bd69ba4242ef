// Browser tests of signing in, shared by the fake system (`npm run e2e:fake`) and the real running
// system (`npm run e2e` with REELMETRICS_FRONTEND_URL and the demo users' passwords in
// REELMETRICS_DEMO_{VIEWER,OPERATOR,ADMIN}_PASSWORD, as the AppHost shows them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  FRONTEND_URL,
  identityUrl,
  launchBrowser,
  newPage,
  onSignInForm,
  openSignedIn,
  requireRunningSystem,
  signInAs,
  waitForPage,
} from './harness.mjs';

const USER_KEY = 'oidc.user:';

let browser;
let identityOrigin;

before(async () => {
  await requireRunningSystem();
  identityOrigin = new URL(await identityUrl()).origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const close = (page) => page.context().close();

/** The signed-in user as the dashboard keeps it (sessionStorage), or undefined. */
function storedUser(page) {
  return page.evaluate((prefix) => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith(prefix));
    return key ? { key, user: JSON.parse(sessionStorage.getItem(key)) } : undefined;
  }, USER_KEY);
}

/** Replaces stored tokens, as if the identity service had stopped accepting them. */
function spoilTokens(page, fields) {
  return page.evaluate(
    ({ prefix, fields }) => {
      const key = Object.keys(sessionStorage).find((k) => k.startsWith(prefix));
      const user = JSON.parse(sessionStorage.getItem(key));
      sessionStorage.setItem(key, JSON.stringify({ ...user, ...fields }));
    },
    { prefix: USER_KEY, fields },
  );
}

describe('signing in', () => {
  it('sends a signed-out visitor to the sign-in page, and back to the page they asked for', async () => {
    const page = await newPage(browser);
    try {
      await page.goto(`${FRONTEND_URL}/top-theater?date=2000-01-01`);
      await page.waitForURL((url) => url.origin === identityOrigin);
      assert.ok(await onSignInForm(page), 'the identity service shows its sign-in form');
      assert.equal(await page.locator('input[name="password"]').getAttribute('type'), 'password');

      await signInAs(page, 'viewer');
      assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/top-theater?date=2000-01-01');
      await page.getByTestId('top-theater-no-sales').waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await close(page);
    }
  });

  for (const role of ['viewer', 'operator', 'admin']) {
    it(`shows the demo ${role} and their role in the header`, async () => {
      const page = await openSignedIn(browser, '/theaters', { role });
      try {
        await page.getByTestId('theater-row').first().waitFor();
        assert.equal((await page.getByTestId('user-role').textContent()).trim(), role);
        assert.ok((await page.getByTestId('user-name').textContent()).trim().length > 0);
      } finally {
        await close(page);
      }
    });
  }

  it('does not accept a wrong password', async () => {
    const page = await newPage(browser);
    try {
      await page.goto(`${FRONTEND_URL}/`);
      await page.waitForURL((url) => url.origin === identityOrigin);
      await page.locator('input[name="username"]').fill('viewer');
      await page.locator('input[name="password"]').fill('not-the-password');
      await page.locator('button[type="submit"], input[type="submit"]').first().click();
      await page.waitForLoadState();
      assert.equal(new URL(page.url()).origin, identityOrigin, 'still at the identity service');
      assert.ok(await onSignInForm(page), 'the form is shown again');
    } finally {
      await close(page);
    }
  });
});

describe('the sign-in callback loaded again', () => {
  it('(reload, back button) returns to the page the sign-in went to, instead of failing on the spent code', async () => {
    const page = await openSignedIn(browser, '/top-theater?date=2000-01-01');
    try {
      await page.getByTestId('top-theater-no-sales').waitFor();
      const callback = page.trail.map((line) => line.match(/navigated to (\S*\/signin-callback\?\S+)/)?.[1]).find(Boolean);
      assert.ok(callback, `the sign-in came back through /signin-callback:\n${page.trail.join('\n')}`);

      await page.goto(callback);
      await waitForPage(page, (url) => url.pathname === '/top-theater', 'back on /top-theater');
      assert.equal(new URL(page.url()).search, '?date=2000-01-01');
      await page.getByTestId('top-theater-no-sales').waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await close(page);
    }
  });
});

describe('signing out', () => {
  it('ends the session here and at the identity service', async () => {
    const page = await openSignedIn(browser, '/theaters');
    try {
      await page.getByTestId('theater-row').first().waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
      assert.equal(new URL(page.url()).origin, FRONTEND_URL);
      assert.equal(await storedUser(page), undefined, 'no tokens are kept');
      assert.equal(await page.getByTestId('user-menu').count(), 0);

      // Signing in again asks for the password: the identity service's session ended too.
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === identityOrigin);
      assert.ok(await onSignInForm(page));
    } finally {
      await close(page);
    }
  });
});

describe('an access token that is no longer accepted', () => {
  it('is renewed silently with the refresh token, without leaving the page', async () => {
    const page = await openSignedIn(browser, '/theaters');
    try {
      await page.getByTestId('theater-row').first().waitFor();
      const before = await storedUser(page);
      await spoilTokens(page, { access_token: 'expired.access.token' });

      const navigations = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      const refused = page.waitForResponse((r) => r.url().endsWith('/api/ef/theaters') && r.status() === 401);
      const served = page.waitForResponse((r) => r.url().endsWith('/api/ef/theaters') && r.ok());
      await page.getByRole('radio', { name: 'EF Core' }).check();
      await refused;
      await served;
      await page.getByTestId('theater-row').first().waitFor();

      assert.deepEqual(navigations, [], 'the page was not left');
      assert.equal(new URL(page.url()).pathname, '/theaters');
      const after = await storedUser(page);
      assert.notEqual(after.user.access_token, 'expired.access.token');
      assert.notEqual(after.user.access_token, before.user.access_token);
      assert.deepEqual(page.errors, []);
    } finally {
      await close(page);
    }
  });

  it('when the session cannot be renewed, signs in again and returns to the same page', async () => {
    const page = await openSignedIn(browser, '/top-theater?date=2000-01-01');
    try {
      await page.getByTestId('top-theater-no-sales').waitFor();
      await spoilTokens(page, { access_token: 'expired.access.token', refresh_token: 'revoked-refresh-token' });

      // Listening before the click: the round trip can be over before a later wait would start.
      const leftThePage = page.waitForURL((url) => url.origin === identityOrigin || url.pathname === '/signin-callback', {
        waitUntil: 'commit',
        timeout: 30_000,
      });
      await page.getByRole('radio', { name: 'EF Core' }).check();
      await leftThePage;
      // The identity service may still know the browser (its own session): then it answers at once, with no form.
      if (new URL(page.url()).origin === identityOrigin) {
        await page.waitForLoadState();
        if (await onSignInForm(page)) await signInAs(page, 'viewer');
      }
      await waitForPage(page, (url) => url.origin === FRONTEND_URL && url.pathname === '/top-theater', 'back on /top-theater');
      assert.equal(new URL(page.url()).search, '?date=2000-01-01');
      await page.getByTestId('top-theater-no-sales').waitFor();
      assert.equal(await page.getByTestId('current-backend').textContent(), 'EF Core');
    } finally {
      await close(page);
    }
  });
});

describe('the served dashboard', () => {
  it('sends security headers, with a strict policy for the production build', async () => {
    const response = await fetch(`${FRONTEND_URL}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.ok(csp.includes(`connect-src 'self' ${identityOrigin}`), `connect-src names the identity service: ${csp}`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    const html = await response.text();
    if (!html.includes('/@vite/client')) {
      // The production build (vite preview): no inline scripts or styles allowed at all.
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
    }
  });

  it('answers the APIs only to signed-in users (401 through the proxy), /alive to anyone', async () => {
    for (const backend of ['dapper', 'ef']) {
      const response = await fetch(`${FRONTEND_URL}/api/${backend}/theaters`);
      assert.equal(response.status, 401, `${backend} without a token`);
      const alive = await fetch(`${FRONTEND_URL}/api/${backend}/alive`);
      assert.equal(alive.status, 200, `${backend} /alive stays open`);
    }
  });
});
