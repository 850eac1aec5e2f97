// The operator's journey through the console in headless Chromium, against the api the xunit test started: the
// dashboard, and the session's link to its page in the Temporal Web UI (the console has no workflow pages of its own).
// Env: CONSOLE_BASE_URL, CONSOLE_EMAIL, CONSOLE_PASSWORD, CONSOLE_PLATE, CONSOLE_WORKFLOW_ID, CONSOLE_ARTIFACTS,
//      CONSOLE_TEMPORAL_LINK, EASYPARK_CHROMIUM. Exit code 0 only when every step was seen.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = name => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('CONSOLE_BASE_URL').replace(/\/$/, '');
const plate = env('CONSOLE_PLATE');
const workflowId = env('CONSOLE_WORKFLOW_ID');
const artifacts = env('CONSOLE_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: env('EASYPARK_CHROMIUM'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const step = message => console.log(`step: ${message}`);
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
try {
  const problems = [];
  page.on('pageerror', error => problems.push(`page error: ${error.message}`));
  page.on('console', message => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`); });
  page.on('response', response => { if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`); });
  page.setDefaultTimeout(20_000);

  await page.goto(`${base}/console/`);
  await page.waitForSelector('#login-form');
  step('login page shown');
  await page.fill('#email', env('CONSOLE_EMAIL'));
  await page.fill('#password', env('CONSOLE_PASSWORD'));
  await page.click('#login-form button[type=submit]');

  // The dashboard: facility cards with charts, and the session among those in progress by plate, space, time and amount,
  // its entry time as a US operator reads it in the facility's zone (Boston: EST or EDT).
  await page.waitForSelector('#dashboard [data-facility]');
  const row = page.locator('#sessions-table tr', { hasText: plate });
  await row.waitFor();
  await page.waitForSelector('svg.chart');
  const [, , space, entered, parkedFor, amount] = (await row.locator('th, td').allTextContents()).map(t => t.trim());
  const usTime = /^\d{2}\/\d{2}\/\d{4}, \d{1,2}:\d{2}:\d{2}\s(AM|PM) E[SD]T$/;
  if (!space || space.startsWith('(')) throw new Error(`the session row shows no space: ${space}`);
  if (!usTime.test(entered)) throw new Error(`the entry time is not a US time in Boston's zone: ${entered}`);
  if (!/^[12] h \d{2} min$/.test(parkedFor)) throw new Error(`two hours parked should read "2 h 00 min": ${parkedFor}`);
  if (!/^\$\d+\.\d{2}$/.test(amount) || amount === '$0.00') throw new Error(`the session row shows no amount: ${amount}`);
  step(`dashboard shows ${await page.locator('#dashboard [data-facility]').count()} facilities and ${plate} in ${space} since ${entered}, ${parkedFor}, ${amount}`);
  await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });

  // The session's workflow is one click away in the Temporal Web UI: the plate and the workflow id link to its page there.
  const temporalHref = await row.locator('th a.temporal-link').getAttribute('href');
  if (temporalHref !== env('CONSOLE_TEMPORAL_LINK')) throw new Error(`the plate links to ${temporalHref}`);
  const idCell = row.locator('td.workflow-id');
  if ((await idCell.textContent()).trim() !== workflowId || await idCell.locator('a.temporal-link').getAttribute('href') !== temporalHref) {
    throw new Error(`the workflow cell is ${await idCell.innerHTML()}`);
  }
  const running = await page.getAttribute('#running-link', 'href');
  if (!running.startsWith(temporalHref.slice(0, temporalHref.indexOf('/workflows/')) + '/workflows?query=')) throw new Error(`the running workflows link is ${running}`);
  if (await page.locator('[data-nav="workflows"], a[href^="#/workflows"]').count()) throw new Error('the console still links to workflow pages of its own');
  step(`${plate} links to ${temporalHref}; all running workflows to ${running}`);

  // Without a Temporal UI configured (Console:TemporalUiUrl unset, as the settings then answer), the id is plain text.
  await page.route('**/api/v1/console/settings', route => route.fulfill({ json: { temporalUiUrl: null, temporalNamespace: 'default' } }));
  await page.reload();
  await row.waitFor();
  if (await row.locator('a').count()) throw new Error(`without a Temporal UI the row still links: ${await row.innerHTML()}`);
  if ((await idCell.textContent()).trim() !== workflowId || (await row.locator('th').textContent()).trim() !== plate) {
    throw new Error(`without a Temporal UI the row reads ${await row.innerText()}`);
  }
  if (await page.locator('#running-link').count()) throw new Error('without a Temporal UI the running workflows link is still there');
  step('without a Temporal UI: the workflow id as text, no links');
  await page.screenshot({ path: join(artifacts, 'dashboard-without-temporal-ui.png'), fullPage: true });

  if (problems.length) throw new Error(problems.join('\n'));
  console.log('console journey: ok');
} catch (error) {
  // Leave evidence: what the page showed when the step failed.
  await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
  console.log(`page at failure (${page.url()}):\n${await page.locator('main').innerText().catch(() => '?')}`);
  throw error;
} finally {
  await browser.close();
}
