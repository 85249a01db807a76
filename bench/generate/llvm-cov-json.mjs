// llvm-cov `export -format=text` (llvm.coverage.json.export 2.0.1): per file the segments
// [line, col, count, hasCount, isRegionEntry, isGapRegion], branches and a summary; per function its
// regions [lineStart, colStart, lineEnd, colEnd, count, fileId, expandedFileId, kind]; totals.

function summary(s, regions, regionsHit) {
  const pct = (c, n) => (n === 0 ? 0 : (c / n) * 100);
  return `{"branches":{"count":${s.branches},"covered":${s.branches_hit},"notcovered":${s.branches - s.branches_hit},"percent":${pct(s.branches_hit, s.branches)}},"functions":{"count":${s.functions},"covered":${s.functions_hit},"percent":${pct(s.functions_hit, s.functions)}},"instantiations":{"count":${s.functions},"covered":${s.functions_hit},"percent":${pct(s.functions_hit, s.functions)}},"lines":{"count":${s.lines},"covered":${s.lines_hit},"percent":${pct(s.lines_hit, s.lines)}},"regions":{"count":${regions},"covered":${regionsHit},"notcovered":${regions - regionsHit},"percent":${pct(regionsHit, regions)}}}`;
}

function branchEntries(b) {
  // llvm-cov branch regions are two-way (true/false counts); a switch becomes several of them.
  const out = [];
  for (let o = 0; o < b.taken.length; o += 2) {
    out.push(`[${b.line},${5 + o * 8},${b.line},${12 + o * 8},${b.taken[o]},${b.taken[o + 1] ?? 0},0,0,4]`);
  }
  return out;
}

export default {
  id: 'llvm-cov-json',
  fileName: 'coverage.json',
  // llvm-cov counts every physical line a function's body region spans, blank ones included.
  expectedLines: (f) => f.fns.reduce((n, fn) => n + fn.endLine - fn.line + 1, 0),
  write(out, files) {
    out.s('{"data":[{"files":[');
    const t = { files: 0, lines: 0, lines_hit: 0, branches: 0, branches_hit: 0, functions: 0, functions_hit: 0 };
    let regionsTotal = 0;
    let regionsHitTotal = 0;
    let first = true;
    for (const f of files()) {
      const path = `/home/runner/work/monorepo/${f.dir.join('/')}/${f.stem}.c`;
      const seg = [];
      const br = [];
      const s = { lines: f.lines.length, lines_hit: 0, branches: 0, branches_hit: 0, functions: f.fns.length, functions_hit: 0 };
      for (let k = 0; k < f.lines.length; k++) {
        const line = f.lines[k];
        const col = f.cols[k] + 1;
        seg.push(`[${line},${col},${f.hits[k]},true,true,false]`, `[${line},${col + 30},0,false,false,false]`);
        if (f.hits[k] > 0) s.lines_hit++;
      }
      for (const b of f.branches) {
        br.push(...branchEntries(b));
        s.branches += b.taken.length;
        for (const x of b.taken) if (x > 0) s.branches_hit++;
      }
      for (const fn of f.fns) if (fn.hits > 0) s.functions_hit++;
      let hitLines = 0;
      for (let k = 0; k < f.hits.length; k++) if (f.hits[k] > 0) hitLines++;
      regionsTotal += f.lines.length;
      regionsHitTotal += hitLines;
      for (const k of Object.keys(s)) t[k] += s[k];
      t.files++;
      out.s(`${first ? '' : ','}{"branches":[${br.join(',')}],"expansions":[],"filename":"${path}","segments":[${seg.join(',')}],"summary":${summary(s, f.lines.length, hitLines)}}`);
      first = false;
    }
    out.s('],"functions":[');
    first = true;
    for (const f of files()) {
      const path = `/home/runner/work/monorepo/${f.dir.join('/')}/${f.stem}.c`;
      let k = 0;
      let b = 0;
      for (const fn of f.fns) {
        const regions = [`[${fn.line},30,${fn.endLine},2,${fn.hits},0,0,0]`];
        while (k < f.lines.length && f.lines[k] < fn.line) k++;
        for (; k < f.lines.length && f.lines[k] < fn.endLine; k++) {
          const col = f.cols[k] + 1;
          regions.push(`[${f.lines[k]},${col},${f.lines[k]},${col + 30},${f.hits[k]},0,0,0]`);
        }
        const br = [];
        while (b < f.branches.length && f.branches[b].line < fn.endLine) br.push(...branchEntries(f.branches[b++]));
        out.s(`${first ? '' : ','}{"branches":[${br.join(',')}],"count":${fn.hits},"filenames":["${path}"],"name":"${fn.name}","regions":[${regions.join(',')}]}`);
        first = false;
      }
    }
    out.s(`],"totals":${summary(t, regionsTotal, regionsHitTotal)}}],"type":"llvm.coverage.json.export","version":"2.0.1"}\n`);
  },
};
