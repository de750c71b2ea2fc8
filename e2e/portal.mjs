// The portal in a real browser (Debian's Chromium, headless, driven by playwright-core):
// a clinic's whole journey and the operator's decisions, with axe-core run on every page
// (no serious or critical violation allowed) and a screenshot of each step.
//
// Environment: SHIKAKU_E2E_BASE (http://127.0.0.1:PORT), SHIKAKU_E2E_OPERATOR and
// SHIKAKU_E2E_OPERATOR_PASSWORD (an operator account), SHIKAKU_E2E_ARTIFACTS (screenshot
// folder), CHROMIUM (default /usr/bin/chromium). Exits non-zero on the first failure.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE, 'utf8');
const base = process.env.SHIKAKU_E2E_BASE;
const operator = process.env.SHIKAKU_E2E_OPERATOR;
const operatorPassword = process.env.SHIKAKU_E2E_OPERATOR_PASSWORD;
const artifacts = process.env.SHIKAKU_E2E_ARTIFACTS ?? 'target/e2e';
assert.ok(base && operator && operatorPassword, 'SHIKAKU_E2E_BASE, _OPERATOR and _OPERATOR_PASSWORD are needed');
mkdirSync(artifacts, { recursive: true });

let shot = 0;
/** Screenshot and accessibility check of the page as it is now. */
async function check(page, name) {
  shot += 1;
  const file = join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // Evaluated through the DevTools protocol: the pages' content security policy (own
  // scripts only) stays in force and is exercised by every step.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `accessibility violations on ${name} (${page.url()})`,
  );
  console.log(`ok ${shot} ${name}`);
}

