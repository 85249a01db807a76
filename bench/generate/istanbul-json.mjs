// istanbul coverage-final.json as nyc writes it: one object per file keyed by absolute path, with
// statementMap/fnMap/branchMap, the s/f/b counters, _coverageSchema and hash; one file per line.
import { mix, rng } from './prng.mjs';

const pos = (line, column) => `{"line":${line},"column":${column}}`;
const range = (l1, c1, l2, c2) => `{"start":${pos(l1, c1)},"end":${pos(l2, c2)}}`;

export default {
  id: 'istanbul-json',
  fileName: 'coverage-final.json',
  write(out, files, ctx) {
    let first = true;
    for (const f of files()) {
      const r = rng(mix(ctx.seed, f.index, 0x15));
      const path = `/home/runner/work/monorepo/${f.dir.join('/')}/${f.stem}.js`;
      let sm = '';
      let s = '';
      let id = 0;
      for (let k = 0; k < f.lines.length; k++) {
        const line = f.lines[k];
        const col = f.cols[k];
        for (let j = 0; j < f.stmts[k]; j++) {
          const c = col + 24 * j;
          sm += `${id === 0 ? '' : ','}"${id}":${range(line, c, line, c + r.int(6, 40))}`;
          s += `${id === 0 ? '' : ','}"${id}":${f.hits[k]}`;
          id++;
        }
      }
      let fm = '';
      let fc = '';
      f.fns.forEach((fn, n) => {
        fm += `${n === 0 ? '' : ','}"${n}":{"name":"${fn.name}","decl":${range(fn.line, 9, fn.line, 9 + fn.name.length)},"loc":${range(fn.line, 30, fn.endLine, 1)},"line":${fn.line}}`;
        fc += `${n === 0 ? '' : ','}"${n}":${fn.hits}`;
      });
      let bm = '';
      let bc = '';
      f.branches.forEach((b, n) => {
        const type = b.taken.length === 2 ? 'if' : 'switch';
        const locs = b.taken.map((_, o) => range(b.line, 4 + 10 * o, b.line, 12 + 10 * o)).join(',');
        bm += `${n === 0 ? '' : ','}"${n}":{"loc":${range(b.line, 4, b.line + 2, 5)},"type":"${type}","locations":[${locs}],"line":${b.line}}`;
        bc += `${n === 0 ? '' : ','}"${n}":[${b.taken.join(',')}]`;
      });
      out.s(`${first ? '{' : ','}"${path}": {"path":"${path}","statementMap":{${sm}},"fnMap":{${fm}},"branchMap":{${bm}},"s":{${s}},"f":{${fc}},"b":{${bc}},"_coverageSchema":"1a1c01bbd47fc00a2c39e90264f33305004495a9","hash":"${r.hex(40)}"}\n`);
      first = false;
    }
    out.s(first ? '{}\n' : '}\n');
  },
};
