// coverage.py `coverage json` (6.x/7.x): meta, files keyed by relative path with executed/missing
// lines, branch arcs and a per-file summary, and the totals. Written with ", " / ": " separators.
import { fileStats } from './repo.mjs';

function summary(s, partial) {
  const pct = s.lines === 0 ? 100 : ((s.lines_hit + s.branches_hit) / (s.lines + s.branches)) * 100;
  return `{"covered_lines": ${s.lines_hit}, "num_statements": ${s.lines}, "percent_covered": ${pct}, "percent_covered_display": "${Math.round(pct)}", "missing_lines": ${s.lines - s.lines_hit}, "excluded_lines": 0, "num_branches": ${s.branches}, "num_partial_branches": ${partial}, "covered_branches": ${s.branches_hit}, "missing_branches": ${s.branches - s.branches_hit}}`;
}

export default {
  id: 'coveragepy-json',
  fileName: 'coverage.json',
  write(out, files) {
    out.s('{"meta": {"version": "7.4.0", "timestamp": "2026-11-27T17:46:54.952002", "branch_coverage": true, "show_contexts": false}, "files": {');
    const t = { lines: 0, lines_hit: 0, branches: 0, branches_hit: 0 };
    let partialTotal = 0;
    let first = true;
    for (const f of files()) {
      const executed = [];
      const missing = [];
      for (let k = 0; k < f.lines.length; k++) (f.hits[k] > 0 ? executed : missing).push(f.lines[k]);
      // Branches are arcs (from line, to line); a negative target is an exit from the function.
      const exArcs = [];
      const missArcs = [];
      let partial = 0;
      for (const b of f.branches) {
        let anyMissed = false;
        b.taken.forEach((x, o) => {
          const arc = `[${b.line}, ${o === b.taken.length - 1 ? -b.line + 1 : b.line + o + 1}]`;
          if (x > 0) exArcs.push(arc);
          else {
            missArcs.push(arc);
            anyMissed = true;
          }
        });
        if (anyMissed && b.executed) partial++;
      }
      const s = fileStats(f);
      t.lines += s.lines;
      t.lines_hit += s.lines_hit;
      t.branches += s.branches;
      t.branches_hit += s.branches_hit;
      partialTotal += partial;
      out.s(`${first ? '' : ', '}"${f.dir.join('/')}/${f.stem}.py": {"executed_lines": [${executed.join(', ')}], "summary": ${summary(s, partial)}, "missing_lines": [${missing.join(', ')}], "excluded_lines": [], "executed_branches": [${exArcs.join(', ')}], "missing_branches": [${missArcs.join(', ')}]}`);
      first = false;
    }
    out.s(`}, "totals": ${summary(t, partialTotal)}}\n`);
  },
};
