// Go coverprofile (`go test -coverprofile`, mode: count): one line per basic block,
// `importpath/file.go:startLine.startCol,endLine.endCol numStmt count`. Blocks are runs of 1-4
// instrumented lines; like the real tool, a function's blocks are not written in source order.
import { mix, rng } from './prng.mjs';

/** The blocks of file f, per function: {sl, sc, el, ec, stmts, count}. */
function blocksOf(f, seed) {
  const r = rng(mix(seed, f.index, 0x60));
  const out = [];
  let fnStart = 0;
  for (const fn of f.fns) {
    let fnEnd = fnStart;
    while (fnEnd < f.lines.length && f.lines[fnEnd] < fn.endLine) fnEnd++;
    const blocks = [];
    for (let k = fnStart; k < fnEnd; ) {
      const len = Math.min(fnEnd - k, r.int(1, 4));
      let stmts = 0;
      for (let j = k; j < k + len; j++) stmts += f.stmts[j];
      const sl = f.lines[k];
      const el = f.lines[k + len - 1];
      const sc = k === fnStart ? 40 : f.cols[k] + 2;
      const ec = sl === el ? sc + r.int(3, 40) : r.int(3, 60);
      blocks.push({ sl, sc, el, ec, stmts, count: f.hits[k] });
      k += len;
    }
    // The tool emits a function's top-level blocks before nested ones: move one to mimic that.
    if (blocks.length > 2 && r.chance(0.5)) blocks.push(blocks.splice(1, 1)[0]);
    out.push(...blocks);
    fnStart = fnEnd;
  }
  return out;
}

export default {
  id: 'go-coverprofile',
  fileName: 'coverage.out',
  // Every line a block spans is a line with data (Go has no line metric of its own).
  expectedLines: (f, seed) => blocksOf(f, seed).reduce((n, b) => n + b.el - b.sl + 1, 0),
  write(out, files, ctx) {
    out.s('mode: count\n');
    for (const f of files()) {
      const name = `github.com/acme/monorepo/${f.dir.join('/')}/${f.stem}.go`;
      let s = '';
      for (const b of blocksOf(f, ctx.seed)) s += `${name}:${b.sl}.${b.sc},${b.el}.${b.ec} ${b.stmts} ${b.count}\n`;
      out.s(s);
    }
  },
};
