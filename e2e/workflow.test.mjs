// The follow-up round end to end in headless Chromium: a region reporter fills in and submits, the RCC
// returns the answers with a reason, the region corrects and resubmits, the RCC condenses, accepts and
// publishes. axe-core checks every page of the flow against WCAG 2.1 A and AA.
//
// Run by scripts/test after the cargo tests: UPPFOLJ_BIN names the built binary, CHROMIUM the browser
// (default /usr/bin/chromium, Debian's package).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BIN = process.env.UPPFOLJ_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PLAN = 'norr-2022-2024';
const PASSWORD = 'korrekt-häst-batteri';

function cli(db, args, input) {
  const r = spawnSync(BIN, ['--database', db, ...args], { input, encoding: 'utf8', env: { ...process.env, UPPFOLJ_LOG: 'warn' } });
  assert.equal(r.status, 0, `uppfolj ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function serve(db) {
  const child = spawn(BIN, ['--database', db, 'serve', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, UPPFOLJ_LOG: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/[0-9.:]+/);
      if (m) resolve({ child, base: m[0] });
    });
    child.on('exit', (code) => reject(new Error(`the app stopped (${code})`)));
    setTimeout(() => reject(new Error('the app did not start')), 60000).unref();
  });
}

/** Runs axe-core on the page and fails with a readable list of WCAG 2.1 A/AA violations. */
async function checkAccessibility(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`,
  );
  assert.deepEqual(problems, [], `axe found WCAG 2.1 AA violations on ${name}:\n${problems.join('\n')}`);
  assert.ok(result.passes.length > 5, `axe checked too little on ${name}`);
}

