// Runs a command (e.g. `npm run e2e`) against the frontend's production build served by
// `vite preview`, proxying to two FAKE APIs (e2e/fake-api.mjs) instead of the real backends and
// signing in at a FAKE identity service (e2e/fake-identity.mjs). The demo users' passwords are
// REELMETRICS_DEMO_{VIEWER,OPERATOR,ADMIN}_PASSWORD when set, else generated for this run; the
// command gets them in the same variables.
// Usage: node e2e/with-fake-system.mjs <command> [args...]   (builds first unless --no-build)

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeApi } from './fake-api.mjs';
import { demoUsers, startFakeIdentity } from './fake-identity.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// --dev: the Vite dev server (as `npm run dev` under Aspire) instead of building and `vite preview`.
const dev = args[0] === '--dev';
const noBuild = dev || args[0] === '--no-build';
const command = args[0] === '--dev' || args[0] === '--no-build' ? args.slice(1) : args;
if (command.length === 0) {
  console.error('usage: node e2e/with-fake-system.mjs [--no-build | --dev] <command> [args...]');
  process.exit(2);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function run(cmd, cmdArgs, env) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const passwords = {};
for (const role of ['VIEWER', 'OPERATOR', 'ADMIN']) {
  const name = `REELMETRICS_DEMO_${role}_PASSWORD`;
  passwords[name] = process.env[name] || randomBytes(12).toString('base64url');
}
const identity = await startFakeIdentity({ users: demoUsers(passwords) });
const dapper = await startFakeApi({ name: 'dapper', issuer: identity.issuer });
const ef = await startFakeApi({ name: 'ef', issuer: identity.issuer });
console.log(`[fake-system] FAKE identity on ${identity.url}, FAKE api-dapper on ${dapper.url}, FAKE api-ef on ${ef.url}`);

// Both the names Aspire uses and the shell-safe ones (an `sh -c` drops names with a hyphen);
// Vite is started with node directly, so the Aspire names reach it as they would under Aspire.
const env = {
  ...process.env,
  'services__api-dapper__http__0': dapper.url,
  'services__api-ef__http__0': ef.url,
  REELMETRICS_API_DAPPER_URL: dapper.url,
  REELMETRICS_API_EF_URL: ef.url,
  REELMETRICS_IDENTITY_URL: identity.url,
  ...passwords,
};
const vite = resolve(root, 'node_modules/vite/bin/vite.js');

let preview;
let exitCode;
try {
  if (!noBuild) {
    const built = await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], env);
    if (built !== 0) throw new Error('vite build failed');
  }
  const port = await freePort();
  const serve = dev ? [] : ['preview'];
  preview = spawn(process.execPath, [vite, ...serve, '--port', String(port), '--strictPort', '--host', 'localhost'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const frontendUrl = `http://localhost:${port}`;
  await waitForHttp(`${frontendUrl}/`, 30_000);
  await waitForHttp(`${frontendUrl}/api/dapper/alive`, 10_000);
  console.log(`[fake-system] vite ${dev ? 'dev server' : 'preview'} on ${frontendUrl}; running: ${command.join(' ')}`);
  exitCode = await run(command[0], command.slice(1), { ...env, REELMETRICS_FRONTEND_URL: frontendUrl });
} catch (error) {
  console.error(`[fake-system] ${error.message}`);
  exitCode = 1;
} finally {
  if (preview?.pid) {
    try {
      process.kill(-preview.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await dapper.close();
  await ef.close();
  await identity.close();
}
process.exit(exitCode);
