// SimpleCov .resultset.json (JSON.pretty_generate): per command name, coverage keyed by absolute
// path, `lines` with one entry per physical line (null = not relevant), and Ruby-inspect branch keys.

export default {
  id: 'simplecov-resultset',
  fileName: '.resultset.json',
  write(out, files) {
    out.s('{\n  "RSpec": {\n    "coverage": {\n');
    let first = true;
    for (const f of files()) {
      const path = `/home/runner/work/monorepo/${f.dir.join('/')}/${f.stem}.rb`;
      const cells = new Array(f.length).fill('null');
      for (let k = 0; k < f.lines.length; k++) cells[f.lines[k] - 1] = String(f.hits[k]);
      let s = `${first ? '' : ',\n'}      "${path}": {\n        "lines": [\n          ${cells.join(',\n          ')}\n        ],\n        "branches": {`;
      let id = 0;
      f.branches.forEach((b, n) => {
        const kind = b.taken.length === 2 ? 'if' : 'case';
        s += `${n === 0 ? '' : ','}\n          "[:${kind}, ${id++}, ${b.line}, 4, ${b.line + 2}, 7]": {`;
        b.taken.forEach((x, o) => {
          const arm = kind === 'if' ? (o === 0 ? 'then' : 'else') : o === b.taken.length - 1 ? 'else' : 'when';
          s += `${o === 0 ? '' : ','}\n            "[:${arm}, ${id++}, ${b.line + o}, 6, ${b.line + o}, 20]": ${x}`;
        });
        s += '\n          }';
      });
      s += f.branches.length > 0 ? '\n        }\n      }' : '}\n      }';
      out.s(s);
      first = false;
    }
    out.s('\n    },\n    "timestamp": 1795801746\n  }\n}\n');
  },
};
