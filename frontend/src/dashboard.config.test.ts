import { describe, expect, it } from 'vitest';
import { identityUrl, securityHeaders } from '../dashboard.config';

const directives = (csp: string | undefined) =>
  Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );

describe('dashboard settings', () => {
  it('reads the identity URL the AppHost sets, then the Aspire reference, then the fixed port', () => {
    expect(identityUrl({ REELMETRICS_IDENTITY_URL: 'http://localhost:5301/', services__identity__http__0: 'http://x' })).toBe(
      'http://localhost:5301',
    );
    expect(identityUrl({ services__identity__http__0: 'http://localhost:5302' })).toBe('http://localhost:5302');
    expect(identityUrl({})).toBe('http://localhost:8003');
  });
});

describe('security headers of the served dashboard', () => {
  it('are strict in production: own scripts and styles only, requests to itself and the identity service, never framed', () => {
    const headers = securityHeaders('http://localhost:8003/', 'production');
    const csp = directives(headers['Content-Security-Policy']);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'", 'http://localhost:8003']);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(headers['X-Frame-Options']).toBe('DENY');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Referrer-Policy']).toBe('strict-origin-when-cross-origin');
  });

  it('relax only what Vite needs in dev mode (inline refresh preamble and styles, hot-reload socket)', () => {
    const csp = directives(securityHeaders('http://localhost:8003', 'dev')['Content-Security-Policy']);
    expect(csp['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['connect-src']).toEqual(["'self'", 'http://localhost:8003', 'ws:', 'wss:']);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
  });
});
