// CI: walks every page of a running Partnerpuls (the production build) as an administrator, the
// way a person clicks through it: creates the first admin from a setup link, then follows every
// same-site link and loads every stylesheet, script and image it finds. Fails on any 5xx, on a
// page that is not 200 (after redirects), and when it found suspiciously few pages.
//   node tools/walk-built-app.mjs BASE_URL SETUP_LINK [MIN_PAGES]
import * as cheerio from 'cheerio';

const [base, setupArg, minPagesArg] = process.argv.slice(2);
const setupLink = setupArg && new URL(setupArg, base).pathname; // the path only: BASE_URL may name the proxy
if (!base || !setupArg) {
  console.error('usage: node tools/walk-built-app.mjs BASE_URL SETUP_LINK [MIN_PAGES]');
  process.exit(2);
}
const MIN_PAGES = Number(minPagesArg ?? 25);
const MAX_PAGES = 600;
const cookies = new Map();

function remember(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

async function get(url) {
  const res = await fetch(new URL(url, base), { headers: { cookie: cookieHeader() }, redirect: 'manual' });
  remember(res);
  return res;
}

/** Follows redirects on the same site (keeping cookies); returns the final response and its path. */
async function load(path) {
  let res = await get(path);
  for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
    path = new URL(res.headers.get('location'), new URL(path, base)).pathname + new URL(res.headers.get('location'), base).search;
    res = await get(path);
  }
  return { res, path };
}

async function createAdmin() {
  const page = await get(setupLink);
  if (page.status !== 200) throw new Error(`setup link: ${page.status}`);
  const $ = cheerio.load(await page.text());
  const form = new URLSearchParams({
    _csrf: $('input[name=_csrf]').val(),
    name: 'CI Administratör',
    email: 'ci-admin@region.example.se',
    password: 'ett långt lösenord för ci',
    confirm: 'ett långt lösenord för ci',
  });
  const res = await fetch(new URL(setupLink, base), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  remember(res);
  if (res.status !== 303) throw new Error(`setup: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

function sameSite(href, from) {
  if (!href || href.startsWith('#') || /^(mailto|tel|javascript|data):/i.test(href)) return null;
  const u = new URL(href, new URL(from, base));
  if (u.origin !== new URL(base).origin) return null;
  return u.pathname + u.search;
}

const problems = [];
const seen = new Set();
const assets = new Set();
let pages = 0;

async function walk(start) {
  const queue = [...start];
  while (queue.length && seen.size < MAX_PAGES) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const { res, path: landed } = await load(path);
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200) {
      problems.push(`${res.status} ${path}`);
      await res.arrayBuffer();
      continue;
    }
    if (!type.startsWith('text/html')) {
      await res.arrayBuffer(); // a download (CSV, JSON, SVG)
      continue;
    }
    pages++;
    const $ = cheerio.load(await res.text());
    $('a[href]').each((_i, a) => {
      const p = sameSite($(a).attr('href'), landed);
      if (p && !seen.has(p) && !/\/logga-ut|\/logout/.test(p)) queue.push(p);
    });
    $('link[href], script[src], img[src]').each((_i, el) => {
      const p = sameSite($(el).attr('href') ?? $(el).attr('src'), landed);
      if (p) assets.add(p);
    });
  }
}

async function main() {
  // anonymous pages first
  for (const p of ['/login', '/tillganglighet']) {
    const { res } = await load(p);
    if (res.status !== 200) problems.push(`${res.status} ${p} (anonymous)`);
    await res.arrayBuffer();
  }
  const missing = await get('/finns-inte-' + Date.now());
  if (missing.status !== 404) problems.push(`${missing.status} for an unknown page (expected 404)`);
  await missing.arrayBuffer();

  await createAdmin();
  await walk(['/']);
  for (const a of assets) {
    const res = await get(a);
    if (res.status !== 200) problems.push(`${res.status} ${a} (asset)`);
    await res.arrayBuffer();
  }
  console.log(`walked ${pages} pages (${seen.size} links) and ${assets.size} static files`);
  if (pages < MIN_PAGES) problems.push(`only ${pages} pages found (expected at least ${MIN_PAGES})`);
  if (problems.length) {
    console.error(`problems:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
