/// <reference types="vitest/config" />
import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';
import { dashboardSettings, dashboardSettingsPlugin, securityHeaders } from './dashboard.config.ts';
import { backendProxy } from './proxy.config.ts';

// The browser only ever talks to this server: /api/dapper/* and /api/ef/* are proxied to the two
// APIs, whose addresses Aspire passes as services__<name>__http__0 (see proxy.config.ts).
const proxy: Record<string, ProxyOptions> = backendProxy(process.env);
// ...and, to sign in, to the identity service, whose address /config.json hands the browser.
const settings = dashboardSettings(process.env);

export default defineConfig({
  plugins: [react(), dashboardSettingsPlugin(settings)],
  server: { proxy, headers: securityHeaders(settings.identity_url, 'dev') },
  // `vite preview` serves the production build with the same proxy and the strict headers.
  preview: { proxy, headers: securityHeaders(settings.identity_url, 'production') },
  build: { sourcemap: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // styles.css as text for its contrast test (src/styles.contrast.test.ts); no component test imports it.
    css: { include: [/styles\.css/] },
    // Time limits, not expectations: the test command runs these beside the .NET suites on two cores, where a render
    // that takes 50 ms alone has taken over 5 s (vitest's default). A passing test ends as soon as it passes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
