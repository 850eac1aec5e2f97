// Small hand-drawn SVG charts. Each has a <title>/<desc> and the numbers are also shown as text next to it.
import { s, kw, money, hourOf } from './dom.js';

const PALETTE = ['#1f6feb', '#2da44e', '#bf8700', '#8250df', '#cf222e', '#0a7ea4'];

/** Occupancy over the day: an area under a line, 0–100 %, one point per hourly bucket. */
export function occupancyChart(buckets, label, facilityId) {
  const w = 560, hgt = 180, left = 36, bottom = 22, top = 8, right = 8;
  const iw = w - left - right, ih = hgt - top - bottom;
  const n = Math.max(buckets.length, 2);
  const x = i => left + (iw * i) / (n - 1);
  const y = pct => top + ih - (ih * Math.min(100, Math.max(0, pct))) / 100;
  const points = buckets.map((b, i) => `${x(i).toFixed(1)},${y(b.occupancyPercent).toFixed(1)}`);
  const grid = [0, 25, 50, 75, 100].map(p => [
    s('line', { x1: left, x2: w - right, y1: y(p), y2: y(p), class: 'grid' }),
    s('text', { x: left - 4, y: y(p) + 4, 'text-anchor': 'end', class: 'axis' }, `${p}%`),
  ]);
  const ticks = buckets.map((b, i) => (i % 4 === 0 ? s('text', { x: x(i), y: hgt - 6, 'text-anchor': 'middle', class: 'axis' },
    hourOf(b.start, facilityId)) : null));
  const last = buckets.at(-1);
  return s('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', class: 'chart', 'aria-labelledby': 'occ-t occ-d' },
    s('title', { id: 'occ-t' }, `Occupancy over the last 24 hours, ${label}`),
    s('desc', { id: 'occ-d' }, last ? `Now ${last.occupancyPercent}% (${last.occupiedAtEnd} occupied).` : 'No data.'),
    grid,
    buckets.length ? s('polygon', { points: `${x(0)},${y(0)} ${points.join(' ')} ${x(buckets.length - 1)},${y(0)}`, class: 'area' }) : null,
    buckets.length ? s('polyline', { points: points.join(' '), class: 'line' }) : null,
    ticks);
}

/** Power allocation: one stacked bar of the limits the gateway granted each charger, against the facility's budget. */
export function powerChart(chargers, budgetW, label) {
  const w = 560, hgt = 64, left = 4, right = 4, barY = 8, barH = 26;
  const iw = w - left - right;
  const allocated = chargers.reduce((sum, c) => sum + c.allocatedW, 0);
  const drawn = chargers.reduce((sum, c) => sum + c.powerW, 0);
  const scale = Math.max(budgetW, allocated);
  let at = left;
  const segments = chargers.filter(c => c.allocatedW > 0).map((c, i) => {
    const width = (iw * c.allocatedW) / scale;
    const rect = s('rect', { x: at, y: barY, width: Math.max(width, 1), height: barH, fill: PALETTE[i % PALETTE.length] },
      s('title', {}, `${c.stationId}: ${kw(c.allocatedW)} allocated, ${kw(c.powerW)} drawn`));
    at += width;
    return rect;
  });
  const budgetX = left + (iw * budgetW) / scale;
  return s('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', class: 'chart' },
    s('title', {}, `Charging power at ${label}: ${kw(allocated)} allocated of ${kw(budgetW)}, ${kw(drawn)} drawn`),
    s('rect', { x: left, y: barY, width: iw, height: barH, class: 'track' }),
    segments,
    s('line', { x1: budgetX, x2: budgetX, y1: barY - 4, y2: barY + barH + 4, class: 'budget' }),
    s('text', { x: left, y: hgt - 8, class: 'axis' }, `${kw(allocated)} allocated · ${kw(drawn)} drawn`),
    s('text', { x: w - right, y: hgt - 8, 'text-anchor': 'end', class: 'axis' }, `budget ${kw(budgetW)}`));
}

/** Revenue by facility: one vertical bar per facility. */
export function revenueChart(rows) {
  const w = 560, hgt = 180, left = 8, right = 8, top = 18, bottom = 24;
  const ih = hgt - top - bottom;
  const max = Math.max(1, ...rows.map(r => r.cents));
  const slot = (w - left - right) / Math.max(rows.length, 1);
  const bars = rows.map((r, i) => {
    const bh = (ih * r.cents) / max;
    const x = left + slot * i + slot * 0.2;
    return [
      s('rect', { x, y: top + ih - bh, width: slot * 0.6, height: Math.max(bh, 1), fill: PALETTE[i % PALETTE.length] }),
      s('text', { x: x + slot * 0.3, y: top + ih - bh - 4, 'text-anchor': 'middle', class: 'axis' }, money(r.cents)),
      s('text', { x: x + slot * 0.3, y: hgt - 6, 'text-anchor': 'middle', class: 'axis' }, r.label),
    ];
  });
  return s('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', class: 'chart' },
    s('title', {}, `Revenue today by facility: ${rows.map(r => `${r.label} ${money(r.cents)}`).join(', ')}`),
    s('line', { x1: left, x2: w - right, y1: top + ih, y2: top + ih, class: 'grid' }),
    bars);
}
