// A stacked bar chart as inline SVG: one bar per day, one colour per series. The SVG is
// decorative for screen readers, which get the same numbers from the table beside it.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// The smallest "round" maximum (4 gridlines, whole-number steps of 1, 2, 2.5, 3, 4 or 5
// times a power of ten) at or above max.
function niceMax(max) {
  if (max <= 4) return 4;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 3, 4, 5, 10]) {
    const step = m * power;
    if (step >= raw && Number.isInteger(step)) return step * 4;
  }
  return 40 * power;
}

// rows: [{label, ...values}], series: [{key, label, className}]
export function stackedBars({ rows, series, title }) {
  const width = 720;
  const height = 260;
  const pad = { top: 12, right: 8, bottom: 36, left: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = rows.map((r) => series.reduce((n, s) => n + (r[s.key] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const y = (v) => pad.top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(rows.length, 1);
  const barW = Math.max(2, slot * 0.7);

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title, preserveAspectRatio: 'xMidYMid meet' });
  root.append(svg('title', {}, title));
  for (let i = 0; i <= 4; i += 1) {
    const v = (max / 4) * i;
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid' }));
    root.append(svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, Number.isInteger(v) ? v : v.toFixed(1)));
  }
  rows.forEach((r, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    let base = 0;
    const group = svg('g', {});
    for (const s of series) {
      const v = r[s.key] || 0;
      if (v > 0) {
        const rect = svg('rect', { x, y: y(base + v), width: barW, height: Math.max(1, y(base) - y(base + v)), class: s.className });
        rect.append(svg('title', {}, `${r.label}: ${v} ${s.label.toLowerCase()}`));
        group.append(rect);
      }
      base += v;
    }
    root.append(group);
    const every = rows.length > 16 ? 5 : 1;
    if (i % every === 0 || i === rows.length - 1) {
      root.append(svg('text', { x: x + barW / 2, y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'axis' }, r.short || r.label));
    }
  });
  root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: 'baseline' }));
  return root;
}
