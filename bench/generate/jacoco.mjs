// JaCoCo XML report (`jacoco:report`): one line, no whitespace, a DOCTYPE; per package the classes
// with per-method counters, then per source file the <line nr mi ci mb cb> records and counters.
import { byDirectory, fileStats } from './repo.mjs';

const counter = (type, missed, covered) => `<counter type="${type}" missed="${missed}" covered="${covered}"/>`;

function counters(s, classes) {
  // JaCoCo counts instructions; the synthetic repository has about 3 per statement.
  return (
    counter('INSTRUCTION', 3 * (s.statements - s.statements_hit), 3 * s.statements_hit) +
    (s.branches > 0 ? counter('BRANCH', s.branches - s.branches_hit, s.branches_hit) : '') +
    counter('LINE', s.lines - s.lines_hit, s.lines_hit) +
    counter('COMPLEXITY', s.functions - s.functions_hit, s.functions_hit) +
    counter('METHOD', s.functions - s.functions_hit, s.functions_hit) +
    (classes === undefined ? '' : counter('CLASS', classes[0], classes[1]))
  );
}

function add(a, b) {
  for (const k of Object.keys(a)) a[k] += b[k];
  return a;
}

export default {
  id: 'jacoco',
  fileName: 'jacoco.xml',
  write(out, files) {
    out.s('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="monorepo"><sessioninfo id="bench-0001" start="1795801744413" dump="1795801745054"/>');
    let total = null;
    let totalClasses = [0, 0];
    for (const { dir, files: group } of byDirectory(files())) {
      const pkg = `com/acme/${dir}`;
      out.s(`<package name="${pkg}">`);
      let ptotal = null;
      const pclasses = [0, 0];
      const stats = group.map(fileStats);
      for (let g = 0; g < group.length; g++) {
        const f = group[g];
        const s = stats[g];
        const cls = s.functions_hit > 0 ? [0, 1] : [1, 0];
        pclasses[0] += cls[0];
        pclasses[1] += cls[1];
        let c = `<class name="${pkg}/${f.stem}" sourcefilename="${f.stem}.java">`;
        for (const fn of f.fns) {
          const hit = fn.hits > 0;
          const n = Math.max(1, fn.endLine - fn.line);
          c += `<method name="${fn.name}" desc="()V" line="${fn.line}">${counter('INSTRUCTION', hit ? 0 : 3 * n, hit ? 3 * n : 0)}${counter('LINE', hit ? 0 : n, hit ? n : 0)}${counter('COMPLEXITY', hit ? 0 : 1, hit ? 1 : 0)}${counter('METHOD', hit ? 0 : 1, hit ? 1 : 0)}</method>`;
        }
        out.s(c + counters(s, cls) + '</class>');
        ptotal = ptotal === null ? { ...s } : add(ptotal, s);
      }
      for (let g = 0; g < group.length; g++) {
        const f = group[g];
        let l = `<sourcefile name="${f.stem}.java">`;
        let b = 0;
        for (let k = 0; k < f.lines.length; k++) {
          const line = f.lines[k];
          while (b < f.branches.length && f.branches[b].line < line) b++;
          const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
          const ins = 3 * f.stmts[k];
          const hit = f.hits[k] > 0;
          let mb = 0;
          let cb = 0;
          if (br !== null) {
            for (const x of br.taken) {
              if (x > 0) cb++;
              else mb++;
            }
          }
          l += `<line nr="${line}" mi="${hit ? 0 : ins}" ci="${hit ? ins : 0}" mb="${mb}" cb="${cb}"/>`;
        }
        out.s(l + counters(stats[g], stats[g].functions_hit > 0 ? [0, 1] : [1, 0]) + '</sourcefile>');
      }
      out.s(counters(ptotal, pclasses) + '</package>');
      total = total === null ? ptotal : add(total, ptotal);
      totalClasses = [totalClasses[0] + pclasses[0], totalClasses[1] + pclasses[1]];
    }
    out.s(counters(total, totalClasses) + '</report>');
  },
};
