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
export const when = iso => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', hour12: false }) + ' UTC' : '—');
export const time = iso => (iso ? new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'UTC', hour12: false }) : '—');
