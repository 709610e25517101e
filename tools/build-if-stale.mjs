// `npm start` runs this first (prestart): builds dist/ with tsc when the TypeScript sources are
// newer than the build, and does nothing when the build is current — so a newcomer's
// `npm ci && npm start` works, and a server with production dependencies only and a copied
// dist/ (no TypeScript there) starts without building.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'dist', 'server', 'index.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return fs.statSync(built).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = ['server', 'migrations'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
const stale = builtAt() === 0 || sources.some((d) => newestSource(d) > builtAt());
if (!stale) process.exit(0);

let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (builtAt() > 0) process.exit(0); // a copied build on a server without TypeScript: use it as it is
  console.error(
    'Partnerpuls är inte byggt (dist/ saknas) och TypeScript finns inte här (installerat med --omit=dev?).\n' +
      'Bygg på en maskin med alla beroenden (npm ci && npm run build) och kopiera dist/ hit, eller kör npm ci utan --omit=dev.',
  );
  process.exit(1);
}
console.error('Bygger Partnerpuls (npm run build) …');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });
if (r.status !== 0) {
  console.error('Bygget misslyckades (se felen ovan). Rätta dem, eller kör utvecklingsläget med npm run dev.');
  process.exit(r.status ?? 1);
}
fs.utimesSync(built, new Date(), new Date()); // tsc leaves unchanged output files alone
