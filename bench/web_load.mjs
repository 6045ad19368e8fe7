// Measures the web player in headless Chromium (Debian's, driven by playwright-core from
// tests/e2e/node_modules). Run by bench/web_load.py, which seeds the library and starts juke.
//
// Env: JUKE_URL, JUKE_TOKEN (a session token: the cold loads start signed in), RUNS,
// CHROMIUM. Prints one JSON object on stdout:
//   cold: [{bytes, bytes_no_covers, requests, covers, dcl_ms, ready_ms, long_tasks_ms}] per run
//   grid: {albums_total, first_view: {tiles, covers}, after_scroll: {...}}

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../tests/e2e/package.json'));
const { chromium } = require('playwright-core');

const base = process.env.JUKE_URL;
const token = process.env.JUKE_TOKEN;
const runs = Number(process.env.RUNS || 15);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', '--mute-audio'],
});

/** A fresh profile (empty HTTP cache) signed in: the token in localStorage, the media cookie. */
async function freshContext(viewport = { width: 1280, height: 800 }) {
  const url = new URL(base);
  return browser.newContext({
    viewport,
    storageState: {
      cookies: [{ name: 'juke_session', value: token, domain: url.hostname, path: '/api/v1/', httpOnly: true, sameSite: 'Strict', secure: false, expires: -1 }],
      origins: [{ origin: url.origin, localStorage: [{ name: 'juke.token', value: token }] }],
    },
  });
}

const isCover = (u) => /\/api\/v1\/(albums\/[^/]+\/cover|artists\/[^/]+\/image)/.test(u);

async function coldLoad() {
  const context = await freshContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  let bytes = 0;
  let bytesNoCovers = 0;
  let requests = 0;
  let covers = 0;
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    const u = urls.get(e.requestId) || '';
    requests += 1;
    bytes += e.encodedDataLength;
    if (isCover(u)) covers += 1;
    else bytesNoCovers += e.encodedDataLength;
  });
  await page.addInitScript(() => {
    window.__longTasks = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks += entry.duration;
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(base, { waitUntil: 'commit' });
  // Interactive: the greeting and every home section rendered with data (no spinner left),
  // and the player bar's buttons in place.
  const readyMs = await page.waitForFunction(() => {
    const h1 = document.querySelector('main h1');
    const loading = document.querySelector('.loading');
    const play = document.querySelector('footer.player .play-btn');
    const sections = document.querySelectorAll('main .section');
    return h1 && play && sections.length === 4 && !loading ? performance.now() : null;
  }, null, { polling: 'raf', timeout: 30000 }).then((h) => h.jsonValue());
  await page.waitForLoadState('networkidle');
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { dcl: nav.domContentLoadedEventEnd, longTasks: window.__longTasks };
  });
  await context.close();
  return {
    bytes, bytes_no_covers: bytesNoCovers, requests, covers,
    dcl_ms: timing.dcl, ready_ms: readyMs, long_tasks_ms: timing.longTasks,
  };
}

async function grid() {
  const context = await freshContext();
  const page = await context.newPage();
  let coverRequests = 0;
  page.on('request', (r) => {
    if (isCover(r.url())) coverRequests += 1;
  });
  let coversCancelled = 0;
  page.on('requestfailed', (r) => {
    if (isCover(r.url())) coversCancelled += 1;
  });
  let total = 0;
  let cursor = null;
  do {
    const res = await fetch(`${base}/api/v1/albums?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.json();
    total += body.items.length;
    cursor = body.next_cursor;
  } while (cursor);
  // Albums the page has loaded (its list requests), and the most tiles ever in the DOM at once.
  let loaded = 0;
  page.on('response', async (res) => {
    if (/\/api\/v1\/albums\?/.test(res.url())) {
      try {
        loaded += (await res.json()).items.length;
      } catch {
        // Not a list page.
      }
    }
  });
  const tilesInDom = () => page.getByTestId('album-card').count();
  const started = Date.now();
  await page.goto(`${base}/library/albums`);
  await page.getByTestId('album-card').first().waitFor();
  await page.waitForLoadState('networkidle');
  const firstView = { tiles: await tilesInDom(), loaded, covers: coverRequests, ms: Date.now() - started };
  // Scroll to the end of the grid, a screen at a time, as a person flicking through would.
  const scrollStart = Date.now();
  let maxTiles = firstView.tiles;
  let wheels = 0;
  while (loaded < total && Date.now() - scrollStart < 600000) {
    await page.mouse.wheel(0, 2400);
    await page.waitForTimeout(20);
    wheels += 1;
    if (wheels % 10 === 0) maxTiles = Math.max(maxTiles, await tilesInDom());
  }
  // The covers of where the scroll stopped settle, then load.
  await page.waitForTimeout(1000);
  await page.waitForLoadState('networkidle');
  const afterScroll = { tiles: await tilesInDom(), max_tiles: maxTiles, loaded, covers: coverRequests, cancelled: coversCancelled, wheels, ms: Date.now() - scrollStart };
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  await context.close();
  return { albums_total: total, first_view: firstView, after_scroll: afterScroll, js_heap_bytes: heap };
}

const cold = [];
for (let i = 0; i < runs; i += 1) cold.push(await coldLoad());
const gridResult = await grid();
await browser.close();
console.log(JSON.stringify({ cold, grid: gridResult }));
