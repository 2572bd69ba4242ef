/// <reference types="vitest/config" />
import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';
import { backendProxy } from './proxy.config.ts';

// The browser only ever talks to this server: /api/dapper/* and /api/ef/* are proxied to the two
// APIs, whose addresses Aspire passes as services__<name>__http__0 (see proxy.config.ts).
const proxy: Record<string, ProxyOptions> = backendProxy(process.env);

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  // `vite preview` serves the production build with the same proxy.
  preview: { proxy },
  build: { sourcemap: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
