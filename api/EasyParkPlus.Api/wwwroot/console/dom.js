// Element builder: text always goes in as textContent, so data from the api can never become markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const money = cents => (Number(cents ?? 0) / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
export const kw = watts => `${(Number(watts ?? 0) / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} kW`;
// Times as a US operator reads them, in the facility's own time zone: "12/07/2026, 3:04:05 PM EST". The zones come from
// /facilities (setFacilityZones); a time that belongs to no facility shows in the first facility's zone.
const zones = new Map();
let defaultZone = 'America/New_York';

export function setFacilityZones(facilities) {
  for (const f of facilities) zones.set(f.id, f.timeZone);
  defaultZone = facilities[0]?.timeZone ?? defaultZone;
}

export const zoneOf = facilityId => zones.get(facilityId) ?? defaultZone;

const format = (iso, facilityId, options) =>
  (iso ? new Intl.DateTimeFormat('en-US', { timeZone: zoneOf(facilityId), timeZoneName: 'short', ...options }).format(new Date(iso)) : '—');

export const when = (iso, facilityId) =>
  format(iso, facilityId, { year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', minute: '2-digit', second: '2-digit' });
export const time = (iso, facilityId) => format(iso, facilityId, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
export const hourOf = (iso, facilityId) => format(iso, facilityId, { hour: 'numeric', timeZoneName: undefined });
export const duration = minutes => `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
