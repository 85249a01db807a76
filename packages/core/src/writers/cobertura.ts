import type { FileCoverage } from '../model/file-coverage.js';
import type { Report } from '../model/report.js';
import { fileTotals, reportTotals } from '../model/totals.js';
import { xmlAttr } from './xml-escape.js';

const rate = (hit: number, total: number) => (total === 0 ? '1' : (hit / total).toFixed(4));

/**
 * Writes a report as Cobertura XML: one <class> per file, a line's branches as condition-coverage
 * "P% (taken/total)" (Cobertura has no branch ids, so ids are lost), functions as <method> elements
 * with the function's first line. Statements, and branches of lines without line data, have no
 * Cobertura form and are dropped.
 */
export function* writeCobertura(report: Report): Generator<string> {
  const { totals } = reportTotals(report);
  const covered = totals.hits + totals.partials;
  yield '<?xml version="1.0" ?>\n';
  yield `<coverage lines-valid="${totals.lines}" lines-covered="${covered}" line-rate="${rate(covered, totals.lines)}" branches-valid="${totals.branches}" branches-covered="${totals.branches_hit}" branch-rate="${rate(totals.branches_hit, totals.branches)}" complexity="0" version="coverwatch" timestamp="0">\n`;
  yield '\t<sources><source>.</source></sources>\n\t<packages>\n\t\t<package name="." line-rate="' + rate(covered, totals.lines) + '" branch-rate="' + rate(totals.branches_hit, totals.branches) + '" complexity="0">\n\t\t\t<classes>\n';
  for (const f of report.files) yield coberturaClass(f);
  yield '\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n';
}

function coberturaClass(f: FileCoverage): string {
  const t = fileTotals(f);
  const covered = t.hits + t.partials;
  const out: string[] = [];
  out.push(`\t\t\t\t<class name="${xmlAttr(f.path)}" filename="${xmlAttr(f.path)}" line-rate="${rate(covered, t.lines)}" branch-rate="${rate(t.branches_hit, t.branches)}" complexity="0">\n`);
  out.push('\t\t\t\t\t<methods>\n');
  for (const fn of f.functions ?? []) {
    out.push(`\t\t\t\t\t\t<method name="${xmlAttr(fn.name)}" signature="" line-rate="${fn.hits > 0 ? 1 : 0}" branch-rate="1" complexity="0"><lines><line number="${fn.line}" hits="${fn.hits}"/></lines></method>\n`);
  }
  out.push('\t\t\t\t\t</methods>\n\t\t\t\t\t<lines>\n');
  let b = 0;
  for (let i = 0; i < f.lineNumbers.length; i++) {
    const line = f.lineNumbers[i]!;
    while (b < f.branchLines.length && f.branchLines[b]! < line) b++;
    let total = 0;
    let taken = 0;
    for (let j = b; j < f.branchLines.length && f.branchLines[j] === line; j++) {
      total++;
      if (f.branchTaken[j]! > 0) taken++;
    }
    const branch = total > 0 ? ` branch="true" condition-coverage="${Math.floor((taken * 100) / total)}% (${taken}/${total})"` : ' branch="false"';
    out.push(`\t\t\t\t\t\t<line number="${line}" hits="${f.lineHits[i]}"${branch}/>\n`);
  }
  out.push('\t\t\t\t\t</lines>\n\t\t\t\t</class>\n');
  return out.join('');
}