async function login(browser, base, user) {
  // bypassCSP lets the test inject axe-core; the app itself sends a strict policy.
  const context = await browser.newContext({ bypassCSP: true, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(`${base}/logga-in`);
  await checkAccessibility(page, 'the login page');
  await page.getByLabel('Användarnamn').fill(user);
  await page.getByLabel('Lösenord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL(`${base}/`);
  return page;
}

test('a region reports, the RCC returns, accepts and publishes; every page passes axe', async () => {
  assert.ok(BIN, 'set UPPFOLJ_BIN to the uppfolj binary');
  const dir = mkdtempSync(join(tmpdir(), 'uppfolj-e2e-'));
  const db = `sqlite://${join(dir, 'e2e.db')}`;
  cli(db, ['demo']);
  cli(db, ['user', 'add', 'rn', '--role', 'region', '--region', 'RN', '--display-name', 'Rita Nord'], `${PASSWORD}\n`);
  cli(db, ['user', 'add', 'rcc', '--role', 'rcc', '--display-name', 'Rut Centrum'], `${PASSWORD}\n`);
  cli(db, ['user', 'set-email', 'rn', 'rita.nord@example.se']);
  cli(db, ['round', 'open', '--plan', PLAN, '--year', '2025', '--deadline', '2026-03-31']);
  const { child, base } = await serve(db);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  try {
    // Public pages.
    const anon = await (await browser.newContext({ bypassCSP: true })).newPage();
    for (const path of ['/', `/planer/${PLAN}/2024`, `/planer/${PLAN}/2024/omraden/3`, `/planer/${PLAN}/2024/indikatorer`, `/planer/${PLAN}/2024/diagram`, `/planer/${PLAN}/mal/3.3`]) {
      await anon.goto(base + path);
      await checkAccessibility(anon, path);
    }

    // The region reporter fills in and submits.
    const rn = await login(browser, base, 'rn');
    await checkAccessibility(rn, 'the start page (RN)');
    await rn.getByRole('link', { name: /Fyll i RNs uppföljning 2025/ }).click();
    await checkAccessibility(rn, 'the region form');
    await rn.getByLabel('Nivå för mål 1.1', { exact: true }).selectOption('P');
    await rn.getByLabel('Kommentar till mål 1.1', { exact: true }).fill('Arbetet med gentester pågår.');
    await rn.getByRole('button', { name: 'Spara utkast' }).click();
    await rn.getByText('Utkastet är sparat').waitFor();
    await rn.getByLabel('Nivå för mål 3.3', { exact: true }).selectOption('U/E');
    await rn.getByLabel('Kommentar till mål 3.3', { exact: true }).fill('Inklusionsmålet nått, ledtidsmålet inte.');
    await rn.getByRole('button', { name: 'Spara och skicka in till RCC' }).click();
    await rn.getByText('Svaren är inskickade till RCC').waitFor();
    await checkAccessibility(rn, 'the submitted answers');

    // The RCC returns them with a reason.
    const rcc = await login(browser, base, 'rcc');
    await rcc.goto(`${base}/planer/${PLAN}/2024/sammanfattning`);
    assert.match(await rcc.content(), /3 skillnader mellan RCC:s text och data/);
    assert.match(await rcc.content(), /RCC:s bedömningar, bredvid nivåerna/);
    await checkAccessibility(rcc, 'the derived summary and its checks');
    await rcc.goto(`${base}/planer/${PLAN}/2024/indikatorer`);
    await rcc.getByText('Lägg till eller ändra värden').click();
    await checkAccessibility(rcc, 'the indicators with the RCC\'s forms');
    await rcc.goto(`${base}/planer/${PLAN}/2024/siffror`);
    await checkAccessibility(rcc, 'the figures found in comments');
    // A new indicator: a form with mistakes names each at its field; then a good one, and its definition page.
    await rcc.goto(`${base}/planer/${PLAN}/2024/indikatorer`);
    await rcc.getByRole('link', { name: 'Ny indikator' }).click();
    await checkAccessibility(rcc, 'the new indicator form');
    await rcc.getByLabel('Målvärde (valfritt)').fill('sjuttio');
    await rcc.getByRole('button', { name: 'Lägg till indikatorn' }).click();
    await rcc.getByText('Ingenting sparades').waitFor();
    assert.match(await rcc.content(), /Skriv indikatorns namn\./);
    await checkAccessibility(rcc, 'the indicator form with its errors');
    await rcc.getByLabel('Namn', { exact: true }).fill('Väntetid till behandlingsstart');
    await rcc.getByLabel('Enhet', { exact: true }).fill('dagar');
    await rcc.getByLabel('Ett lägre värde är bättre').check();
    await rcc.getByLabel('Målvärde (valfritt)').fill('28');
    await rcc.locator('summary', { hasText: 'Område 3 –' }).click();
    await rcc.getByRole('checkbox', { name: /^3\.3 Regionerna/ }).check();
    await rcc.getByRole('button', { name: 'Lägg till indikatorn' }).click();
    await rcc.getByText('Indikatorn "Väntetid till behandlingsstart" är tillagd.').waitFor();
    await rcc.getByRole('link', { name: 'Ändra definitionen av Väntetid till behandlingsstart' }).click();
    await checkAccessibility(rcc, 'the indicator definition with its history');
    // The RCC moves the deadline on the round's mail page (RN has submitted: nobody is told).
    const later = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
    await rcc.goto(`${base}/planer/${PLAN}/2025/utskick`);
    await rcc.getByLabel('Sista dag för regionernas svar').fill(later);
    await rcc.getByRole('button', { name: 'Ändra sista dagen' }).click();
    await rcc.waitForURL(`${base}/planer/${PLAN}/2025/utskick`);
    assert.equal(await rcc.getByLabel('Sista dag för regionernas svar').inputValue(), later);
    assert.match(await rcc.content(), /Nästa påminnelser/);
    await checkAccessibility(rcc, "the open round's mail, its deadline and reminders");
    await rcc.goto(`${base}/planer/${PLAN}/2025/granskning`);
    await checkAccessibility(rcc, 'the completeness overview');
    await rcc.getByRole('link', { name: 'Granska RN' }).click();
    await checkAccessibility(rcc, 'the review of RN');
    await rcc.getByLabel(/Skäl till att svaren skickas tillbaka/).fill('Ange andelen gentestade för mål 1.1.');
    await rcc.getByRole('button', { name: 'Skicka tillbaka till RN' }).click();
    await rcc.waitForURL(`${base}/planer/${PLAN}/2025/granskning`);
    assert.match(await rcc.content(), /Återsänd/);

    // The region sees the reason, corrects and resubmits.
    await rn.reload();
    assert.match(await rn.content(), /Ange andelen gentestade för mål 1\.1\./);
    await checkAccessibility(rn, 'the returned form');
    await rn.getByLabel('Nivå för mål 1.1', { exact: true }).selectOption('U');
    await rn.getByLabel('Kommentar till mål 1.1', { exact: true }).fill('92 % av patienterna gentestades.');
    await rn.getByRole('button', { name: 'Spara och skicka in till RCC' }).click();
    await rn.getByText('Svaren är inskickade till RCC').waitFor();

    // The RCC condenses, accepts and publishes.
    await rcc.goto(`${base}/planer/${PLAN}/2025/granskning/RN`);
    await rcc.getByLabel('Kondenserad kommentar till mål 1.1').fill('92 % gentestade.');
    await rcc.getByRole('button', { name: 'Spara kondenserade kommentarer' }).click();
    await rcc.getByText('Sparat.').waitFor();
    await rcc.getByRole('button', { name: 'Godkänn RNs svar' }).click();
    await rcc.waitForURL(`${base}/planer/${PLAN}/2025/granskning`);
    assert.match(await rcc.content(), /Godkänd/);
    await rcc.getByLabel('Publicera ändå').check();
    await rcc.getByRole('button', { name: 'Publicera uppföljningen 2025' }).click();
    await rcc.waitForURL(`${base}/planer/${PLAN}/2025`);
    assert.match(await rcc.content(), /Du ser utgåva 1, publicerad/);
    await checkAccessibility(rcc, 'the published overview');
    // Reopened with a reason and published again: edition 2, and edition 1 listed with its reason.
    await rcc.goto(`${base}/planer/${PLAN}/2025/granskning`);
    await rcc.getByLabel('Skäl (sparas i historiken)').fill('Rättelse av en kommentar');
    await rcc.getByRole('button', { name: 'Öppna igen' }).click();
    await rcc.goto(`${base}/planer/${PLAN}/2025/granskning`);
    await rcc.getByLabel('Publicera ändå').check();
    await rcc.getByRole('button', { name: 'Publicera uppföljningen 2025' }).click();
    await rcc.waitForURL(`${base}/planer/${PLAN}/2025`);
    // The edition's PDF is typeset in the background; its checksum is on the page once it is kept.
    await rcc.request.get(`${base}/planer/${PLAN}/2025/rapport/pdf`);
    await rcc.reload();
    assert.match(await rcc.content(), /Du ser utgåva 2/);
    assert.match(await rcc.content(), /Utgåva 1, publicerad .*ersatt .*Rättelse av en kommentar/s);
    await checkAccessibility(rcc, 'the overview with two editions');

    // Everyone sees the published round, with the condensed comment.
    await anon.goto(`${base}/planer/${PLAN}/2025/omraden/1`);
    assert.match(await anon.content(), /92 % gentestade\./);
    await checkAccessibility(anon, 'the published area page');
    await anon.goto(`${base}/planer/${PLAN}/2025/diagram`);
    assert.match(await anon.content(), /Utveckling över åren/);
    await checkAccessibility(anon, 'the dashboard with the trend over two rounds');
    await rcc.goto(`${base}/planer/${PLAN}/2025/mal/1.1/RN/historik`);
    assert.match(await rcc.content(), /Rita Nord/);
    await checkAccessibility(rcc, 'the history of a cell');
    // The goal through the years: 2024 and the 2025 just published, side by side.
    await anon.goto(`${base}/planer/${PLAN}/2025/omraden/1`);
    await anon.getByRole('link', { name: 'målet genom åren (mål 1.1)' }).click();
    assert.match(await anon.content(), /Uppföljning 2024/);
    assert.match(await anon.content(), /92 % gentestade\./);
    await checkAccessibility(anon, 'a goal through the years');

    // The round's mail, as the RCC steers it.
    await rcc.goto(`${base}/planer/${PLAN}/2025/utskick`);
    await checkAccessibility(rcc, "the round's mail");

    // The next plan period, written in the browser: a draft copied from the plan, three goals
    // linked to old ones (continued, split, merged), adopted, followed up from the answers before.
    await rcc.goto(`${base}/planer/${PLAN}/2025`);
    await rcc.getByRole('link', { name: 'Skriv planen för nästa period' }).click();
    await checkAccessibility(rcc, 'the form for the next plan period');
    await rcc.getByLabel('Planens titel').fill('Prövoplan 2025–2028');
    await rcc.getByLabel('Kortnamn i adresser (görs av titeln om det lämnas tomt)').fill('norr-2025-2028');
    await rcc.getByLabel('Första år').fill('2025');
    await rcc.getByLabel('Sista år').fill('2028');
    await rcc.getByLabel('Fastställs den (planerat datum)').fill('2025-02-01');
    await rcc.getByRole('button', { name: 'Skriv utkastet' }).click();
    await rcc.waitForURL(`${base}/planer/norr-2025-2028/utkast`);
    await checkAccessibility(rcc, 'the draft plan');
    // 1.1 continues 1.1 as copied. 1.2 becomes one part of the old 1.2, a new goal the other part.
    await rcc.locator('#mal-1-2-lank').selectOption('split');
    await rcc.getByRole('button', { name: 'Spara mål 1.2' }).click();
    await rcc.getByLabel('Nytt mål sist i område 1').fill('Deltagandet i screeningen ska öka.');
    await rcc.getByRole('button', { name: 'Lägg till målet' }).first().click();
    const added = new URL(rcc.url()).hash.replace('#mal-1-', '');
    await rcc.locator(`#mal-1-${added}-lank`).selectOption('split');
    await rcc.locator(`#mal-1-${added}-fortsatter`).fill('1.2');
    await rcc.getByRole('button', { name: `Spara mål 1.${added}` }).click();
    // 1.3 merges the old 1.3 and 1.4; 1.4 then continues nothing.
    await rcc.locator('#mal-1-3-lank').selectOption('merge');
    await rcc.locator('#mal-1-3-fortsatter').fill('1.3, 1.4');
    await rcc.getByRole('button', { name: 'Spara mål 1.3' }).click();
    await rcc.locator('#mal-1-4-lank').selectOption('');
    await rcc.locator('#mal-1-4-fortsatter').fill('');
    await rcc.getByRole('button', { name: 'Spara mål 1.4' }).click();
    await checkAccessibility(rcc, 'the draft plan, edited');
    await rcc.getByRole('link', { name: 'Ändra planens titel, kortnamn, period och fastställande' }).click();
    await checkAccessibility(rcc, "the draft's details");
    await rcc.getByLabel('Fastställs av').fill('Förbundsdirektionen');
    await rcc.getByRole('button', { name: 'Spara uppgifterna' }).click();
    await rcc.waitForURL(`${base}/planer/norr-2025-2028/utkast`);
    await rcc.goto(`${base}/planer/norr-2025-2028`);
    await checkAccessibility(rcc, 'a draft plan');
    await rcc.getByRole('button', { name: 'Fastställ planen' }).click();
    await rcc.getByText('Öppna en ny uppföljning').waitFor();
    await rcc.getByLabel('År som följs upp').fill('2025');
    await rcc.getByLabel('Sista dag för regionernas svar').fill('2026-03-31');
    await rcc.getByRole('button', { name: 'Öppna uppföljningen' }).click();
    await rcc.waitForURL(`${base}/planer/norr-2025-2028/2025/granskning`);
    await rn.goto(`${base}/planer/norr-2025-2028/2025/regioner/RN`);
    assert.match(await rn.content(), /Vid varje mål ser du regionens svar från 2025 i planen före\./);
    await checkAccessibility(rn, "the successor's first form, with the answers before");
    // The continued goal across both plans, for everyone.
    await anon.goto(`${base}/planer/norr-2025-2028/mal/1.1`);
    assert.match(await anon.content(), /Fortsätter mål 1\.1 i planen före\./);
    assert.match(await anon.content(), /Uppföljning 2024/);
    await checkAccessibility(anon, 'a continued goal across two plans');
    // After adoption the RCC corrects the goal's wording, with a reason; the page keeps the old one.
    await rcc.goto(`${base}/planer/norr-2025-2028/mal/1.1`);
    await checkAccessibility(rcc, "a goal's correction forms");
    await rcc.getByLabel('Målets text').fill('Remisserna till cancergenetiken ska fortsätta att öka i alla regioner.');
    await rcc.getByLabel('Skäl till rättelsen (krävs)').fill('Gäller alla regioner');
    await rcc.getByRole('button', { name: 'Spara rättelsen' }).click();
    assert.match(await rcc.content(), /Tidigare lydelser/);
    await checkAccessibility(rcc, 'a corrected goal');
    await rcc.goto(`${base}/planer/norr-2025-2028/2025/diagram`);
    assert.match(await rcc.content(), /2024 kommer från planen före/);
    await checkAccessibility(rcc, "the successor's dashboard, across the plan periods");
    await rn.goto(`${base}/planer/norr-2025-2028/handlingsplaner/RN`);
    await checkAccessibility(rn, "the successor's action plan");
  } finally {
    await browser.close();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
