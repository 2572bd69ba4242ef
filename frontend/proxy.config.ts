import type { ProxyOptions } from 'vite';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The two REST backends, by the path prefix the browser uses. */
export const backends = {
  dapper: { service: 'api-dapper', override: 'REELMETRICS_API_DAPPER_URL', fallback: 'http://localhost:8001' },
  ef: { service: 'api-ef', override: 'REELMETRICS_API_EF_URL', fallback: 'http://localhost:8002' },
} as const;

type Env = Record<string, string | undefined>;

/**
 * Where a backend listens. Aspire hands a referenced service's address to the process as
 * `services__<name>__http__0`. A name with a hyphen is not a valid shell identifier, and the
 * `sh -c` through which `npm run` starts Vite drops such variables (dash and bash both do), so
 * `REELMETRICS_API_<NAME>_URL` is read as well; without either, the fixed local port is used.
 */
export function backendTarget(env: Env, service: string, override: string, fallback: string): string {
  return (
    env[`services__${service}__http__0`] ??
    env[`services__${service}__https__0`] ??
    env[override] ??
    env[`services__${service.replaceAll('-', '_')}__http__0`] ??
    fallback
  );
}

/**
 * Proxy rules for both the dev server and `vite preview`:
 * `/api/<backend>/x` → `<backend address>/x`. Responses stream through unbuffered (http-proxy pipes
 * them), which is what the Server-Sent Events of `/live` need. When a backend cannot be reached the
 * proxy answers 502 problem details marked with `x-reelmetrics-proxy: unreachable`.
 */
export function backendProxy(env: Env): Record<string, ProxyOptions> {
  const rules: Record<string, ProxyOptions> = {};
  for (const [key, { service, override, fallback }] of Object.entries(backends)) {
    const target = backendTarget(env, service, override, fallback);
    const prefix = `/api/${key}`;
    rules[prefix] = {
      target,
      changeOrigin: true,
      rewrite: (path) => path.slice(prefix.length) || '/',
      configure: (proxy) => {
        proxy.on('proxyReq', (proxyReq, req) => {
          // Server-Sent Events must not be compressed (a compressor buffers); ask for identity.
          if ((req.headers.accept ?? '').includes('text/event-stream')) {
            proxyReq.setHeader('accept-encoding', 'identity');
          }
        });
        proxy.on('proxyRes', (proxyRes) => {
          if ((proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream')) {
            proxyRes.headers['cache-control'] = 'no-cache, no-transform';
            proxyRes.headers['x-accel-buffering'] = 'no';
          }
        });
        proxy.on('error', (_error: Error, _req: IncomingMessage, res: ServerResponse | Socket) => {
          if (!('writeHead' in res) || res.headersSent || res.writableEnded) return;
          res.writeHead(502, {
            'content-type': 'application/problem+json',
            'x-reelmetrics-proxy': 'unreachable',
          });
          res.end(
            JSON.stringify({
              type: 'about:blank',
              title: 'Backend not reachable',
              status: 502,
              detail: `${service} (${target}) did not answer.`,
            }),
          );
        });
      },
    };
  }
  return rules;
}
