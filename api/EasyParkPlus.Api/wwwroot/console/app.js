// The operator console: hash routes #/login, #/dashboard, #/workflows, #/workflows/{id}.
import { api, session, newKey, ApiError } from './api.js';
import { h, append, clear, money, kw, when, time, duration, setFacilityZones } from './dom.js';
import { occupancyChart, powerChart, revenueChart } from './charts.js';

const main = document.getElementById('main');
let stopRefresh = () => {};
// Where the Temporal Web UI is (Console:TemporalUiUrl), read once after sign-in; null url: no links.
let settings = null;

function toast(message, kind = 'ok') {
  const el = document.getElementById('toast');
  el.className = kind;
  el.textContent = message;
}

function navigate(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

function parseHash() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function every(seconds, fn) {
  const id = setInterval(fn, seconds * 1000);
  stopRefresh = () => clearInterval(id);
}

async function route() {
  stopRefresh();
  stopRefresh = () => {};
  const { parts, params } = parseHash();
  const signedIn = Boolean(session.token);
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').textContent = session.email ?? '';
  if (!signedIn && parts[0] !== 'login') return navigate('#/login');
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === (parts[0] ?? 'dashboard')) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  try {
    if (parts[0] === 'login') return loginView();
    settings ??= await api('console/settings');
    await loadFacilities();
    if (parts[0] === 'workflows' && parts[1]) return await detailView(parts[1]);
    if (parts[0] === 'workflows') return await listView(params);
    return await dashboardView();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      return render('Not allowed', h('p', { class: 'error' }, 'This account is not an operator. Sign in with an operator or admin account.'));
    }
    if (!(error instanceof ApiError && error.status === 401)) render('Something went wrong', h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

// Facilities (with their time zones) once per sign-in: every time on the pages shows in its facility's zone.
let facilitiesLoaded = null;
function loadFacilities() {
  facilitiesLoaded ??= api('facilities').then(setFacilityZones).catch(error => { facilitiesLoaded = null; throw error; });
  return facilitiesLoaded;
}

function render(title, ...content) {
  document.title = `${title} · EasyParkPlus console`;
  append(clear(main), [h('h1', {}, title), content]);
  main.focus({ preventScroll: true });
}

// ------------------------------------------------------------------ login

function loginView() {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const form = h('form', { class: 'card narrow', id: 'login-form' },
    h('label', { for: 'email' }, 'E-mail'),
    h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true }),
    h('label', { for: 'password' }, 'Password'),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    error.textContent = '';
    const email = form.email.value.trim();
    try {
      const tokens = await api('auth/login', { method: 'POST', body: { email, password: form.password.value } });
      session.save(tokens.accessToken, email);
      navigate('#/dashboard');
    } catch (e) {
      error.textContent = e.status === 401 || e.status === 400 ? 'Wrong e-mail or password.' : e.message;
    }
  });
  render('Sign in', form);
}

// ------------------------------------------------------------------ dashboard

async function dashboardView() {
  const updated = h('p', { class: 'muted', id: 'updated', 'aria-live': 'off' });
  const body = h('div', { id: 'dashboard' });
  let chosen = null;
  render('Facility dashboard', updated, body);

  async function refresh() {
    const [board, sessions] = await Promise.all([api('console/dashboard'), api('console/sessions')]);
    chosen ??= board.facilities[0]?.id ?? null;
    const occupancy = chosen ? await api(`analytics/occupancy?facilityId=${encodeURIComponent(chosen)}&period=day`).catch(() => null) : null;
    append(clear(body), [
      h('section', { 'aria-labelledby': 'fac-h' }, h('h2', { id: 'fac-h' }, 'Facilities'),
        h('div', { class: 'grid' }, board.facilities.map(f => facilityCard(f, board.powerBudgetW)))),
      h('div', { class: 'grid two' },
        h('section', { class: 'card', 'aria-labelledby': 'occ-h' },
          h('h2', { id: 'occ-h' }, 'Occupancy over the day'),
          h('label', { for: 'occ-facility' }, 'Facility '),
          facilityPicker(board.facilities, chosen, id => { chosen = id; refresh().catch(showError); }),
          occupancy ? occupancyChart(occupancy.buckets, chosen, chosen) : h('p', { class: 'muted' }, 'No occupancy data.')),
        h('section', { class: 'card', 'aria-labelledby': 'rev-h' },
          h('h2', { id: 'rev-h' }, 'Revenue today by facility'),
          revenueChart(board.facilities.map(f => ({ label: f.id, cents: f.revenueTodayCents }))))),
      h('section', { class: 'card', 'aria-labelledby': 'run-h' },
        h('h2', { id: 'run-h' }, 'Sessions in progress'),
        sessions.length ? sessionTable(sessions) : h('p', { class: 'muted' }, 'No car is parked.'),
        h('p', {}, h('a', { href: '#/workflows?status=Running' }, 'All running workflows →')))]);
    updated.textContent = `Updated ${time(board.generatedAt)} · refreshes every ${board.refreshSeconds} s`;
    return board.refreshSeconds;
  }

  function showError(e) { updated.textContent = `Refresh failed: ${e.message}`; }
  const seconds = await refresh();
  every(seconds, () => refresh().catch(showError));
}

