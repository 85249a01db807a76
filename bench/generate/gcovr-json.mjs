// gcovr JSON (`gcovr --json`, format 0.3): files with functions (execution_count, lineno, name) and
// lines (branches with count/fallthrough/throw, count, gcovr/excluded, gcovr/noncode, line_number).

export default {
  id: 'gcovr-json',
  fileName: 'gcovr.json',
  write(out, files) {
    out.s('{"files": [');
    let first = true;
    for (const f of files()) {
      const fns = f.fns.map((fn) => `{"execution_count": ${fn.hits}, "lineno": ${fn.line}, "name": "${fn.name}"}`);
      const lines = [];
      let b = 0;
      for (let k = 0; k < f.lines.length; k++) {
        const line = f.lines[k];
        while (b < f.branches.length && f.branches[b].line < line) b++;
        const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
        const branches = br === null ? '' : br.taken.map((x, o) => `{"count": ${x}, "fallthrough": ${o === 0 ? 'true' : 'false'}, "throw": false}`).join(', ');
        lines.push(`{"branches": [${branches}], "count": ${f.hits[k]}, "gcovr/excluded": false, "gcovr/noncode": false, "line_number": ${line}}`);
      }
      out.s(`${first ? '' : ', '}{"file": "${f.dir.join('/')}/${f.stem}.c", "functions": [${fns.join(', ')}], "lines": [${lines.join(', ')}]}`);
      first = false;
    }
    out.s('], "gcovr/format_version": "0.3"}\n');
  },
};
