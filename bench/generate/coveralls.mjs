// Coveralls API JSON (as gcovr --coveralls or coveralls-lcov write it): source_files with name,
// source_digest, `coverage` (one entry per physical line, null = not relevant) and a flat
// `branches` array of [line, block, branch, hits] quadruples.
import { mix, rng } from './prng.mjs';

export default {
  id: 'coveralls',
  fileName: 'coveralls.json',
  write(out, files, ctx) {
    out.s('{"run_at": "2026-11-27 17:44:26 UTC", "service_name": "github", "source_files": [');
    let first = true;
    for (const f of files()) {
      const r = rng(mix(ctx.seed, f.index, 0xc0));
      const cells = new Array(f.length).fill('null');
      for (let k = 0; k < f.lines.length; k++) cells[f.lines[k] - 1] = String(f.hits[k]);
      const br = [];
      for (const b of f.branches) b.taken.forEach((x, o) => br.push(`${b.line}, ${b.block}, ${o}, ${x}`));
      out.s(`${first ? '' : ', '}{"coverage": [${cells.join(', ')}], "name": "${f.dir.join('/')}/${f.stem}.c", "source_digest": "${r.hex(32)}"${br.length > 0 ? `, "branches": [${br.join(', ')}]` : ''}}`);
      first = false;
    }
    out.s(']}\n');
  },
};
