// FAKE identity service — for testing the frontend only. NOT the real ReelMetrics.Identity.
//
// A minimal OpenID Connect provider shaped like the real one (same endpoints, client ids, scopes,
// claims and sign-in form field names), so the browser tests sign in the same way against both:
// discovery, /connect/authorize (authorization code + PKCE S256) with a sign-in page whose form has
// inputs `username` and `password`, /connect/token (authorization_code, refresh_token with rotation,
// password for `reelmetrics-cli`), /connect/endsession, /connect/userinfo, and CORS for the browser.
// Tokens are well-formed JWTs that are NOT signed (alg "none"): the fake APIs (fake-api.mjs) only
// read them. Run alone: `node e2e/fake-identity.mjs --port 18003` (demo passwords from
// REELMETRICS_DEMO_{VIEWER,OPERATOR,ADMIN}_PASSWORD).

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

export const DASHBOARD_CLIENT = 'reelmetrics-dashboard';
export const CLI_CLIENT = 'reelmetrics-cli';
export const API_AUDIENCE = 'reelmetrics-api';
const SCOPES = ['openid', 'profile', 'roles', 'offline_access', 'reelmetrics.api'];
const SESSION_COOKIE = 'fake_identity_session';

/** The demo users as the real identity seeds them; passwords from the environment, as the AppHost passes them. */
export function demoUsers(env = process.env) {
  const user = (name, role, variable) => ({ name, roles: [role], password: env[variable] });
  return [
    user('viewer', 'viewer', 'REELMETRICS_DEMO_VIEWER_PASSWORD'),
    user('operator', 'operator', 'REELMETRICS_DEMO_OPERATOR_PASSWORD'),
    user('admin', 'admin', 'REELMETRICS_DEMO_ADMIN_PASSWORD'),
  ];
}

const base64url = (buffer) => Buffer.from(buffer).toString('base64url');
const newId = () => base64url(randomBytes(24));

