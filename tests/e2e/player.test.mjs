// End-to-end test of the web player in a real Chromium (Debian's), against the real `juke`
// binary that tests/api/web_player.rs starts with a small generated library. Every step checks
// what a person would see, and what the server then holds.
//
// Environment: JUKE_URL, JUKE_USER, JUKE_PASSWORD, UPLOAD_FILES (two paths, ':'-separated),
// SCREENSHOTS (folder), CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.JUKE_URL;
const username = process.env.JUKE_USER;
const password = process.env.JUKE_PASSWORD;
const uploads = (process.env.UPLOAD_FILES || '').split(':').filter(Boolean);
const shots = process.env.SCREENSHOTS || 'out';
assert.ok(base && username && password, 'JUKE_URL, JUKE_USER and JUKE_PASSWORD are required');
assert.equal(uploads.length, 2, 'UPLOAD_FILES names two files');
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // As root in CI Chromium needs --no-sandbox; the rest keep it off this closed network.
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', '--mute-audio'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
const page = await context.newPage();
page.setDefaultTimeout(15000);

const pageErrors = [];
page.on('pageerror', (err) => pageErrors.push(err.message));
const streamRequests = [];
page.on('request', (req) => {
  if (req.url().includes('/stream')) streamRequests.push({ url: req.url(), range: req.headers().range });
});
const streamResponses = [];
page.on('response', (res) => {
  if (res.url().includes('/stream')) streamResponses.push({ status: res.status(), range: res.headers()['content-range'] });
});

