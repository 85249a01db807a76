// gcov JSON intermediate format (gcc 12 `gcov --json-format`, format_version 1): files with
// functions (blocks, start/end line and column) and lines (count, branches, unexecuted_block,
// function_name). One document holds the whole run, written with ", " / ": " separators.
import { mix, rng } from './prng.mjs';

export default {
  id: 'gcov-json',
  fileName: 'coverage.gcov.json',
  write(out, files, ctx) {
    out.s('{"gcc_version": "12.2.0", "files": [');
    let first = true;
    for (const f of files()) {
      const r = rng(mix(ctx.seed, f.index, 0x6c));
      const fnParts = [];
      const lineParts = [];
      let b = 0;
      let fi = 0;
      for (const fn of f.fns) {
        const blocks = r.int(2, 12);
        fnParts.push(`{"blocks": ${blocks}, "end_column": 1, "start_line": ${fn.line}, "name": "${fn.name}", "blocks_executed": ${fn.hits > 0 ? r.int(1, blocks) : 0}, "execution_count": ${fn.hits}, "demangled_name": "${fn.name}", "start_column": ${r.int(5, 30)}, "end_line": ${fn.endLine}}`);
      }
      for (let k = 0; k < f.lines.length; k++) {
        const line = f.lines[k];
        while (fi + 1 < f.fns.length && f.fns[fi + 1].line <= line) fi++;
        while (b < f.branches.length && f.branches[b].line < line) b++;
        const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
        const branches = br === null ? '' : br.taken.map((x, o) => `{"count": ${x}, "fallthrough": ${o === 0 ? 'true' : 'false'}, "throw": false}`).join(', ');
        lineParts.push(`{"branches": [${branches}], "count": ${f.hits[k]}, "line_number": ${line}, "unexecuted_block": ${f.hits[k] === 0 ? 'true' : 'false'}, "function_name": "${f.fns[fi].name}"}`);
      }
      out.s(`${first ? '' : ', '}{"lines": [${lineParts.join(', ')}], "functions": [${fnParts.join(', ')}], "file": "${f.dir.join('/')}/${f.stem}.c"}`);
      first = false;
    }
    out.s('], "format_version": "1", "current_working_directory": "/home/runner/work/monorepo/build", "data_file": "/home/runner/work/monorepo/build/CMakeFiles/monorepo.dir/all.gcda"}\n');
  },
};