function facilityPicker(facilities, chosen, onChange) {
  const select = h('select', { id: 'occ-facility' }, facilities.map(f => h('option', { value: f.id, selected: f.id === chosen }, `${f.id} — ${f.name}`)));
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

function facilityCard(f, budgetW) {
  return h('article', { class: 'card', 'aria-labelledby': `f-${f.id}`, 'data-facility': f.id },
    h('h3', { id: `f-${f.id}` }, `${f.id} · ${f.name}`, h('small', {}, ` ${f.city}`)),
    h('dl', { class: 'stats' },
      h('div', {}, h('dt', {}, 'Parked now'), h('dd', {}, String(f.parkingSessionsActive))),
      h('div', {}, h('dt', {}, 'Charging now'), h('dd', {}, String(f.chargingSessionsActive))),
      h('div', {}, h('dt', {}, 'Revenue today'), h('dd', {}, money(f.revenueTodayCents))),
      h('div', {}, h('dt', {}, 'Running workflows'), h('dd', {}, String(f.runningWorkflows.reduce((n, w) => n + w.running, 0))))),
    h('table', {},
      h('caption', {}, 'Occupancy by space type'),
      h('thead', {}, h('tr', {}, ['Type', 'Occupied', 'Reserved', 'Maint.', 'Free'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, f.occupancy.map(o => h('tr', {},
        h('th', { scope: 'row' }, o.spaceType),
        h('td', {}, `${o.occupied} / ${o.total}`), h('td', {}, String(o.reserved)), h('td', {}, String(o.maintenance)), h('td', {}, String(o.available)))))),
    h('h4', {}, 'Power allocation'),
    powerChart(f.chargers, budgetW, f.id),
    h('table', {},
      h('caption', {}, 'Chargers'),
      h('thead', {}, h('tr', {}, ['Station', 'State', 'Allocated', 'Drawing', 'Max', 'Energy'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, f.chargers.map(c => h('tr', {},
        h('th', { scope: 'row' }, c.sessionWorkflowId ? h('a', { href: `#/workflows/${encodeURIComponent(c.sessionWorkflowId)}` }, c.stationId) : c.stationId),
        h('td', {}, h('span', { class: `pill ${c.state.toLowerCase()}` }, c.state)),
        h('td', {}, kw(c.allocatedW)), h('td', {}, kw(c.powerW)), h('td', {}, kw(c.maxPowerW)), h('td', {}, `${(c.energyWh / 1000).toFixed(1)} kWh`))))));
}

// Parked cars as an operator looks for them; the plate leads to the session's workflow.
function sessionTable(sessions) {
  const columns = ['Plate', 'Facility', 'Space', 'Entered', 'Parked for', 'Amount', 'State', ...(settings?.temporalUiUrl ? ['Temporal'] : [])];
  return h('table', { id: 'sessions-table' },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sessions.map(s => h('tr', { 'data-workflow-id': s.workflowId },
      h('th', { scope: 'row' }, h('a', { href: `#/workflows/${encodeURIComponent(s.workflowId)}` }, s.plate)),
      h('td', {}, s.facilityId), h('td', {}, s.space ?? `(${s.spaceType.toLowerCase()})`), h('td', {}, when(s.enteredAt, s.facilityId)),
      h('td', {}, duration(s.minutes)), h('td', { class: 'num' }, money(s.amountCents)), h('td', {}, s.state),
      settings?.temporalUiUrl ? h('td', {}, temporalLink(s.workflowId, 'open ↗')) : null))));
}

// ------------------------------------------------------------------ workflows

function attr(w, name) {
  const v = w.searchAttributes?.[name];
  return v === undefined || v === null ? '' : String(v);
}

// The workflow's page in the Temporal Web UI (its latest run), in a new tab; null when no UI is configured.
function temporalLink(workflowId, text = 'Temporal UI ↗') {
  if (!settings?.temporalUiUrl) return null;
  const href = `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href, target: '_blank', rel: 'noopener', class: 'temporal-link', title: `${workflowId} in the Temporal Web UI` }, text);
}

function workflowTable(workflows, id) {
  const columns = ['Workflow', 'Type', 'Status', 'Facility', 'Plate', 'Started', ...(settings?.temporalUiUrl ? ['Temporal'] : [])];
  return h('table', { id },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, workflows.map(w => h('tr', { 'data-workflow-id': w.workflowId },
      h('th', { scope: 'row' }, h('a', { href: `#/workflows/${encodeURIComponent(w.workflowId)}` }, w.workflowId)),
      h('td', {}, w.workflowType),
      h('td', {}, h('span', { class: `pill ${w.status.toLowerCase()}` }, w.status)),
      h('td', {}, attr(w, 'FacilityId')), h('td', {}, attr(w, 'Plate')), h('td', {}, when(w.startTime, attr(w, 'FacilityId'))),
      settings?.temporalUiUrl ? h('td', {}, temporalLink(w.workflowId, 'open ↗')) : null))));
}

