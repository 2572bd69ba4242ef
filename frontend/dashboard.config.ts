import type { Connect, Plugin } from 'vite';

type Env = Record<string, string | undefined>;

/** The identity service when nothing says otherwise (its fixed local port, `ReelMetrics:Ports:Identity`). */
export const DEFAULT_IDENTITY_URL = 'http://localhost:8003';

/** What the browser needs to know at run time; served as `GET /config.json`. */
export interface DashboardSettings {
  /** The OpenID Connect authority (the identity service's base URL, which is also its issuer). */
  identity_url: string;
}

/**
 * Where the identity service listens: `REELMETRICS_IDENTITY_URL` (set by the AppHost), else the
 * address Aspire passes for a referenced `identity` resource, else the fixed local port.
 */
export function identityUrl(env: Env): string {
  const url = env.REELMETRICS_IDENTITY_URL ?? env.services__identity__http__0 ?? env.services__identity__https__0 ?? DEFAULT_IDENTITY_URL;
  return url.replace(/\/+$/, '');
}

export function dashboardSettings(env: Env): DashboardSettings {
  return { identity_url: identityUrl(env) };
}

/**
 * Serves the dashboard's run-time settings as `/config.json` from both the dev server and
 * `vite preview`. Read at serve time, not baked into the bundle, so a build can be served against
 * an identity service whose port is only known when the system starts.
 */
export function dashboardSettingsPlugin(settings: DashboardSettings): Plugin {
  const body = JSON.stringify(settings);
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return {
    name: 'reelmetrics-dashboard-settings',
    configureServer: (server) => {
      server.middlewares.use('/config.json', handler);
    },
    configurePreviewServer: (server) => {
      server.middlewares.use('/config.json', handler);
    },
  };
}

/**
 * Security headers of the served dashboard (OWASP: CSP, framing, sniffing, referrer).
 * Production (`vite preview`) is strict: scripts and styles only from the dashboard's own origin,
 * requests only to it and the identity service, never framed. The dev server needs three
 * relaxations for Vite itself, in dev mode only: the React Refresh preamble is an inline script,
 * CSS is injected as inline `<style>` elements, and hot reload talks over a WebSocket.
 */
export function securityHeaders(identity: string, mode: 'dev' | 'production'): Record<string, string> {
  const identityOrigin = new URL(identity).origin;
  const dev = mode === 'dev';
  const directives = [
    "default-src 'self'",
    `script-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    `style-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${identityOrigin}${dev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  return {
    'Content-Security-Policy': directives.join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };
}
