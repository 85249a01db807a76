// Cobertura XML as istanbul (nyc/c8 `--reporter=cobertura`) writes it: pretty-printed, one package
// per directory, <methods> with per-method hits, branch lines with condition-coverage.
import { byDirectory, fileStats, rate, totalsOf } from './repo.mjs';

export default {
  id: 'cobertura',
  fileName: 'cobertura-coverage.xml',
  write(out, files) {
    const t = totalsOf(files());
    out.s('<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n');
    out.s(`<coverage lines-valid="${t.lines}" lines-covered="${t.lines_hit}" line-rate="${rate(t.lines_hit, t.lines)}" branches-valid="${t.branches}" branches-covered="${t.branches_hit}" branch-rate="${rate(t.branches_hit, t.branches)}" timestamp="1795801656992" complexity="0" version="0.1">\n`);
    out.s('  <sources>\n    <source>/home/runner/work/monorepo</source>\n  </sources>\n  <packages>\n');
    for (const { dir, files: group } of byDirectory(files())) {
      const p = totalsOf(group);
      out.s(`    <package name="${dir.replaceAll('/', '.')}" line-rate="${rate(p.lines_hit, p.lines)}" branch-rate="${rate(p.branches_hit, p.branches)}">\n      <classes>\n`);
      for (const f of group) {
        const s = fileStats(f);
        const name = `${f.stem}.js`;
        out.s(`        <class name="${name}" filename="${dir}/${name}" line-rate="${rate(s.lines_hit, s.lines)}" branch-rate="${rate(s.branches_hit, s.branches)}">\n          <methods>\n`);
        let m = '';
        for (const fn of f.fns) {
          m += `            <method name="${fn.name}" hits="${fn.hits}" signature="()V">\n              <lines>\n                <line number="${fn.line}" hits="${fn.hits}"/>\n              </lines>\n            </method>\n`;
        }
        out.s(m);
        out.s('          </methods>\n          <lines>\n');
        let l = '';
        let b = 0;
        for (let k = 0; k < f.lines.length; k++) {
          const line = f.lines[k];
          while (b < f.branches.length && f.branches[b].line < line) b++;
          const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
          if (br === null) {
            l += `            <line number="${line}" hits="${f.hits[k]}" branch="false"/>\n`;
          } else {
            const total = br.taken.length;
            const hit = br.taken.filter((x) => x > 0).length;
            l += `            <line number="${line}" hits="${f.hits[k]}" branch="true" condition-coverage="${Math.round((hit / total) * 100)}% (${hit}/${total})"/>\n`;
          }
        }
        out.s(l);
        out.s('          </lines>\n        </class>\n');
      }
      out.s('      </classes>\n    </package>\n');
    }
    out.s('  </packages>\n</coverage>\n');
  },
};
