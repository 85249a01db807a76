// A horizontal bar chart of throughput ratios (contender time ÷ our time), log scale, as a plain SVG
// string. Bars right of the 1x line: ours is faster; left: the contender is (the floors usually are).

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** The product goal as a ratio on this chart (contender time ÷ ours), where one applies to the row. */
function goalRatio(r) {
  if (r.mode !== 'single') return null;
  if (r.format === 'lcov' && (r.contender === 'lcov-parse' || r.contender === 'parse-lcov')) return 8;
  if (['cobertura', 'jacoco', 'clover', 'opencover'].includes(r.format) && r.contender === 'saxes') return 3;
  if (r.format === 'istanbul-json' && r.contender === 'read+JSON.parse') return 1 / 1.3;
  return null;
}

export function barChartSvg(rows, title) {
  const bars = rows.filter((r) => !r.ours && r.ratio > 0);
  const labelW = 330;
  const plotW = 520;
  const rowH = 18;
  const top = 48;
  const height = top + Math.max(1, bars.length) * rowH + 40;
  const width = labelW + plotW + 90;
  const lo = Math.floor(Math.log10(Math.min(0.1, ...bars.map((b) => b.ratio))) - 0.3);
  const hi = Math.ceil(Math.log10(Math.max(10, ...bars.map((b) => b.ratio))));
  const x = (ratio) => labelW + ((Math.log10(ratio) - lo) / (hi - lo)) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="36" fill="#555">bar = contender CPU time ÷ Coverwatch CPU time; right of 1x: Coverwatch is faster. Grey: floors (read + scan / JSON.parse). Red tick: the goal.</text>`,
  ];
  for (let p = lo; p <= hi; p++) {
    const gx = x(10 ** p);
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 30}" stroke="${p === 0 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#333">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)}x</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x1 = x(1);
    const x2 = x(b.ratio);
    const color = b.floor ? '#9e9e9e' : b.contender.startsWith('lcov ') ? '#43a047' : '#1e88e5';
    const label = `${b.format}${b.mode === 'shards' ? ' (20 shards)' : ''} · ${b.contender}`;
    parts.push(`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(label)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2)}" y="${y + 3}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${rowH - 6}" fill="${color}"/>`);
    const goal = goalRatio(b);
    if (goal !== null) parts.push(`<line x1="${x(goal)}" y1="${y + 1}" x2="${x(goal)}" y2="${y + rowH - 1}" stroke="#e53935" stroke-width="2"/>`);
    const value = `${b.ratio >= 10 ? b.ratio.toFixed(0) : b.ratio.toFixed(2)}x`;
    if (b.ratio >= 1) parts.push(`<text x="${x2 + 4}" y="${y + 12}" fill="#333">${value}</text>`);
    else parts.push(`<text x="${x2 - 4}" y="${y + 12}" text-anchor="end" fill="#333">${value}</text>`);
  });
  if (bars.length === 0) parts.push(`<text x="${labelW}" y="${top + 12}">no comparisons measured</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
