// End-to-end: a family's first weeks on a fresh server, in a real Chromium (Debian's), against
// the real `juke` binary that tests/api/web_player.rs starts with no account and registration
// closed. The first screen creates the admin; no sign-up is offered after; an invite link signs
// a second person up once; the admin hands that person a reset link, which works once.
//
// Environment: JUKE_URL, SETUP_CODE, SCREENSHOTS (folder), CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.JUKE_URL;
const setupCode = process.env.SETUP_CODE;
const shots = process.env.SCREENSHOTS || 'out';
assert.ok(base && setupCode, 'JUKE_URL and SETUP_CODE are required');
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', '--mute-audio'],
});
const pageErrors = [];
async function fresh(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { context, page };
}

let step = 'start';
async function run(name, fn) {
  step = name;
  const started = Date.now();
  await fn();
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

const { page: admin } = await fresh();
try {
  await run('a fresh server opens on "Create the admin account"', async () => {
    await admin.goto(base);
    await admin.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    await admin.getByText('This first account will manage it').waitFor();
    await admin.screenshot({ path: `${shots}/first-run.png` });
    await admin.getByLabel('Username').fill('mum');
    await admin.getByLabel('Email').fill('mum@example.test');
    await admin.getByLabel('Password').fill('mum password 1');
    await admin.getByLabel('Setup code').fill(setupCode);
    await admin.getByRole('button', { name: 'Create account' }).click();
    await admin.getByRole('heading', { name: /, mum$/ }).waitFor();
  });

  await run('with registration closed, the log-in page offers no sign-up', async () => {
    const { context, page } = await fresh();
    await page.goto(base);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByText('Ask the person who runs this server').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create an account' }).count(), 0);
    await context.close();
  });

  let invite;
  await run('the admin invites someone: a link and its QR code', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await admin.getByRole('button', { name: 'Invite someone' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Invite someone' });
    await dialog.getByLabel('Who is it for? (optional)').fill('Sam');
    await dialog.getByRole('button', { name: 'Create invite link' }).click();
    invite = await dialog.getByRole('textbox', { name: 'Invite link' }).inputValue();
    assert.match(invite, /\/register\?invite=[A-Za-z0-9_-]{22}$/);
    const qr = dialog.getByRole('img', { name: 'QR code of the invite link' });
    await qr.waitFor();
    assert.ok((await qr.boundingBox()).width >= 150, 'a QR code big enough to scan');
    await admin.screenshot({ path: `${shots}/invite.png` });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await admin.getByRole('list', { name: 'Invites' }).getByText('Sam').waitFor();
  });

  await run('the invite signs Sam up once', async () => {
    const { context, page } = await fresh({ width: 375, height: 812 });
    await page.goto(invite);
    await page.getByRole('heading', { name: 'Join Juke' }).waitFor();
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Email').fill('sam@example.test');
    await page.getByLabel('Password').fill('sam password 1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: /, sam$/ }).waitFor();
    await context.close();
    const again = await fresh();
    await again.page.goto(invite);
    await again.page.getByLabel('Username').fill('sam2');
    await again.page.getByLabel('Email').fill('sam2@example.test');
    await again.page.getByLabel('Password').fill('sam password 2');
    await again.page.getByRole('button', { name: 'Create account' }).click();
    await again.page.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
    await again.context.close();
    await admin.reload();
    await admin.getByRole('list', { name: 'Invites' }).getByText('used by sam').waitFor();
  });

  let reset;
  await run('the admin makes Sam a reset link; it works once', async () => {
    await admin.getByRole('button', { name: 'Password of sam' }).click();
    await admin.getByRole('menuitem', { name: 'Make a reset link…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Reset link for sam' });
    reset = await dialog.getByRole('textbox', { name: 'Reset link' }).inputValue();
    assert.match(reset, /\/reset\?token=[A-Za-z0-9_-]{22}$/);
    await dialog.getByRole('img', { name: 'QR code of the reset link' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    const { context, page } = await fresh();
    await page.goto(reset);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('sam password 3');
    await page.getByLabel('New password again').fill('sam password 3');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor();
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Username or email').fill('sam');
    await page.getByLabel('Password').fill('sam password 3');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: /, sam$/ }).waitFor();
    await page.goto(reset);
    await page.getByLabel('New password', { exact: true }).fill('sam password 4');
    await page.getByLabel('New password again').fill('sam password 4');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
    await context.close();
  });

  await run('the admin sets a password for Sam', async () => {
    await admin.getByRole('button', { name: 'Password of sam' }).click();
    await admin.getByRole('menuitem', { name: 'Set a new password…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Set a password for sam' });
    await dialog.getByLabel('New password').fill('sam password 5');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await admin.getByText('Password set for sam').waitFor();
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'sam', password: 'sam password 5' }),
    });
    assert.equal(res.status, 200);
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  console.log('all family steps passed');
} catch (err) {
  console.error(`FAILED at step "${step}": ${err.stack || err}`);
  try {
    await admin.screenshot({ path: `${shots}/family-failure.png`, fullPage: true });
    console.error(`page errors: ${JSON.stringify(pageErrors)}`);
  } catch {
    // The page itself may be gone.
  }
  await browser.close();
  process.exit(1);
}
await browser.close();
