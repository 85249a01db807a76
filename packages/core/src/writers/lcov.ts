import type { FileCoverage } from '../model/file-coverage.js';
import type { Report } from '../model/report.js';

/**
 * Writes a report as an LCOV tracefile (lcov 1.x syntax, which every LCOV reader accepts). Branch ids
 * are written as `<block>,<branch>` when they already have that shape (they came from LCOV), else as
 * block 0 with the id as the branch name. Statements have no LCOV form and are dropped.
 */
export function* writeLcov(report: Report): Generator<string> {
  for (const f of report.files) yield lcovRecord(f);
}

function lcovRecord(f: FileCoverage): string {
  const out: string[] = ['TN:', `SF:${f.path}`];
  if (f.functions !== null) {
    for (const fn of f.functions) out.push(`FN:${fn.line},${fn.name}`);
    for (const fn of f.functions) out.push(`FNDA:${fn.hits},${fn.name}`);
    out.push(`FNF:${f.functions.length}`, `FNH:${f.functions.filter((x) => x.hits > 0).length}`);
  }
  let brh = 0;
  for (let i = 0; i < f.branchLines.length; i++) {
    const id = f.branchIds[i]!;
    const blockBranch = /^[^,]+,[^,]+$/.test(id) ? id : `0,${id}`;
    const taken = f.branchTaken[i]!;
    if (taken > 0) brh++;
    out.push(`BRDA:${f.branchLines[i]},${blockBranch},${taken}`);
  }
  if (f.branchLines.length > 0) out.push(`BRF:${f.branchLines.length}`, `BRH:${brh}`);
  let lh = 0;
  for (let i = 0; i < f.lineNumbers.length; i++) {
    const h = f.lineHits[i]!;
    if (h > 0) lh++;
    out.push(`DA:${f.lineNumbers[i]},${h}`);
  }
  out.push(`LF:${f.lineNumbers.length}`, `LH:${lh}`, 'end_of_record', '');
  return out.join('\n');
}