async function listView(params) {
  const types = await api('console/workflow-types');
  const form = h('form', { class: 'filters', id: 'filters', role: 'search' },
    field('type', 'Type', h('select', { id: 'type', name: 'type' },
      ['', ...types].map(v => h('option', { value: v, selected: (params.get('type') ?? '') === v }, v || 'Any')))),
    field('status', 'Status', h('select', { id: 'status', name: 'status' },
      ['', 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut', 'ContinuedAsNew'].map(v =>
        h('option', { value: v, selected: (params.get('status') ?? '') === v }, v || 'Any')))),
    field('facility', 'Facility', h('input', { id: 'facility', name: 'facility', value: params.get('facility') ?? '', size: 6 })),
    field('plate', 'Plate', h('input', { id: 'plate', name: 'plate', value: params.get('plate') ?? '', size: 10 })),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const name of ['type', 'status', 'facility', 'plate']) if (form[name].value.trim()) q.set(name, form[name].value.trim());
    navigate(`#/workflows?${q}`);
  });
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  render('Workflows', form, results);
  const query = new URLSearchParams(params);
  query.set('pageSize', '50');
  const page = await api(`workflows?${query}`);
  append(clear(results), [
    h('p', { class: 'muted' }, `${page.workflows.length} shown${page.nextPageToken ? ' (more exist: narrow the search)' : ''}`),
    page.workflows.length ? workflowTable(page.workflows, 'workflow-table') : h('p', {}, 'No workflows match.')]);
}

function field(id, label, input) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

// ------------------------------------------------------------------ workflow detail

const KIND = [
  [/^Activity/, 'activity'], [/^Timer/, 'timer'], [/Signal/, 'signal'], [/^WorkflowTask/, 'task'],
  [/Failed|TimedOut|Terminated|Canceled/, 'bad'], [/^WorkflowExecution/, 'workflow'],
];

function kindOf(eventType) {
  return KIND.find(([re]) => re.test(eventType))?.[1] ?? 'other';
}

