// The operator's journey through the console in headless Chromium, against the api the xunit test started.
// Env: CONSOLE_BASE_URL, CONSOLE_EMAIL, CONSOLE_PASSWORD, CONSOLE_PLATE, CONSOLE_WORKFLOW_ID, CONSOLE_SIGNAL,
//      CONSOLE_SIGNAL_INPUT, CONSOLE_ARTIFACTS, CONSOLE_TEMPORAL_LINK, EASYPARK_CHROMIUM. Exit code 0 only when every step was seen.
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

  // Its detail page: state from the Status query, the history, the actions.
  await row.locator('a').first().click();
  await page.waitForFunction(id => decodeURIComponent(location.hash) === `#/workflows/${id}`, workflowId);
  await page.waitForSelector('#wf-status');
  const started = (await page.textContent('#wf-started')).trim();
  if (!usTime.test(started)) throw new Error(`the start time is not a US time in Boston's zone: ${started}`);
  const before = await page.textContent('#wf-status');
  if (before !== 'Running') throw new Error(`expected a running workflow, the page says ${before}`);
  await page.waitForSelector('#timeline li');
  // The same workflow in the Temporal Web UI, one click away.
  const temporalHref = await page.getAttribute('main a.temporal-link', 'href');
  if (temporalHref !== env('CONSOLE_TEMPORAL_LINK')) throw new Error(`the Temporal UI link is ${temporalHref}`);
  step(`detail page of ${workflowId}: ${before}, state: ${(await page.textContent('#wf-state')).replace(/\s+/g, ' ')}`);

  // Wait until the session is where the operator acts (the page keeps itself current), and read what it asks for.
  const waitState = process.env.CONSOLE_WAIT_STATE;
  if (waitState) {
    await page.waitForFunction(s => document.querySelector('#wf-state')?.textContent.includes(s), waitState, { timeout: 30_000 });
    step(`session reached ${waitState}`);
  }
  const state = await page.$$eval('#wf-state > div', rows => Object.fromEntries(rows.map(r => [r.querySelector('dt').textContent, r.querySelector('dd').textContent])));
  const input = env('CONSOLE_SIGNAL_INPUT').replace(/\{(\w+)\}/g, (_, key) => state[key] ?? `{${key}}`);

  // Send the signal, confirmed in the dialog with a reason.
  await page.selectOption('#signal-name', env('CONSOLE_SIGNAL'));
  await page.fill('#signal-input', input);
  await page.click('#send-signal');
  await page.waitForSelector('dialog#confirm[open]');
  await page.fill('#confirm-reason', 'driver paid cash at the booth');
  await page.click('#confirm-ok');
  step(`signal confirmed with ${input}`);

  // See the result: the page refreshes into Completed, with the signal in the history and the action audited.
  await page.waitForFunction(() => document.querySelector('#wf-status')?.textContent === 'Completed', null, { timeout: 30_000 });
  await page.waitForSelector('#audit-table tbody tr');
  const timeline = await page.textContent('#timeline');
  if (!timeline.includes('WorkflowExecutionSignaled')) throw new Error('the history does not show the signal');
  const audit = await page.textContent('#audit-table');
  if (!audit.includes('signal') || !audit.includes(env('CONSOLE_EMAIL'))) throw new Error(`the audit table does not show the signal: ${audit}`);
  step('workflow completed, signal in history, action audited');
  await page.screenshot({ path: join(artifacts, 'workflow-detail.png'), fullPage: true });

  // The search offers the workflow types that exist, by their real names.
  await page.goto(`${base}/console/#/workflows`);
  await page.waitForSelector('#type option[value="ParkingSession"]', { state: 'attached' });
  const types = await page.$$eval('#type option', options => options.map(o => o.value).filter(Boolean));
  if (!['ParkingSession', 'Reservation', 'ChargingSession'].every(t => types.includes(t)) || types.some(t => t.endsWith('Workflow') && t.startsWith('Parking'))) {
    throw new Error(`the type filter offers ${types.join(', ')}`);
  }
  step(`type filter offers ${types.join(', ')}`);

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
