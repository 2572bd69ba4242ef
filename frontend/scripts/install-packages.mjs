// Installs exactly what package-lock.json says (`npm ci`), but only when it has to: `npm ci` deletes node_modules
// first, which would add a minute to every `dotnet run` of the AppHost (its frontend-install step runs this).
// A stamp in node_modules remembers the hash of the lock file and package.json the last install came from.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = resolve(frontend, 'node_modules/.reelmetrics-install');

const hash = createHash('sha256');
for (const file of ['package-lock.json', 'package.json']) hash.update(readFileSync(resolve(frontend, file)));
const wanted = hash.digest('hex');

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  console.log('node_modules is current with package-lock.json: nothing to install.');
  process.exit(0);
}

const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: frontend, stdio: 'inherit' });
if (npm.status !== 0) process.exit(npm.status ?? 1);
writeFileSync(stamp, wanted);