function monthAfter(months) {
  const d = new Date();
  const jst = new Date(d.getTime() + 9 * 3600 * 1000);
  let y = jst.getUTCFullYear();
  let m = jst.getUTCMonth() + 1 + months;
  while (m > 12) { m -= 12; y += 1; }
  return `${y}-${String(m).padStart(2, '0')}`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
  // playwright gives the browser a fresh temporary profile (--user-data-dir) and removes it.
});
try {
  // The accessibility check itself must be able to fail: an unlabelled field is caught.
  const canary = await browser.newPage();
  await canary.setContent('<!doctype html><html lang="ja"><title>t</title><main><input id="x"></main></html>');
  await assert.rejects(check(canary, 'canary-unlabelled-input'), /label/, 'axe must report a missing label');
  await canary.close();
  shot = 0;

  const clinic = await (await browser.newContext({ locale: 'ja-JP', acceptDownloads: true })).newPage();
  const op = await (await browser.newContext({ locale: 'ja-JP', acceptDownloads: true })).newPage();

  // The front door: sign-in and registration, help, notices; registration from there.
  await clinic.goto(`${base}/`);
  await check(clinic, 'front-door');
  await clinic.click('a[href="/portal/register"]');
  await clinic.waitForURL('**/portal/register');
  // Registration: a wrong code is shown next to the form, then the real one.
  await check(clinic, 'register');
  const fill = async (code) => {
    await clinic.fill('#code', code);
    await clinic.fill('#name', 'しかく内科クリニック');
    await clinic.selectOption('#category', 'clinic');
    await clinic.fill('#postal_code', '100-0001');
    await clinic.fill('#address', '東京都千代田区千代田1-1');
    await clinic.fill('#phone', '03-1234-5678');
    await clinic.fill('#contact_name', '資格 太郎');
    await clinic.fill('#email', 'it@clinic.example.jp');
    await clinic.fill('#password', 'kanja-uketsuke-tanpopo-77');
    await clinic.click('button[type=submit]');
  };
  await fill('1311234567');
  await clinic.waitForSelector('#form-errors [data-field=code]');
  await check(clinic, 'register-error');
  await fill('1311234566');
  // Pending until the code posted to the registered address is entered.
  await clinic.waitForURL('**/portal/activate');
  await check(clinic, 'activate-pending');

  await op.goto(`${base}/portal/login`);
  await check(op, 'login');
  await op.fill('#login', operator);
  await op.fill('#password', operatorPassword);
  await op.click('button[type=submit]');
  await op.waitForURL('**/portal/operator');
  await check(op, 'dashboard');
  // The operator prints the letters (here as the CSV a mailing service gets).
  await op.goto(`${base}/portal/operator/letters`);
  await op.waitForSelector('[data-letter="1311234566"]');
  await check(op, 'operator-letters');
  const [letterFile] = await Promise.all([
    op.waitForEvent('download'),
    op.click('button[value=csv]'),
  ]);
  const letters = readFileSync(await letterFile.path(), 'utf8');
  const row = letters.split('\n').find((l) => l.startsWith('1311234566,'));
  assert.ok(row, `the clinic's letter in ${letters}`);
  const code = row.split(',')[4];
  await clinic.fill('#activation_code', code);
  await clinic.click('#activate button[type=submit]');
  await clinic.waitForURL('**/portal/home');
  await check(clinic, 'home-new');

  // Card reader: the catalogue, then the application.
  await clinic.goto(`${base}/portal/catalogue`);
  assert.equal(await clinic.locator('[data-maker]').count(), 3);
  await check(clinic, 'catalogue');
  await clinic.goto(`${base}/portal/readers`);
  await clinic.selectOption('#maker', 'panasonic');
  await clinic.fill('#quantity', '1');
  await clinic.click('#apply-reader button[type=submit]');
  await clinic.waitForSelector('[data-reader][data-status=applied]');
  await check(clinic, 'readers');

  // Use application (start in 4 months, setup the 10th of the month before).
  await clinic.goto(`${base}/portal/use-application`);
  await clinic.check('input[name=line_type][value=ip-vpn]');
  await clinic.selectOption('#service', 'flets-next');
  await clinic.fill('#customer_id', 'CAF12345678');
  await clinic.fill('#start_month', monthAfter(4));
  await clinic.fill('#setup_date', `${monthAfter(3)}-10`);
  await clinic.check('input[name=online_claims]');
  await check(clinic, 'use-application');
  await clinic.click('form button[type=submit]:has-text("申請する")');
  await clinic.waitForURL(/\/portal\/home\?done=use-filed$/);
  // Every action is confirmed on the page it leads to.
  await clinic.waitForSelector('#notice[role=status]');
  await clinic.waitForSelector('tr[data-step=use-application].done');
  assert.match(await clinic.textContent('tr[data-step=use-application]'), /令和/);
  await check(clinic, 'timeline');

  // Certificate application, approved by the operator, downloaded once.
  await clinic.goto(`${base}/portal/certificates`);
  await clinic.fill('#terminal_name', 'uketsuke-1');
  await clinic.click('#apply-cert button[type=submit]');
  await clinic.waitForSelector('[data-cert][data-status=applied]');
  await check(clinic, 'certificates');

  await op.goto(`${base}/portal/operator/certificates?status=applied`);
  await check(op, 'operator-certificates');
  await op.click('button:has-text("承認して発行")');
  await op.waitForURL('**/portal/operator/certificates');

  await clinic.goto(`${base}/portal/certificates`);
  await clinic.click('button:has-text("ダウンロード")');
  await clinic.waitForSelector('[data-password]');
  const password = await clinic.inputValue('[data-password]');
  assert.ok(password.length >= 16, 'a one-time password is shown');
  const [download] = await Promise.all([clinic.waitForEvent('download'), clinic.click('#p12-link')]);
  assert.equal(download.suggestedFilename(), 'uketsuke-1.p12');
  await download.saveAs(join(artifacts, 'uketsuke-1.p12'));
  await check(clinic, 'certificate-download');
  await clinic.goto(`${base}/portal/certificates`);
  await clinic.waitForSelector('[data-cert][data-status=downloaded]');
  assert.equal(await clinic.locator('button:has-text("ダウンロード")').count(), 0, 'no second download');

  // The subsidy is applied for after 導入完了: the set-up and the operation test are done.
  for (const step of ['setup', 'operation-test']) {
    await clinic.goto(`${base}/portal/home`);
    const row = clinic.locator(`tr[data-step=${step}]`);
    if ((await row.getAttribute('class')) !== 'done') {
      await row.locator('button[type=submit]').click();
      await clinic.waitForSelector(`tr[data-step=${step}].done`);
    }
  }
  // Subsidy application with the seed's cost items and the three documents.
  const fillSubsidy = async () => {
    await clinic.fill('#amount-system-change', '300000');
    await clinic.fill('#amount-terminal', '120000');
    await clinic.fill('#vendor', 'しかくシステム株式会社');
    await clinic.fill('#receipt_number', 'R-2021-0042');
    await clinic.fill('#completed_on', new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10));
  };
  await clinic.goto(`${base}/portal/subsidy-application`);
  await fillSubsidy();
  await check(clinic, 'subsidy-form');
  await clinic.check('#confirm');
  await clinic.click('#apply-subsidy button[type=submit]');
  await clinic.waitForURL('**/portal/subsidy-application/S*');
  // Withdrawn before a decision (after ticking the confirmation), then filed anew.
  await check(clinic, 'subsidy-filed');
  await clinic.check('#confirm');
  await clinic.click('#withdraw button[type=submit]');
  await clinic.waitForSelector('[data-status=withdrawn]');
  assert.equal(await clinic.locator('#withdraw').count(), 0, 'a withdrawn application is final');
  await check(clinic, 'subsidy-withdrawn');
  await clinic.goto(`${base}/portal/subsidy-application`);
  await fillSubsidy();
  await clinic.check('#confirm');
  await clinic.click('#apply-subsidy button[type=submit]');
  await clinic.waitForURL('**/portal/subsidy-application/S*');
  const detail = clinic.url();
  const files = [
    ['receipt', 'receipt.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n')],
    ['receipt-breakdown', 'breakdown.png', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])],
    ['completion-report', 'report.jpg', 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0])],
  ];
  for (const [kind, name, mimeType, buffer] of files) {
    await clinic.selectOption('#kind', kind);
    await clinic.setInputFiles('#file', { name, mimeType, buffer });
    await clinic.click('#upload button[type=submit]');
    await clinic.waitForSelector(`[data-doc=${kind}] a`);
  }
  await check(clinic, 'subsidy-documents');

  await op.goto(`${base}/portal/operator/subsidies?status=submitted`);
  await check(op, 'operator-subsidies');
  await op.click('a[href^="/portal/operator/subsidies/S"]');
  await op.waitForSelector('#decide');
  await check(op, 'operator-review');
  await op.click('#decide button[type=submit]');
  await op.waitForSelector('[data-status=approved]');

  await clinic.goto(detail);
  await clinic.waitForSelector('[data-status=approved]');
  await check(clinic, 'subsidy-approved');

  // The generated forms (交付申請書, 事業完了報告書): PDFs with the facility's data, the same
  // for the facility and the operator; their text read back with poppler's pdftotext.
  for (const [form, title] of [['grant-application', '交付申請書'], ['completion-report', '事業完了報告書']]) {
    const href = await clinic.getAttribute(`a[data-form=${form}]`, 'href');
    for (const [who, page] of [['facility', clinic], ['operator', op]]) {
      const res = await page.request.get(`${base}${href}`);
      assert.equal(res.status(), 200, `${form} for the ${who}`);
      assert.match(res.headers()['content-type'], /^application\/pdf/);
      const body = await res.body();
      assert.equal(body.subarray(0, 5).toString(), '%PDF-', `${form} is a PDF`);
      const file = join(artifacts, `${form}-${who}.pdf`);
      writeFileSync(file, body);
      const text = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      assert.equal(text.status, 0, `pdftotext ${form}: ${text.stderr}`);
      assert.ok(text.stdout.includes(title), `${form} names itself: ${text.stdout}`);
      assert.ok(text.stdout.includes('しかく内科クリニック'), `${form} names the facility: ${text.stdout}`);
    }
  }

  // Help: FAQ search as you type (htmx), the chatbot, an inquiry answered by an operator.
  await clinic.goto(`${base}/faq`);
  await clinic.locator('#q').pressSequentially('ほじょきん', { delay: 30 });
  await clinic.waitForSelector('#results ol.hits li:first-child a[data-faq-id=subsidy-amount]');
  await check(clinic, 'faq-search');

  await clinic.goto(`${base}/chat`);
  await clinic.click('button.choice:has-text("補助金")');
  await clinic.waitForSelector('#log .turn.bot >> nth=1');
  // A four-turn conversation: a topic, the facility's kind, a follow-up on the topic, and a
  // question about this clinic's own application.
  const ask = async (text, selector) => {
    await clinic.fill('#text', text);
    await clinic.click('form.search button[type=submit]');
    await clinic.waitForSelector(selector);
    // The field is emptied for the next question (static/chat.js).
    await clinic.waitForFunction(() => document.querySelector('#text').value === '');
  };
  await ask('カードリーダーは何台もらえますか', '#log .turn.bot[data-faq-id=reader-count]');
  await ask('うちは診療所です', '#log .turn.bot:has-text("診療所の場合")');
  await ask('それの期限はいつ？', '#log .turn.bot[data-faq-id=reader-when]');
  // Logged in: the answer is this clinic's own application, not the general FAQ.
  await ask('補助金はいくら？', '#log .turn.bot:has-text("補助金申請額")');
  await clinic.waitForSelector('#log .turn.bot a[href="/portal/subsidy-application"]');
  await ask('駐車場はありますか', '#log .turn.bot.not-answered a[href="/inquiry"]');
  await check(clinic, 'chatbot');

  // 「役に立ちましたか」 on an FAQ entry, answered in place (htmx).
  await clinic.goto(`${base}/faq/subsidy-amount`);
  await clinic.click('#feedback button[value=no]');
  await clinic.waitForSelector('#feedback [role=status]');
  await check(clinic, 'faq-feedback');

  await clinic.goto(`${base}/inquiry`);
  await clinic.selectOption('#category', 'subsidy');
  await clinic.fill('#subject', '補助金の入金時期');
  await clinic.fill('#body', '承認された補助金はいつ入金されますか。');
  await clinic.setInputFiles('#file', {
    name: 'screen.png', mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]),
  });
  await check(clinic, 'inquiry-form');
  await clinic.click('#inquiry button[type=submit]');
  await clinic.waitForURL('**/portal/inquiries/Q*');
  const ticket = clinic.url().split('/').pop();
  await clinic.waitForSelector('#status.open');
  await check(clinic, 'inquiry-thread');

  // The content team's page: the answer just marked unhelpful, the question nothing answered.
  await op.goto(`${base}/portal/operator/help`);
  await op.waitForSelector('#feedback tr[data-entry=subsidy-amount]');
  await op.waitForSelector('#unanswered th:has-text("駐車場はありますか")');
  await check(op, 'operator-help');

  // Suspect links between rows and 個人番号 (the test seeded two): the list and one link.
  await op.goto(`${base}/portal/operator/links`);
  await op.waitForSelector('#links a[href^="/portal/operator/links/L"]');
  await check(op, 'operator-links');
  await op.click('#links a[href^="/portal/operator/links/L"]');
  await op.waitForSelector('#rows');
  await check(op, 'operator-link');

  await op.goto(`${base}/portal/operator/inquiries?status=open`);
  await check(op, 'operator-inbox');
  await op.click(`a:has-text("${ticket}")`);
  await op.fill('#body', '承認後、翌月末までに指定口座へ振り込みます。');
  await check(op, 'operator-inquiry');
  await op.click('#reply button[type=submit]');
  await op.waitForSelector('#status.answered');

  await clinic.reload();
  await clinic.waitForSelector('.msg.operator:has-text("翌月末までに")');
  await clinic.click('#close button[type=submit]');
  await clinic.waitForSelector('#status.closed');
  await check(clinic, 'inquiry-closed');

  // English.
  await clinic.goto(`${base}/portal/home?lang=en`);
  assert.equal(await clinic.getAttribute('html', 'lang'), 'en');
  await check(clinic, 'home-en');

  // A phone's width (375 px): every page fits without scrolling sideways (wide tables
  // scroll inside themselves).
  await clinic.setViewportSize({ width: 375, height: 812 });
  const narrow = [
    ['/', 'front-375'], ['/portal/home', 'home-375'], ['/portal/readers', 'readers-375'],
    ['/portal/certificates', 'certificates-375'], [new URL(detail).pathname, 'subsidy-375'],
    ['/faq', 'faq-375'], ['/inquiry', 'inquiry-375'],
  ];
  for (const [path, name] of narrow) {
    await clinic.goto(`${base}${path}`);
    await check(clinic, name);
    const [overflow, wide] = await clinic.evaluate(() => [
      document.documentElement.scrollWidth - window.innerWidth,
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent ?? '').trim().slice(0, 30)}" ${getComputedStyle(e).display} ${Math.round(e.getBoundingClientRect().width)}`),
    ]);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px: ${wide.join('; ')}`);
  }
  console.log(`all ${shot} pages checked; screenshots in ${artifacts}`);
} finally {
  await browser.close();
}
