import type { Totals } from '@coverwatch/core';

const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}%`);
const ratio = (hit: number | null, total: number | null) => (total === null ? '-' : `${hit}/${total}`);

/** A plain-text table of per-file and total numbers, widths fitted to the content. */
export function renderTable(files: readonly { path: string; totals: Totals }[], total: Totals): string {
  const header = ['File', 'Lines', 'Hits', 'Partials', 'Misses', 'Coverage', 'Branches', 'Functions'];
  const row = (name: string, t: Totals) => [
    name,
    String(t.lines),
    String(t.hits),
    String(t.partials),
    String(t.misses),
    pct(t.coverage),
    t.branches === 0 ? '-' : ratio(t.branches_hit, t.branches),
    ratio(t.functions_hit, t.functions),
  ];
  const rows = files.map((f) => row(f.path, f.totals));
  const totalRow = row(`TOTAL (${total.files} files)`, total);
  const all = [header, ...rows, totalRow];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const lines = [fmt(header), rule, ...rows.map(fmt), rule, fmt(totalRow)];
  if (total.policy === 'partials_as_hits') lines.push('(policy: partials counted as hits)');
  return lines.join('\n') + '\n';
}