async function detailView(id) {
  const path = `workflows/${encodeURIComponent(id)}`;
  const [detail, history, audit] = await Promise.all([api(path), api(`${path}/history`), api(`${path}/audit`)]);
  const e = detail.execution;
  const facility = e.searchAttributes?.FacilityId;
  const showTasks = h('input', { type: 'checkbox', id: 'show-tasks' });
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const drawTimeline = () => append(clear(timeline), history
    .filter(ev => showTasks.checked || kindOf(ev.eventType) !== 'task')
    .map(ev => h('li', { class: `ev ${kindOf(ev.eventType)}` },
      h('span', { class: 'ev-time' }, time(ev.timestamp, facility)),
      h('span', { class: 'ev-type' }, `#${ev.eventId} ${ev.eventType}`),
      h('span', { class: 'ev-desc' }, ev.description),
      ev.attributes?.attempt > 1 ? h('span', { class: 'pill backoff' }, `attempt ${ev.attributes.attempt}`) : null,
      ev.attributes?.failure?.message ? h('span', { class: 'ev-fail' }, `failure: ${ev.attributes.failure.message}`) : null)));
  showTasks.addEventListener('change', drawTimeline);
  drawTimeline();

  const inTemporal = temporalLink(id, 'Open in the Temporal Web UI ↗');
  render(`Workflow ${id}`,
    h('p', {}, h('a', { href: '#/workflows' }, '← Workflows'), inTemporal ? ' · ' : null, inTemporal),
    h('section', { class: 'card', 'aria-labelledby': 'sum-h' },
      h('h2', { id: 'sum-h' }, 'Summary'),
      h('dl', { class: 'kv' },
        kv('Status', h('span', { class: `pill ${e.status.toLowerCase()}`, id: 'wf-status' }, e.status)),
        kv('Type', e.workflowType), kv('Run id', e.runId), kv('Task queue', e.taskQueue),
        kv('Started', h('span', { id: 'wf-started' }, when(e.startTime, facility))), kv('Closed', when(e.closeTime, facility)),
        kv('History events', String(e.historyLength)),
        Object.entries(e.searchAttributes ?? {}).map(([k, v]) => kv(k, typeof v === 'string' ? v : JSON.stringify(v))),
        detail.failure ? kv('Failure', h('span', { class: 'error' }, detail.failure.message)) : null,
        detail.result !== null && detail.result !== undefined ? kv('Result', JSON.stringify(detail.result)) : null)),
    h('div', { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'state-h' },
        h('h2', { id: 'state-h' }, 'Current state'),
        detail.state !== null && detail.state !== undefined
          ? h('dl', { class: 'kv', id: 'wf-state' }, flatten(detail.state).map(([k, v]) => kv(k, v)))
          : h('p', { class: 'muted' }, detail.stateError ?? 'This workflow has no Status query.')),
      h('section', { class: 'card', 'aria-labelledby': 'pend-h' },
        h('h2', { id: 'pend-h' }, 'Waiting on'),
        pendingActivities(detail.pendingActivities, facility),
        detail.pendingTimers.length
          ? h('ul', { id: 'pending-timers' }, detail.pendingTimers.map(t => h('li', {}, `Timer #${t.startedEventId} fires ${when(t.fireAt, facility)}`)))
          : h('p', { class: 'muted' }, 'No pending timers.'),
        detail.lastWorkflowTaskFailure
          ? h('p', { class: 'error' }, `Workflow task failing (attempt ${detail.workflowTaskAttempt}): ${detail.lastWorkflowTaskFailure.message}`)
          : null)),
    e.status === 'Running' ? actions(id, detail.signals) : null,
    h('section', { class: 'card', 'aria-labelledby': 'hist-h' },
      h('h2', { id: 'hist-h' }, 'History'),
      h('label', {}, showTasks, ' show workflow task events'),
      timeline),
    h('section', { class: 'card', 'aria-labelledby': 'audit-h' },
      h('h2', { id: 'audit-h' }, 'Operator actions'),
      audit.length ? h('table', { id: 'audit-table' },
        h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Detail', 'Outcome'].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, audit.map(a => h('tr', {},
          h('td', {}, when(a.occurredAt, facility)), h('td', {}, a.actorEmail ?? a.actorId), h('td', {}, a.action),
          h('td', {}, describeAudit(a.detail)), h('td', {}, a.outcome)))))
        : h('p', { class: 'muted' }, 'No operator actions yet.')));

  // A running workflow changes under the operator's eyes: keep the page current.
  if (e.status === 'Running') {
    every(3, async () => {
      const fresh = await api(path).catch(() => null);
      if (fresh && (fresh.execution.historyLength !== e.historyLength || fresh.execution.status !== e.status) && !document.getElementById('confirm').open) route();
    });
  }
}

function describeAudit(detail) {
  if (!detail) return '';
  return [detail.signalName, detail.input !== undefined && detail.input !== null ? JSON.stringify(detail.input) : null, detail.reason ? `reason: ${detail.reason}` : null]
    .filter(Boolean).join(' · ');
}

function kv(key, value) {
  return h('div', {}, h('dt', {}, key), h('dd', {}, value));
}

function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', value === null ? '—' : String(value)]];
  const entries = Array.isArray(value) ? value.map((v, i) => [`${prefix}[${i}]`, v]) : Object.entries(value).map(([k, v]) => [prefix ? `${prefix}.${k}` : k, v]);
  if (!entries.length) return [[prefix || 'value', Array.isArray(value) ? '(none)' : '{}']];
  return entries.flatMap(([k, v]) => (v !== null && typeof v === 'object' ? flatten(v, k) : [[k, v === null ? '—' : String(v)]]));
}

