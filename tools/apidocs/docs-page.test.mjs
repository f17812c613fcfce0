// Browser test of GET /docs (Swagger UI served by auction-api itself). Starts nothing: it takes the base URL
// of a running API.
//
//   node docs-page.test.mjs http://127.0.0.1:8081 [screenshot.png]
//
// Checks, in Debian's chromium driven by playwright-core: every operation of /openapi.json is listed on the
// page; GET /api/v1/items expanded, "Try it out" + "Execute" shows a 200 in the response section; the page
// loads nothing from any other origin and logs no errors. Saves a screenshot (default
// docs/images/docs-page.png). Exits 1 on any failure. CHROMIUM=/path overrides /usr/bin/chromium.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const base = (process.argv[2] ?? process.env.AUCTION_API_URL ?? '').replace(/\/+$/, '');
const screenshot = process.argv[3] ?? path.join(HERE, '..', '..', 'docs', 'images', 'docs-page.png');
if (!/^https?:\/\//.test(base)) {
  console.error('usage: node docs-page.test.mjs <API base URL, e.g. http://127.0.0.1:8081> [screenshot.png]');
  process.exit(2);
}
const origin = new URL(base).origin;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.log(`FAIL ${message}`);
};
const ok = (message) => console.log(`ok   ${message}`);

const spec = await (await fetch(`${base}/openapi.json`)).json();
const operations = [];
for (const [p, item] of Object.entries(spec.paths)) {
  for (const method of METHODS) {
    if (!item[method]) continue;
    operations.push({ method, path: p, tag: item[method].tags?.[0] ?? 'default', id: item[method].operationId });
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // We run as root in CI containers: chromium's sandbox needs an unprivileged user.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const outside = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));

  const response = await page.goto(`${base}/docs`, { waitUntil: 'load' });
  if (response?.status() === 200) ok('GET /docs answers 200');
  else fail(`GET /docs answered ${response?.status()}`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  const title = await page.locator('.info .title').first().innerText();
  if (title.includes(spec.info.title)) ok(`the page shows "${spec.info.title}"`);
  else fail(`the page title is "${title}"`);

  // Swagger UI renders each operation as #operations-<tag>-<operationId> with its method and path.
  let listed = 0;
  for (const op of operations) {
    const block = page.locator(`#operations-${op.tag}-${op.id}`);
    if ((await block.count()) !== 1) {
      fail(`${op.method.toUpperCase()} ${op.path} (${op.id}) is not on the page`);
      continue;
    }
    const method = (await block.locator('.opblock-summary-method').innerText()).trim().toLowerCase();
    const shown = await block.locator('.opblock-summary-path').getAttribute('data-path');
    if (method !== op.method || shown !== op.path) {
      fail(`${op.id} is shown as ${method} ${shown}, documented ${op.method} ${op.path}`);
      continue;
    }
    listed += 1;
  }
  if (listed === operations.length) ok(`all ${operations.length} operations of /openapi.json are listed`);

  // GET /api/v1/items: expand, Try it out, Execute, and see the live 200.
  const items = page.locator('#operations-items-listItems');
  await items.locator('.opblock-summary').first().click();
  await items.locator('button.try-out__btn').click();
  await items.locator('button.execute').click();
  const status = items.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 30000 });
  const code = (await status.innerText()).trim();
  if (code.startsWith('200')) ok('GET /api/v1/items: Try it out + Execute shows 200');
  else fail(`GET /api/v1/items: Execute shows ${code}`);
  const requestUrl = (await items.locator('.request-url pre').first().innerText()).trim();
  if (requestUrl.startsWith(`${origin}/api/v1/items`)) ok(`the request went to ${requestUrl}`);
  else fail(`the request went to ${requestUrl}, not this API`);

  if (outside.length === 0) ok('nothing was loaded from another origin');
  else fail(`requests to other origins: ${outside.join(', ')}`);
  if (consoleErrors.length === 0) ok('no console errors');
  else fail(`console errors: ${consoleErrors.join(' | ')}`);

  // The page from its top down to the executed request's response: title, operations, the live 200.
  mkdirSync(path.dirname(screenshot), { recursive: true });
  // (bottom in page coordinates: boundingBox() would be relative to the scrolled viewport)
  const bottom = await items
    .locator('.live-responses-table')
    .first()
    .evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
  const height = Math.ceil(bottom + 24);
  await page.screenshot({ path: screenshot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
  ok(`screenshot ${path.relative(process.cwd(), screenshot)}`);
} catch (error) {
  fail(`browser test error: ${error.stack ?? error}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`docs page: FAILED (${failures.length})`);
  process.exit(1);
}
console.log('docs page: OK');