let token = null;
async function apiGet(path) {
  const res = await fetch(`${base}/api/v1/${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

/** Polls `check` (async, returns truthy when done) for up to `ms`. */
async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

const bar = page.getByRole('contentinfo', { name: 'Player' });
const playerTime = () => page.evaluate(() => window.jukePlayer.time);
const nowPlaying = () => page.getByTestId('now-title').textContent();

let step = 'start';
async function run(name, fn) {
  step = name;
  const started = Date.now();
  await fn();
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

try {
  await run('log in', async () => {
    await page.goto(base);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.screenshot({ path: `${shots}/login.png` });
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: /wrong username or password/i }).waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: new RegExp(`, ${username}$`) }).waitFor();
    token = await page.evaluate(() => localStorage.getItem('juke.token'));
    assert.ok(token, 'the session token is kept');
    await page.getByRole('list', { name: 'Recently added' }).getByTestId('album-card').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${shots}/home.png` });
  });

  await run('browse to an album', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    await page.getByRole('link', { name: 'Albums' }).click();
    await page.getByRole('link', { name: 'Morning Light' }).click();
    await page.getByRole('heading', { name: 'Morning Light' }).waitFor();
    assert.equal(await page.getByTestId('track-row').count(), 3);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${shots}/album.png` });
  });

  await run('play a track and currentTime advances', async () => {
    await page.getByRole('button', { name: 'Play Sunrise' }).click();
    await until('playback', async () => (await playerTime()) > 1.5);
    assert.equal(await nowPlaying(), 'Sunrise');
    const before = await playerTime();
    await page.waitForTimeout(1200);
    assert.ok((await playerTime()) > before + 0.5, 'time moves on');
    await bar.getByRole('button', { name: 'Pause' }).waitFor();
    assert.ok(streamRequests.length > 0 && streamRequests[0].url.endsWith('/stream'), 'a stable media URL (cookie auth)');
  });

  await run('seek makes a range request', async () => {
    const seen = streamRequests.length;
    const bar = page.getByRole('slider', { name: 'Seek' });
    const box = await bar.boundingBox();
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    await until('the seek', async () => (await playerTime()) > 200);
    const ranged = await until('a range request past the start', async () => streamRequests.slice(seen)
      .find((r) => /^bytes=[1-9]\d*-/.test(r.range || '')));
    assert.ok(ranged);
    await until('206 with a Content-Range past the start', async () => streamResponses.some((r) => r.status === 206 && /^bytes [1-9]/.test(r.range || '')));
    const at = await playerTime();
    await page.waitForTimeout(800);
    assert.ok((await playerTime()) > at, 'plays on after the seek');
  });

  await run('keyboard: space pauses and resumes, / focuses search', async () => {
    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await bar.getByRole('button', { name: 'Play', exact: true }).waitFor();
    await page.keyboard.press(' ');
    await bar.getByRole('button', { name: 'Pause' }).waitFor();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
    await page.locator('h1').click();
  });

  await run('resume after a reload', async () => {
    const at = await playerTime();
    await page.reload();
    await page.getByTestId('now-title').waitFor();
    assert.equal(await nowPlaying(), 'Sunrise');
    const restored = await until('the restored position', async () => {
      const t = await playerTime();
      return t > 100 ? t : null;
    });
    assert.ok(Math.abs(restored - at) < 10, `resumed near ${at}: ${restored}`);
    await bar.getByRole('button', { name: 'Play', exact: true }).click();
    await until('playing again', async () => (await playerTime()) > restored + 0.3);
  });

  await run('next track, and the play is reported with the time heard', async () => {
    const played = page.waitForRequest((r) => r.url().endsWith('/api/v1/plays') && r.method() === 'POST', { timeout: 20000 });
    await bar.getByRole('button', { name: 'Next track' }).click();
    await until('the next track', async () => (await nowPlaying()) === 'Daybreak');
    await until('its playback', async () => (await playerTime()) > 0.5);
    const request = await played;
    const body = JSON.parse(request.postData());
    assert.equal(body.device_type, 'web');
    assert.equal(body.source_type, 'album');
    assert.ok(body.duration_played >= 4 && body.duration_played <= 9, `heard ${body.duration_played} s of an 8 s track`);
    const history = await until('the play in history', async () => {
      const h = await apiGet('me/history?limit=5');
      return h.items.find((p) => p.track_title === 'Daybreak');
    });
    assert.equal(history.duration_played, body.duration_played);
    // Sunrise was heard for a few seconds only: not a play.
    assert.ok(!(await apiGet('me/history?limit=5')).items.some((p) => p.track_title === 'Sunrise'));
  });

  await run('the queue shows the album, current track marked', async () => {
    await bar.getByRole('button', { name: 'Queue' }).click();
    const queue = page.getByRole('complementary', { name: 'Queue' });
    await queue.waitFor();
    assert.equal(await queue.getByTestId('queue-item').count(), 3);
    // Daybreak ended, so Noon plays: marked as the current one.
    const current = queue.locator('[aria-current=true] .title');
    assert.equal(await current.textContent(), 'Noon');
    await queue.getByRole('button', { name: 'Remove Noon from the queue' }).click();
    assert.equal(await queue.getByTestId('queue-item').count(), 2);
    await until('the last one left playing', async () => (await current.textContent()) === 'Daybreak');
    await page.getByRole('button', { name: 'Close queue' }).click();
    await bar.getByRole('button', { name: 'Pause' }).click();
  });

  await run('favorite a track', async () => {
    await page.getByRole('button', { name: 'Add Sunrise to favorites' }).click();
    await page.getByRole('button', { name: 'Remove Sunrise from favorites' }).waitFor();
    await until('the like on the server', async () => (await apiGet('me/favorites')).items.some((t) => t.title === 'Sunrise'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Favorites' }).click();
    await page.getByRole('table', { name: 'Favorite tracks' }).getByRole('link', { name: 'Sunrise' }).waitFor();
  });

  await run('create a playlist and reorder it by drag', async () => {
    await page.goBack();
    await page.getByRole('heading', { name: 'Morning Light' }).waitFor();
    await page.getByRole('button', { name: 'More for Sunrise' }).click();
    await page.getByRole('menuitem', { name: 'Add to playlist…' }).click();
    await page.getByLabel('New playlist name').fill('Road trip');
    await page.getByRole('button', { name: 'Create and add' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    for (const title of ['Daybreak', 'Noon']) {
      await page.getByRole('button', { name: `More for ${title}` }).click();
      await page.getByRole('menuitem', { name: 'Add to playlist…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Road trip' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
    await page.getByRole('link', { name: /Road trip/ }).click();
    await page.getByRole('heading', { name: 'Road trip' }).waitFor();
    const rows = page.getByTestId('track-row');
    const titles = async () => rows.locator('.col-title a').allTextContents();
    assert.deepEqual(await titles(), ['Sunrise', 'Daybreak', 'Noon']);
    await rows.nth(2).dragTo(rows.nth(0));
    await until('the new order on screen', async () => JSON.stringify(await titles()) === JSON.stringify(['Noon', 'Sunrise', 'Daybreak']));
    const id = page.url().split('/playlists/')[1];
    await until('the new order on the server', async () => {
      const p = await apiGet(`playlists/${id}`);
      return JSON.stringify(p.tracks.map((e) => e.track.title)) === JSON.stringify(['Noon', 'Sunrise', 'Daybreak']);
    });
    await page.getByRole('switch', { name: 'Public' }).check();
    await until('public on the server', async () => (await apiGet(`playlists/${id}`)).is_public === true);
    await page.screenshot({ path: `${shots}/playlist.png` });
  });

  await run('export the playlist as M3U8 and import it back', async () => {
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export M3U8' }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), 'Road trip.m3u8');
    const file = `${shots}/Road trip.m3u8`;
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('#EXTM3U'), text.slice(0, 40));
    const order = ['Noon', 'Sunrise', 'Daybreak'].map((t) => text.indexOf(t));
    assert.ok(order.every((i) => i > 0) && order[0] < order[1] && order[1] < order[2], text);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
    await page.getByLabel('M3U8 file to import').setInputFiles(file);
    await page.getByRole('status').filter({ hasText: 'Imported 3 tracks' }).waitFor();
    await page.getByRole('heading', { name: 'Road trip' }).waitFor();
    assert.notEqual(page.url().split('/playlists/')[1], undefined);
    const titles = await page.getByTestId('track-row').locator('.col-title a').allTextContents();
    assert.deepEqual(titles, ['Noon', 'Sunrise', 'Daybreak']);
    rmSync(file);
  });

  await run('search as you type', async () => {
    const box = page.getByRole('searchbox', { name: 'Search' });
    await box.click();
    await box.pressSequentially('sunr', { delay: 60 });
    await page.getByRole('table', { name: 'Track results' }).getByRole('link', { name: 'Sunrise' }).waitFor();
    assert.ok(page.url().endsWith('/search?q=sunr'), page.url());
    await box.pressSequentially('ise', { delay: 60 });
    await page.getByRole('heading', { name: 'Results for “sunrise”' }).waitFor();
    await box.fill('');
    await box.pressSequentially('testers', { delay: 30 });
    await page.getByRole('list', { name: 'Artist results' }).getByRole('link', { name: 'The Testers' }).waitFor();
    await page.getByRole('list', { name: 'Album results' }).getByRole('link', { name: 'Morning Light' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${shots}/search.png` });
  });

  await run('upload two files and watch them complete', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click();
    await page.getByRole('heading', { name: 'Upload music' }).waitFor();
    await page.getByLabel('Audio files to upload').setInputFiles(uploads);
    const rows = page.getByTestId('upload-row');
    await until('two upload rows', async () => (await rows.count()) === 2);
    assert.equal(await rows.locator('progress').count(), 2, 'a progress bar per file');
    await until('both completed', async () => {
      const states = await rows.evaluateAll((els) => els.map((el) => el.dataset.status));
      if (states.includes('failed')) throw new Error(`an upload failed: ${await rows.allTextContents()}`);
      return states.every((s) => s === 'completed');
    }, 60000);
    const values = await rows.locator('progress').evaluateAll((els) => els.map((el) => el.value));
    assert.deepEqual(values, [100, 100]);
    assert.equal(await rows.getByRole('link', { name: 'open the track' }).count(), 2);
    await page.screenshot({ path: `${shots}/upload.png` });
    const mine = await apiGet('uploads');
    assert.equal(mine.items.filter((u) => u.upload_status === 'completed').length, 2);
  });

  await run('history and stats', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History and stats' }).waitFor();
    await page.getByRole('img', { name: /Minutes listened per day/ }).waitFor();
    await page.getByRole('table', { name: 'Play history' }).getByRole('link', { name: 'Daybreak' }).waitFor();
    await page.screenshot({ path: `${shots}/history.png` });
  });

  await run('admin: scan the library; profile: my sessions', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Library scan' }).waitFor();
    await page.getByRole('button', { name: 'Scan now' }).click();
    await page.getByText(/Last scan[\s\S]*5 unchanged/).waitFor();
    await page.getByRole('table').getByText('dana', { exact: true }).waitFor();
    await page.getByRole('link', { name: `Profile: ${username}` }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.getByText('this device').waitFor();
    const sessions = await page.getByRole('heading', { name: 'Sessions' }).locator('..').textContent();
    assert.ok(!sessions.includes('Mozilla/5.0'), `sessions are named, not raw user agents: ${sessions}`);
    await page.getByLabel('Device or app').fill('Tempo on my phone');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = await page.getByTestId('new-app-password').textContent();
    assert.match(secret, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const dialog = page.getByRole('dialog', { name: 'Your new app password' });
    await dialog.getByText(base, { exact: true }).waitFor();
    await dialog.getByText(username, { exact: true }).waitFor();
    for (const what of ['server address', 'username', 'password']) await dialog.getByRole('button', { name: `Copy the ${what}` }).waitFor();
    await dialog.getByRole('img', { name: 'QR code of the server address, username and password' }).waitFor();
    await page.screenshot({ path: `${shots}/app-password.png` });
    await page.getByRole('button', { name: 'Done' }).click();
    const made = (await apiGet('me/app-passwords')).items;
    assert.deepEqual(made.map((p) => p.name), ['Tempo on my phone']);
    await page.getByRole('button', { name: 'Revoke app password Tempo on my phone' }).click();
    await until('the app password revoked', async () => (await apiGet('me/app-passwords')).items.length === 0);
  });

  await run('radio: an admin adds a station, it plays, the library player stops', async () => {
    // The "station" is one of Juke's own streams: this closed network has no radio.
    const album = (await apiGet('albums?limit=50')).items.find((a) => a.title === 'Morning Light');
    const first = (await apiGet(`albums/${album.id}`)).tracks[0];
    const stream = `${base}${(await apiGet(`tracks/${first.id}`)).stream_url}`;
    await page.evaluate(() => { if (!window.jukePlayer.playing) window.jukePlayer.toggle(); });
    await until('the library player plays', () => page.evaluate(() => window.jukePlayer.playing));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Radio' }).click();
    await page.getByRole('heading', { name: 'Radio', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Test Radio');
    await page.getByLabel('Stream URL').fill(stream);
    await page.getByRole('button', { name: 'Add station' }).click();
    await page.getByRole('list', { name: 'Radio stations' }).getByText('Test Radio').waitFor();
    await page.getByRole('button', { name: 'Listen' }).click();
    await until('the station plays', () => page.evaluate(() => {
      const audio = document.querySelector('[data-testid="radio-audio"]');
      return audio && !audio.paused && audio.currentTime > 0.2;
    }));
    assert.equal(await page.evaluate(() => window.jukePlayer.playing), false, 'the library player paused');
    await page.getByRole('button', { name: 'Stop' }).click();
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Remove Test Radio' }).click();
    await until('the station removed', async () => (await apiGet('radio-stations')).items.length === 0);
  });

  await run('queue handoff: the phone saves, the browser takes over paused, saves back, and clears it', async () => {
    const album = (await apiGet('albums?limit=50')).items.find((a) => a.title === 'Morning Light');
    const [, second, third] = (await apiGet(`albums/${album.id}`)).tracks;
    const made = await fetch(`${base}/api/v1/me/app-passwords`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'phone' }),
    });
    const { password: key, id: keyId } = await made.json();
    const rest = async (method, params) => {
      const q = new URLSearchParams({ apiKey: key, c: 'phone', v: '1.16.1', f: 'json' });
      for (const [k, v] of params) q.append(k, v);
      const body = await (await fetch(`${base}/rest/${method}?${q}`)).json();
      assert.equal(body['subsonic-response'].status, 'ok', JSON.stringify(body));
      return body['subsonic-response'];
    };
    await page.evaluate(() => { if (window.jukePlayer.playing) window.jukePlayer.toggle(); });
    // The phone was playing the album's third track, 3 s in; the browser comes back to the front.
    await rest('savePlayQueue', [['id', `tr-${second.id}`], ['id', `tr-${third.id}`], ['current', `tr-${third.id}`], ['position', '3000']]);
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await until('the browser takes the phone\'s queue', async () => (await nowPlaying()) === third.title);
    assert.equal(await page.evaluate(() => window.jukePlayer.playing), false, 'taken over paused');
    assert.ok(Math.abs((await playerTime()) - 3) < 0.5, `at the phone's position: ${await playerTime()}`);
    assert.deepEqual(await page.evaluate(() => window.jukePlayer.queue.map((e) => e.track.id)), [second.id, third.id]);
    // Played and paused here: the phone reads it back, saved by this browser.
    await page.evaluate(() => window.jukePlayer.toggle());
    await until('playing on', async () => (await playerTime()) > 3.6);
    await page.evaluate(() => window.jukePlayer.toggle());
    await until('the phone sees the browser\'s save', async () => {
      const q = (await rest('getPlayQueue', [])).playQueue;
      return q.current === `tr-${third.id}` && q.changedBy !== 'phone' && q.position > 3500;
    });
    // Emptied here: the phone finds nothing to resume.
    await page.evaluate(() => window.jukePlayer.queue.map((e) => e.key).forEach((k) => window.jukePlayer.remove(k)));
    await until('the server queue cleared', async () => !(await rest('getPlayQueue', [])).playQueue?.entry?.length);
    await fetch(`${base}/api/v1/me/app-passwords/${keyId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  });

  await run('share an album: the link plays for a visitor with no account, then stops', async () => {
    const album = (await apiGet('albums?limit=50')).items.find((a) => a.title === 'Morning Light');
    await page.goto(`${base}/albums/${album.id}`);
    await page.getByRole('heading', { name: 'Morning Light' }).waitFor();
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Share Morning Light' });
    await dialog.getByLabel('Link works for').selectOption('7');
    await dialog.getByLabel('Message (optional)').fill('Morning music');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = await dialog.getByRole('textbox', { name: 'Link' }).inputValue();
    assert.match(link, /\/share\/[A-Za-z0-9_-]{22}$/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // A stranger: a fresh browser profile, never signed in.
    const stranger = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const visitor = await stranger.newPage();
    visitor.on('pageerror', (err) => pageErrors.push(err.message));
    await visitor.goto(link);
    await visitor.getByRole('heading', { name: 'Morning Light', level: 1 }).waitFor();
    await visitor.getByText('Morning music').waitFor();
    assert.equal(await visitor.getByTestId('shared-track').count(), 3);
    assert.equal(await visitor.evaluate(() => localStorage.getItem('juke.token')), null, 'no session');
    await visitor.getByRole('button', { name: 'Play', exact: true }).click();
    await until('the shared album plays', () => visitor.evaluate(() => {
      const time = document.querySelector('[data-testid="share-time"]')?.textContent || '';
      return /^0:0[1-9]/.test(time);
    }));
    const width = await visitor.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the share page is ${width} px wide at 375 px`);
    await visitor.screenshot({ path: `${shots}/share-page.png` });

    // The owner sees it in the profile, visited, and stops it; the link says so.
    await page.getByRole('link', { name: `Profile: ${username}` }).click();
    const row = page.getByTestId('shared-link').filter({ hasText: 'Morning Light' });
    await row.getByText('1 visit').waitFor();
    await row.getByRole('button', { name: 'Stop sharing Morning Light' }).click();
    await until('the share revoked', async () => (await apiGet('shares')).items.length === 0);
    await visitor.reload();
    await visitor.getByRole('alert').filter({ hasText: 'This link does not work' }).waitFor();
    await stranger.close();
  });

  await run('failures are shown: 404 and an ended session', async () => {
    await page.goto(`${base}/albums/01a216c8-0000-7000-8000-000000000000`);
    await page.getByRole('alert').filter({ hasText: 'not found' }).waitFor();
    // The session is revoked elsewhere: the next request returns to the login screen.
    const res = await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 204);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
  });

  await run('375 px phone layout without horizontal scroll', async () => {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back where the session ended.
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    token = await page.evaluate(() => localStorage.getItem('juke.token'));
    const phone = await browser.newContext({
      viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      colorScheme: 'light', storageState: await context.storageState(),
    });
    const mobile = await phone.newPage();
    mobile.on('pageerror', (err) => pageErrors.push(err.message));
    const album = (await apiGet('albums?limit=50')).items.find((a) => a.title === 'Morning Light');
    for (const [path, name] of [['/', 'mobile-home'], [`/albums/${album.id}`, 'mobile-album'], ['/library/tracks', 'mobile-tracks'], ['/playlists', 'mobile-playlists']]) {
      await mobile.goto(`${base}${path}`);
      await mobile.locator('main h1').waitFor();
      await mobile.waitForLoadState('networkidle');
      const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${path}: page is ${width} px wide at 375 px`);
      await mobile.screenshot({ path: `${shots}/${name}.png` });
    }
    await phone.close();
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  console.log('all web player steps passed');
} catch (err) {
  console.error(`FAILED at step "${step}": ${err.stack || err}`);
  try {
    await page.screenshot({ path: `${shots}/failure.png`, fullPage: true });
    console.error(`page errors: ${JSON.stringify(pageErrors)}`);
    console.error(`screenshot of the failure: ${shots}/failure.png`);
  } catch {
    // The page itself may be gone.
  }
  await browser.close();
  process.exit(1);
}
await browser.close();
