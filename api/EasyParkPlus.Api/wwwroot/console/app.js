// The operator console: hash routes #/login and #/dashboard. A workflow's own page (history, pending work, signal,
// cancel, terminate) is the Temporal Web UI's: the console links every session and charge it shows there.
import { api, session, ApiError } from './api.js';
import { h, append, clear, money, kw, when, time, duration, setFacilityZones } from './dom.js';
import { occupancyChart, powerChart, revenueChart } from './charts.js';

const main = document.getElementById('main');
let stopRefresh = () => {};
// Where the Temporal Web UI is (Console:TemporalUiUrl), read once after sign-in; null url: workflow ids as text.
let settings = null;

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
  const { parts } = parseHash();
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
        settings?.temporalUiUrl ? h('p', {}, h('a', { href: temporalListUrl('ExecutionStatus="Running"'), target: '_blank', rel: 'noopener', id: 'running-link' },
          'All running workflows in the Temporal Web UI ↗')) : null)]);
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
        h('th', { scope: 'row' }, c.sessionWorkflowId ? workflowRef(c.sessionWorkflowId, c.stationId) : c.stationId),
        h('td', {}, h('span', { class: `pill ${c.state.toLowerCase()}` }, c.state)),
        h('td', {}, kw(c.allocatedW)), h('td', {}, kw(c.powerW)), h('td', {}, kw(c.maxPowerW)), h('td', {}, `${(c.energyWh / 1000).toFixed(1)} kWh`))))));
}

// Parked cars as an operator looks for them; the plate leads to the session's workflow in the Temporal Web UI.
function sessionTable(sessions) {
  const columns = ['Plate', 'Facility', 'Space', 'Entered', 'Parked for', 'Amount', 'State', 'Workflow'];
  return h('table', { id: 'sessions-table' },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sessions.map(s => h('tr', { 'data-workflow-id': s.workflowId },
      h('th', { scope: 'row' }, workflowRef(s.workflowId, s.plate)),
      h('td', {}, s.facilityId), h('td', {}, s.space ?? `(${s.spaceType.toLowerCase()})`), h('td', {}, when(s.enteredAt, s.facilityId)),
      h('td', {}, duration(s.minutes)), h('td', { class: 'num' }, money(s.amountCents)), h('td', {}, s.state),
      h('td', { class: 'workflow-id' }, workflowRef(s.workflowId, s.workflowId))))));
}

// ------------------------------------------------------------------ links to the Temporal Web UI

function temporalListUrl(query) {
  return `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.temporalNamespace)}/workflows?query=${encodeURIComponent(query)}`;
}

// The workflow's page in the Temporal Web UI (its latest run), in a new tab; without a configured UI, the text alone
// (the workflow id then finds it in whatever tool the operator has).
function workflowRef(workflowId, text) {
  if (!settings?.temporalUiUrl) return text;
  const href = `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href, target: '_blank', rel: 'noopener', class: 'temporal-link', title: `${workflowId} in the Temporal Web UI` }, text);
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
