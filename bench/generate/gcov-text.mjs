// gcov text output (`gcov --stdout` / the .gcov files, concatenated): per source file a header of
// `-:0:` lines, then every physical line as `count:lineno:source`, with `#####` for never-executed
// lines, `function ... called` lines before functions and `branch N taken` lines after branch lines.
import { mix, rng } from './prng.mjs';

const WORDS = ['value', 'count', 'index', 'buffer', 'result', 'length', 'node', 'state', 'flags', 'item'];

function row(count, line, text) {
  return `${count.padStart(9)}:${String(line).padStart(5)}:${text}\n`;
}

export default {
  id: 'gcov-text',
  fileName: 'coverage.gcov',
  write(out, files, ctx) {
    for (const f of files()) {
      const r = rng(mix(ctx.seed, f.index, 0x67));
      const path = `${f.dir.join('/')}/${f.stem}.c`;
      let s = row('-', 0, `Source:${path}`) + row('-', 0, `Graph:build/${f.stem}.gcno`) + row('-', 0, `Data:build/${f.stem}.gcda`) + row('-', 0, 'Runs:1');
      let k = 0;
      let b = 0;
      let fi = 0;
      for (let line = 1; line <= f.length; line++) {
        const fn = fi < f.fns.length && f.fns[fi].line === line ? f.fns[fi++] : null;
        if (fn !== null) {
          const pct = fn.hits > 0 ? 100 : 0;
          s += `function ${fn.name} called ${fn.hits} returned ${pct}% blocks executed ${fn.hits > 0 ? r.int(50, 100) : 0}%\n`;
        }
        const w = r.pick(WORDS);
        if (k < f.lines.length && f.lines[k] === line) {
          const h = f.hits[k];
          const text = fn !== null ? `int ${fn.name}(int ${w}) {` : `    ${w} = ${w}_${line} + compute(${w}, ${k});`;
          s += row(h > 0 ? String(h) : '#####', line, text);
          while (b < f.branches.length && f.branches[b].line < line) b++;
          if (b < f.branches.length && f.branches[b].line === line) {
            const br = f.branches[b];
            br.taken.forEach((x, o) => {
              if (!br.executed) s += `branch ${String(o).padStart(2)} never executed\n`;
              else s += `branch ${String(o).padStart(2)} taken ${x}${o === 0 ? ' (fallthrough)' : ''}\n`;
            });
          }
          k++;
        } else {
          s += row('-', line, r.chance(0.5) ? '' : `    /* ${w} */`);
        }
      }
      out.s(s);
    }
  },
};