/** An unsigned JWT (header alg "none", empty signature). */
export function unsignedJwt(claims) {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** The payload of a JWT, or undefined. */
export function jwtPayload(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** One `role` claim per role, as JSON carries repeated claims: a string for one, an array for several. */
const roleClaim = (roles) => (roles.length === 1 ? roles[0] : roles);

/** Redirect URIs of the dashboard on any loopback origin (the tests pick free ports). */
function isLoopback(uri, path) {
  try {
    const url = new URL(uri);
    return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && (path === undefined || url.pathname === path);
  } catch {
    return false;
  }
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function signInPage({ returnUrl, error, username = '' }) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ReelMetrics (fake identity)</title>
<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;font-family:system-ui,sans-serif;background:linear-gradient(#0f172a,#1e293b);color:#0f172a}
main{background:#fff;border-radius:10px;padding:2rem;width:min(100% - 2rem,24rem);box-shadow:0 10px 30px rgb(0 0 0/35%)}
h1{font-size:1.4rem;margin:0 0 .25rem} p{color:#475569;margin:0 0 1rem} label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #94a3b8;border-radius:6px;font:inherit}
button{margin-top:1.25rem;width:100%;padding:.6rem;border:0;border-radius:6px;background:#1d4ed8;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.error{color:#b91c1c;font-weight:600}
</style></head><body><main>
<h1>Sign in to ReelMetrics</h1><p>Fake identity service for tests.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/account/signin">
<input type="hidden" name="ReturnUrl" value="${escapeHtml(returnUrl)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" value="${escapeHtml(username)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function cookies(req) {
  return Object.fromEntries(
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .filter(([name]) => name),
  );
}

/**
 * Starts the fake identity service. `users`: [{ name, password, roles }] (users without a password
 * cannot sign in). Returns { url, issuer, port, close }.
 */
export async function startFakeIdentity({ port = 0, users = demoUsers(), accessTokenSeconds = 900 } = {}) {
  const sessions = new Map(); // cookie value -> user
  const codes = new Map(); // code -> { user, clientId, redirectUri, challenge, nonce, scope, authTime }
  const refreshTokens = new Map(); // refresh token -> { user, clientId, scope, authTime }
  let issuer = '';

  const findUser = (name, password) =>
    users.find((u) => u.name === name && typeof u.password === 'string' && u.password.length > 0 && u.password === password);

  function issueTokens({ user, clientId, scope, nonce, authTime }) {
    const now = Math.floor(Date.now() / 1000);
    const access_token = unsignedJwt({
      iss: issuer,
      aud: API_AUDIENCE,
      sub: user.name,
      name: user.name,
      role: roleClaim(user.roles),
      client_id: clientId,
      scope: scope.join(' '),
      iat: now,
      nbf: now,
      exp: now + accessTokenSeconds,
      jti: newId(),
    });
    const body = { access_token, token_type: 'Bearer', expires_in: accessTokenSeconds, scope: scope.join(' ') };
    if (scope.includes('openid')) {
      body.id_token = unsignedJwt({
        iss: issuer,
        aud: clientId,
        sub: user.name,
        name: user.name,
        role: roleClaim(user.roles),
        iat: now,
        exp: now + 3600,
        auth_time: authTime,
        ...(nonce ? { nonce } : {}),
      });
    }
    if (scope.includes('offline_access')) {
      body.refresh_token = newId();
      refreshTokens.set(body.refresh_token, { user, clientId, scope, authTime });
    }
    return body;
  }

  const server = http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    }
    const url = new URL(req.url ?? '/', issuer);
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const redirect = (location, headers = {}) => {
      res.writeHead(302, { location, ...headers });
      res.end();
    };
    const html = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    const oauthError = (error, description, status = 400) => json(status, { error, error_description: description });

    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        });
        return res.end();
      }

      if (url.pathname === '/.well-known/openid-configuration' && req.method === 'GET') {
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}connect/authorize`,
          token_endpoint: `${issuer}connect/token`,
          end_session_endpoint: `${issuer}connect/endsession`,
          userinfo_endpoint: `${issuer}connect/userinfo`,
          jwks_uri: `${issuer}.well-known/jwks`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
          code_challenge_methods_supported: ['S256'],
          scopes_supported: SCOPES,
          claims_supported: ['sub', 'name', 'role'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['none'],
          token_endpoint_auth_methods_supported: ['none'],
        });
      }
      if (url.pathname === '/.well-known/jwks') return json(200, { keys: [] });

      if (url.pathname === '/connect/authorize' && req.method === 'GET') {
        const p = url.searchParams;
        const redirectUri = p.get('redirect_uri') ?? '';
        if (p.get('client_id') !== DASHBOARD_CLIENT) return html(400, 'Unknown client_id.');
        if (!isLoopback(redirectUri, '/signin-callback')) return html(400, 'redirect_uri is not registered.');
        if (p.get('response_type') !== 'code') return html(400, 'Only response_type=code.');
        if (!p.get('code_challenge') || p.get('code_challenge_method') !== 'S256') return html(400, 'PKCE (S256) is required.');
        const user = sessions.get(cookies(req)[SESSION_COOKIE]);
        if (!user || p.get('prompt') === 'login') {
          return redirect(`/account/signin?ReturnUrl=${encodeURIComponent(`${url.pathname}${url.search}`)}`);
        }
        const scope = (p.get('scope') ?? '').split(' ').filter((s) => SCOPES.includes(s));
        const code = newId();
        codes.set(code, {
          user: user.user,
          clientId: DASHBOARD_CLIENT,
          redirectUri,
          challenge: p.get('code_challenge'),
          nonce: p.get('nonce'),
          scope,
          authTime: user.authTime,
        });
        setTimeout(() => codes.delete(code), 60_000).unref();
        const target = new URL(redirectUri);
        target.searchParams.set('code', code);
        if (p.get('state')) target.searchParams.set('state', p.get('state'));
        return redirect(target.href);
      }

      if (url.pathname === '/account/signin') {
        if (req.method === 'GET') return html(200, signInPage({ returnUrl: url.searchParams.get('ReturnUrl') ?? '/' }));
        if (req.method === 'POST') {
          const form = new URLSearchParams(await readBody(req));
          const returnUrl = form.get('ReturnUrl') ?? '/';
          const user = findUser(form.get('username'), form.get('password'));
          if (!user) {
            return html(
              200,
              signInPage({ returnUrl, username: form.get('username') ?? '', error: 'The user name or password is not right.' }),
            );
          }
          const session = newId();
          sessions.set(session, { user, authTime: Math.floor(Date.now() / 1000) });
          const next = returnUrl.startsWith('/connect/authorize') ? returnUrl : '/';
          return redirect(next, { 'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax` });
        }
      }

      if (url.pathname === '/connect/token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const clientId = form.get('client_id');
        const grant = form.get('grant_type');
        if (grant === 'authorization_code') {
          const code = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          if (!code || code.clientId !== clientId || code.redirectUri !== form.get('redirect_uri')) {
            return oauthError('invalid_grant', 'The authorization code is not valid.');
          }
          const verifier = form.get('code_verifier') ?? '';
          if (base64url(createHash('sha256').update(verifier).digest()) !== code.challenge) {
            return oauthError('invalid_grant', 'The code verifier does not match the challenge.');
          }
          return json(200, issueTokens(code));
        }
        if (grant === 'refresh_token') {
          const token = form.get('refresh_token') ?? '';
          const grantState = refreshTokens.get(token);
          refreshTokens.delete(token); // rotation: each refresh token is used once
          if (!grantState || grantState.clientId !== clientId) return oauthError('invalid_grant', 'The refresh token is not valid.');
          return json(200, issueTokens(grantState));
        }
        if (grant === 'password' && clientId === CLI_CLIENT) {
          const user = findUser(form.get('username'), form.get('password'));
          if (!user) return oauthError('invalid_grant', 'The user name or password is not right.');
          const scope = (form.get('scope') ?? 'openid reelmetrics.api').split(' ').filter((s) => SCOPES.includes(s));
          return json(200, issueTokens({ user, clientId, scope, authTime: Math.floor(Date.now() / 1000) }));
        }
        return oauthError('unsupported_grant_type', `grant_type ${grant} is not allowed for ${clientId}.`);
      }

      if (url.pathname === '/connect/endsession' && req.method === 'GET') {
        const session = cookies(req)[SESSION_COOKIE];
        if (session) sessions.delete(session);
        const clear = { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` };
        const target = url.searchParams.get('post_logout_redirect_uri');
        if (target && isLoopback(target, '/')) {
          const next = new URL(target);
          if (url.searchParams.get('state')) next.searchParams.set('state', url.searchParams.get('state'));
          return redirect(next.href, clear);
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...clear });
        return res.end('Signed out.');
      }

      if (url.pathname === '/connect/userinfo') {
        const claims = jwtPayload((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!claims || claims.iss !== issuer || claims.exp * 1000 < Date.now()) return json(401, { error: 'invalid_token' });
        return json(200, { sub: claims.sub, name: claims.name, role: claims.role });
      }

      return json(404, { error: 'not_found' });
    } catch (error) {
      return oauthError('invalid_request', error.message);
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const url = `http://127.0.0.1:${actualPort}`;
  issuer = `${url}/`;
  return {
    port: actualPort,
    url,
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// CLI: node e2e/fake-identity.mjs --port 18003
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port');
  const identity = await startFakeIdentity({ port: i >= 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`FAKE identity listening on ${identity.url}`);
  const stop = () => identity.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
