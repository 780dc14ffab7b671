// Accounts end to end in headless Chromium, against a real OpenID provider (e2e/oidc-provider.mjs):
// a person signs in with single sign-on (e-tjänstekort), an admin finds the account in the browser
// and deactivates it, and the person's open session ends on its next request. Also the account
// pages, an invitation link (mailed) and the page it opens, and a forgotten password asked for.
// axe-core checks every page.
//
// Run by scripts/test: UPPFOLJ_BIN names the built binary, CHROMIUM the browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BIN = process.env.UPPFOLJ_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'korrekt-häst-batteri';

function cli(db, args, input) {
  const r = spawnSync(BIN, ['--database', db, ...args], { input, encoding: 'utf8', env: { ...process.env, UPPFOLJ_LOG: 'warn' } });
  assert.equal(r.status, 0, `uppfolj ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A free port on loopback (for the app, whose callback the provider must know before it starts). */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a program and resolves with it and the first http:// address it prints. */
function started(cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/[0-9.:]+/);
      if (m) resolve({ child, base: m[0] });
    });
    child.on('exit', (code) => reject(new Error(`${cmd} stopped (${code})`)));
    setTimeout(() => reject(new Error(`${cmd} did not start`)), 60000).unref();
  });
}

async function checkAccessibility(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`,
  );
  assert.deepEqual(problems, [], `axe found WCAG 2.1 AA violations on ${name}:\n${problems.join('\n')}`);
}

test('a person signs in with single sign-on; an admin deactivates the account and the session ends', async () => {
  assert.ok(BIN, 'set UPPFOLJ_BIN to the uppfolj binary');
  const dir = mkdtempSync(join(tmpdir(), 'uppfolj-e2e-konton-'));
  const db = `sqlite://${join(dir, 'e2e.db')}`;
  cli(db, ['demo']);
  cli(db, ['user', 'add', 'admin', '--role', 'admin', '--display-name', 'Ada Admin'], `${PASSWORD}\n`);
  cli(db, ['user', 'add', 'anna', '--role', 'region', '--region', 'RN', '--display-name', 'Anna Provperson',
    '--no-password', '--sso-id', 'SE2321000016-A001']);
  const port = await freePort();
  const app = `http://127.0.0.1:${port}`;
  const provider = await started('node', [join(import.meta.dirname, 'oidc-provider.mjs')],
    { REDIRECT_URIS: `${app}/logga-in/oidc/callback` });
  const { child } = await started(BIN, ['--database', db, 'serve', '--listen', `127.0.0.1:${port}`], {
    UPPFOLJ_LOG: 'error',
    UPPFOLJ_OIDC_ISSUER: provider.base,
    UPPFOLJ_OIDC_CLIENT_ID: 'uppfolj',
    UPPFOLJ_OIDC_CLIENT_SECRET: 'testhemlighet-for-uppfolj',
    UPPFOLJ_OIDC_CLAIM: 'hsa_id',
    UPPFOLJ_PUBLIC_URL: app,
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  try {
    // Anna signs in with her e-tjänstekort (the provider's own sign-in pages).
    const anna = await (await browser.newContext({ bypassCSP: true, locale: 'sv-SE' })).newPage();
    await anna.goto(`${app}/logga-in`);
    await checkAccessibility(anna, 'the sign-in page with single sign-on');
    await anna.getByRole('link', { name: 'Logga in med e-tjänstekort' }).click();
    await anna.locator('input[name="login"]').fill('anna');
    await anna.locator('input[name="password"]').fill('vad-som-helst');
    await anna.locator('button[type="submit"]').click();
    await anna.locator('button[type="submit"]').click(); // the provider's consent
    await anna.waitForURL(`${app}/`);
    assert.match(await anna.content(), /Inloggad: <a href="\/konto"><strong>Anna Provperson<\/strong>/);
    await anna.goto(`${app}/konto`);
    await checkAccessibility(anna, 'my account');

    // The admin finds her and deactivates the account, with a reason.
    const admin = await (await browser.newContext({ bypassCSP: true, locale: 'sv-SE' })).newPage();
    await admin.goto(`${app}/logga-in`);
    await admin.getByLabel('Användarnamn').fill('admin');
    await admin.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
    await admin.getByRole('button', { name: 'Logga in' }).click();
    await admin.waitForURL(`${app}/`);
    await admin.goto(`${app}/konton`);
    await checkAccessibility(admin, 'the accounts');
    await admin.getByRole('link', { name: 'anna', exact: true }).click();
    await checkAccessibility(admin, "an account's page");
    await admin.getByLabel('Skäl (krävs)').fill('Har slutat');
    await admin.getByRole('button', { name: 'Inaktivera kontot' }).click();
    assert.match(await admin.content(), /Aktivera kontot igen/);

    // Anna's open session ends on its next request.
    await anna.goto(`${app}/konto`);
    assert.match(anna.url(), /\/logga-in/);
    // Signing in again with her e-tjänstekort is refused, with a page that says whom to ask.
    await anna.getByRole('link', { name: 'Logga in med e-tjänstekort' }).click();
    await anna.waitForURL(/\/logga-in\/oidc\/callback/);
    assert.match(await anna.content(), /Inget konto för din identitet/);
    await checkAccessibility(anna, 'single sign-on refused');

    // A new account and its invitation: the link opens a page to choose a password.
    await admin.goto(`${app}/konton/ny`);
    await checkAccessibility(admin, 'a new account');
    await admin.getByLabel('Användarnamn (för inloggning med lösenord; ändras inte sedan)').fill('berit');
    await admin.getByLabel('Namn som visas').fill('Berit Läsare');
    await admin.getByLabel('Roll').selectOption('reader');
    await admin.getByLabel('E-postadress').fill('berit@example.se');
    await admin.getByRole('button', { name: 'Skapa kontot' }).click();
    await admin.getByRole('button', { name: 'Skapa en inbjudningslänk' }).click();
    assert.match(await admin.content(), /skickas också med e-post till berit@example\.se/);
    await checkAccessibility(admin, 'an account with its mailed invitation');
    const link = (await admin.locator('#lank code').textContent()).trim();
    const berit = await (await browser.newContext({ bypassCSP: true, locale: 'sv-SE' })).newPage();
    await berit.goto(link);
    await checkAccessibility(berit, 'choosing a password');
    await berit.getByLabel('Nytt lösenord').fill('tallkotte-regnrock-vinter-sju');
    await berit.getByLabel('Samma lösenord igen').fill('tallkotte-regnrock-vinter-sju');
    await berit.getByRole('button', { name: 'Spara lösenordet' }).click();
    assert.match(await berit.content(), /Lösenordet är sparat/);

    // Forgotten later: the login page's link asks for a new one by address.
    const later = await (await browser.newContext({ bypassCSP: true, locale: 'sv-SE' })).newPage();
    await later.goto(`${app}/logga-in`);
    await later.getByRole('link', { name: 'Glömt lösenordet?' }).click();
    await checkAccessibility(later, 'a forgotten password');
    await later.getByLabel('Användarnamn eller e-postadress').fill('berit@example.se');
    await later.getByRole('button', { name: 'Skicka en länk' }).click();
    assert.match(await later.content(), /Om uppgiften hör till ett konto/);
    await checkAccessibility(later, 'a forgotten password, asked for');
  } finally {
    await browser.close();
    child.kill();
    provider.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
