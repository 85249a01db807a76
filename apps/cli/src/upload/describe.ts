import type { TotalsBody } from '@coverwatch/protocol';

/** One line of totals: what a person checks first after an upload. */
export function describeTotals(t: Omit<TotalsBody, 'policy'>): string {
  const parts = [`${t.files} files`, `lines ${t.hits}/${t.lines} hit (${t.coverage === null ? 'n/a' : `${Number(t.coverage).toFixed(2)}%`}${t.partials > 0 ? `, ${t.partials} partial` : ''})`];
  if (t.branches > 0) parts.push(`branches ${t.branches_hit}/${t.branches}`);
  if (t.functions !== null) parts.push(`functions ${t.functions_hit}/${t.functions}`);
  if (t.statements !== null) parts.push(`statements ${t.statements_hit}/${t.statements}`);
  return parts.join(', ');
}
