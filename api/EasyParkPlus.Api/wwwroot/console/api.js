// Thin fetch wrapper: bearer token from sessionStorage, problem details turned into readable errors.
const TOKEN = 'easypark.console.token';
const EMAIL = 'easypark.console.email';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  get email() { return sessionStorage.getItem(EMAIL); },
  save(token, email) { sessionStorage.setItem(TOKEN, token); sessionStorage.setItem(EMAIL, email); },
  clear() { sessionStorage.removeItem(TOKEN); sessionStorage.removeItem(EMAIL); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    const fields = problem?.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${[].concat(v).join(' ')}`) : [];
    super([problem?.title ?? `HTTP ${status}`, problem?.detail, ...fields].filter(Boolean).join(' — '));
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const response = await fetch(`/api/v1/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { title: text.slice(0, 200) }; }
  }
  if (response.status === 401) {
    session.clear();
    window.dispatchEvent(new CustomEvent('console:signed-out'));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