function pendingActivities(list, facility) {
  if (!list.length) return h('p', { class: 'muted' }, 'No pending activities.');
  return h('table', { id: 'pending-activities' },
    h('thead', {}, h('tr', {}, ['Activity', 'State', 'Attempt', 'Next attempt', 'Last failure'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.map(a => h('tr', {},
      h('th', { scope: 'row' }, a.activityType), h('td', {}, a.state), h('td', {}, String(a.attempt)),
      h('td', {}, when(a.nextAttemptTime, facility)), h('td', {}, a.lastFailure?.message ?? '')))));
}

// ------------------------------------------------------------------ actions (each confirmed in a dialog, audited by the api)

function actions(id, signals) {
  const path = `workflows/${encodeURIComponent(id)}`;
  const signalSelect = h('select', { id: 'signal-name' }, signals.map(name => h('option', { value: name }, name)));
  const signalInput = h('textarea', { id: 'signal-input', rows: 3, placeholder: '{ "amountCents": 1500, "booth": "BOS-B1" }' });
  return h('section', { class: 'card', 'aria-labelledby': 'act-h' },
    h('h2', { id: 'act-h' }, 'Actions'),
    signals.length ? h('div', { class: 'action' },
      field('signal-name', 'Signal', signalSelect),
      field('signal-input', 'Input (JSON, if the signal takes one)', signalInput),
      h('button', { type: 'button', id: 'send-signal', class: 'primary', onclick: async () => {
        let input;
        try {
          input = signalInput.value.trim() ? JSON.parse(signalInput.value) : undefined;
        } catch {
          return toast('The input is not valid JSON.', 'bad');
        }
        const answer = await confirmDialog('Send signal', `Send ${signalSelect.value} to ${id}?`, { reasonRequired: false });
        if (answer) await act(path, 'signal', { signalName: signalSelect.value, input, reason: answer.reason || undefined });
      } }, 'Send signal…')) : h('p', { class: 'muted' }, 'This workflow type takes no signals.'),
    h('div', { class: 'action' },
      h('button', { type: 'button', id: 'cancel-workflow', onclick: async () => {
        const answer = await confirmDialog('Cancel workflow', `Ask ${id} to cancel? It may clean up before it stops.`, { reasonRequired: true });
        if (answer) await act(path, 'cancel', { reason: answer.reason });
      } }, 'Cancel…'),
      h('button', { type: 'button', id: 'terminate-workflow', class: 'danger', onclick: async () => {
        const answer = await confirmDialog('Terminate workflow', `Terminate ${id} now? No clean-up runs.`, { reasonRequired: true });
        if (answer) await act(path, 'terminate', { reason: answer.reason });
      } }, 'Terminate…')));
}

async function act(path, action, body) {
  try {
    await api(`${path}/${action}`, { method: 'POST', body, idempotencyKey: newKey() });
    toast(`${action} accepted`);
  } catch (e) {
    toast(`${action} failed: ${e.message}`, 'bad');
  }
  await route();
}

function confirmDialog(title, text, { reasonRequired }) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const error = document.getElementById('confirm-error');
  error.textContent = '';
  const reason = h('input', { id: 'confirm-reason', name: 'reason', maxlength: 500, required: reasonRequired, autocomplete: 'off' });
  append(clear(document.getElementById('confirm-fields')), [field('confirm-reason', reasonRequired ? 'Reason (required, audited)' : 'Reason (audited)', reason)]);
  return new Promise(resolve => {
    const form = document.getElementById('confirm-form');
    const done = value => {
      form.removeEventListener('submit', onSubmit);
      document.getElementById('confirm-cancel').removeEventListener('click', onBack);
      dialog.removeEventListener('cancel', onBack);
      dialog.close();
      resolve(value);
    };
    const onSubmit = event => {
      event.preventDefault();
      if (reasonRequired && !reason.value.trim()) {
        error.textContent = 'Please give a reason.';
        return;
      }
      done({ reason: reason.value.trim() });
    };
    const onBack = event => { event.preventDefault(); done(null); };
    form.addEventListener('submit', onSubmit);
    document.getElementById('confirm-cancel').addEventListener('click', onBack);
    dialog.addEventListener('cancel', onBack);
    dialog.showModal();
    reason.focus();
  });
}

// ------------------------------------------------------------------ start

document.getElementById('logout').addEventListener('click', async () => {
  // Ends the session on the server as well, so the token stops working before it expires.
  try { await api('auth/logout', { method: 'POST' }); } catch { /* already signed out */ }
  session.clear(); settings = null; facilitiesLoaded = null;
  navigate('#/login');
});
window.addEventListener('console:signed-out', () => navigate('#/login'));
window.addEventListener('hashchange', route);
route();
