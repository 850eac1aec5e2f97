// An operator's journey through the Temporal Web UI our server serves, in Debian's headless Chromium, against
// workflows the xunit test started (WebUiJourneyTests). Env: WEBUI_URL (the UI port), WEBUI_NAMESPACE, WEBUI_FILTER (a
// list filter, typed into the UI's search), WEBUI_MATCHING (ids, comma-separated, the filter keeps), WEBUI_OTHER (an id
// it drops), WEBUI_SIGNAL_ID (a run waiting on a timer), WEBUI_SIGNAL_NAME, WEBUI_SIGNAL_INPUT (JSON),
// WEBUI_SIGNAL_STATUS (the status the signal leads to, Completed unless set), WEBUI_TERMINATE_ID (a run to terminate),
// WEBUI_ARTIFACTS, EASYPARK_CHROMIUM; optional, each a step on the run to terminate: WEBUI_PENDING_ACTIVITY (the type
// of the activity it waits on), WEBUI_QUERY_ANSWER (text in its first query's answer, on the page only once it answered), WEBUI_CALL_STACK (text in its
// call stack; needs a worker with stack traces on). Prints "step: ..." lines; exit code 0 only when every step was seen
// and the browser reported no error.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = name => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('WEBUI_URL').replace(/\/$/, '');
const namespace = env('WEBUI_NAMESPACE');
const matching = env('WEBUI_MATCHING').split(',');
const other = env('WEBUI_OTHER');
const signalId = env('WEBUI_SIGNAL_ID');
const terminateId = env('WEBUI_TERMINATE_ID');
const artifacts = env('WEBUI_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const step = message => console.log(`step: ${message}`);
const browser = await chromium.launch({
  executablePath: env('EASYPARK_CHROMIUM'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
const problems = [];
page.on('pageerror', error => problems.push(`page error: ${error.message}`));
page.on('console', message => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`); });
page.on('response', response => { if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`); });
page.setDefaultTimeout(30_000);

const rows = () => page.locator('[data-testid="workflows-summary-configurable-table-row"]');
const listed = async () => (await rows().allInnerTexts()).join('\n');
const statusIs = status => page.locator('main').getByText(status, { exact: true }).first().waitFor();
// The page holds some controls twice (one copy for small screens, hidden here): act on the visible one.
const visible = locator => locator.filter({ visible: true }).first();
const actionsMenu = () => visible(page.locator('#workflow-actions-menu-button'));
const shot = name => page.screenshot({ path: join(artifacts, name), fullPage: true });

try {
  // The list: every workflow the test started, newest first.
  await page.goto(`${base}/namespaces/${encodeURIComponent(namespace)}/workflows`);
  await page.waitForFunction(ids => ids.every(id => document.body.innerText.includes(id)), [...matching, other]);
  step(`list shows ${await rows().count()} workflows, among them ${[...matching, other].join(', ')}`);
  await shot('workflow-list.png');

  // The filter, typed into the UI's own search box: the list narrows to the matching ones.
  await page.locator('#search-attribute-filter-button').click();
  await page.getByTestId('manual-search-toggle').click();
  await page.locator('#manual-search').fill(env('WEBUI_FILTER'));
  await page.locator('#manual-search').press('Enter');
  await page.waitForFunction(
    ([keep, drop]) => keep.every(id => document.body.innerText.includes(id)) && !document.body.innerText.includes(drop),
    [matching, other]);
  if (!new URL(page.url()).searchParams.get('query')) throw new Error(`the filter is not in the URL: ${page.url()}`);
  step(`filter "${env('WEBUI_FILTER')}" leaves ${await rows().count()} workflows: ${(await listed()).includes(other) ? 'with' : 'without'} ${other}`);
  await shot('workflow-list-filtered.png');

  // One workflow: its history, with the timer it waits on still pending.
  await rows().filter({ hasText: signalId }).getByRole('link', { name: signalId }).first().click();
  await page.waitForURL(url => url.pathname.includes(`/workflows/${encodeURIComponent(signalId)}/`) && url.pathname.endsWith('/history'));
  await statusIs('Running');
  await page.getByText(/Timer\s*Started/i).first().waitFor();
  const history = await page.locator('main').innerText();
  if (/Timer\s*Fired/i.test(history)) throw new Error('the timer has already fired');
  step(`history of ${signalId}: running, timer started and not fired`);
  await shot('workflow-history.png');

  // Send its signal from the UI and see the workflow complete.
  await actionsMenu().click();
  await visible(page.getByTestId('signal-button')).click();
  const signalModal = visible(page.locator('#signal-confirmation-modal'));
  const signalName = env('WEBUI_SIGNAL_NAME');
  if (await signalModal.locator('#signal-select').count()) {
    // The workflow's metadata query listed its signals: pick it from the list.
    await signalModal.getByTestId('signal-select-button').click();
    await visible(page.getByRole('option', { name: signalName })).click();
  } else {
    await signalModal.locator('#signal-name').fill(signalName);
  }
  const editor = signalModal.locator('.cm-content').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(env('WEBUI_SIGNAL_INPUT'));
  await shot('workflow-signal.png');
  await signalModal.getByTestId('confirm-modal-button').click();
  const afterSignal = process.env.WEBUI_SIGNAL_STATUS || 'Completed';
  await statusIs(afterSignal);
  await page.getByText(/Workflow\s*Execution\s*Signaled/i).first().waitFor();
  step(`signal ${signalName} sent from the UI; ${signalId} ${afterSignal.toLowerCase()}`);
  await shot('workflow-completed.png');

  // Terminate another one from the UI, reached from the list.
  await page.goto(`${base}/namespaces/${encodeURIComponent(namespace)}/workflows`);
  await rows().filter({ hasText: terminateId }).getByRole('link', { name: terminateId }).first().click();
  await page.waitForURL(url => url.pathname.includes(`/workflows/${encodeURIComponent(terminateId)}/`));
  await statusIs('Running');

  // Its other pages while it runs, as asked: the activity it waits on, its first query, its call stack.
  const tab = id => visible(page.getByTestId(`${id}-tab`)).click();
  if (process.env.WEBUI_PENDING_ACTIVITY) {
    await tab('pending-activities');
    await page.locator('main').getByText(process.env.WEBUI_PENDING_ACTIVITY, { exact: true }).first().waitFor();
    step(`pending activities of ${terminateId}: ${process.env.WEBUI_PENDING_ACTIVITY}`);
    await shot('workflow-pending-activities.png');
  }
  if (process.env.WEBUI_QUERY_ANSWER) {
    await tab('queries');
    // The answer's text must be new on the page, or seeing it would prove nothing.
    const answer = process.env.WEBUI_QUERY_ANSWER;
    if ((await page.locator('main').innerText()).includes(answer)) throw new Error(`"${answer}" is on the page before the query runs`);
    await visible(page.getByRole('button', { name: 'Run Query' })).click();
    await page.waitForFunction(text => document.querySelector('main')?.innerText.includes(text), answer);
    step(`query answered with ${process.env.WEBUI_QUERY_ANSWER}`);
    await shot('workflow-query.png');
  }
  if (process.env.WEBUI_CALL_STACK) {
    await tab('call-stack');
    await page.locator('main').getByText(process.env.WEBUI_CALL_STACK).first().waitFor();
    step('call stack shown');
    await shot('workflow-call-stack.png');
  }
  await actionsMenu().click();
  await visible(page.getByTestId('terminate-button')).click();
  const terminateModal = visible(page.locator('#terminate-confirmation-modal'));
  await terminateModal.locator('#workflow-termination-reason').fill('terminated from the Web UI test');
  await terminateModal.getByTestId('confirm-modal-button').click();
  await statusIs('Terminated');
  step(`${terminateId} terminated from the UI`);
  await shot('workflow-terminated.png');

  if (problems.length) throw new Error(`the browser reported:\n${problems.join('\n')}`);
  console.log('webui journey: ok');
} catch (error) {
  await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
  console.log(`page at failure (${page.url()}):\n${await page.locator('body').innerText().catch(() => '?')}`);
  if (problems.length) console.log(`the browser reported:\n${problems.join('\n')}`);
  throw error;
} finally {
  await browser.close();
}
