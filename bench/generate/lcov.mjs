// LCOV tracefile as geninfo (lcov 1.x) writes it: TN, SF, FN/FNDA/FNF/FNH, BRDA/BRF/BRH, DA, LF/LH.
export default {
  id: 'lcov',
  fileName: 'lcov.info',
  write(out, files) {
    for (const f of files()) {
      out.s(`TN:\nSF:${[...f.dir, `${f.stem}.c`].join('/')}\n`);
      let fnh = 0;
      for (const fn of f.fns) out.s(`FN:${fn.line},${fn.name}\n`);
      for (const fn of f.fns) {
        out.s(`FNDA:${fn.hits},${fn.name}\n`);
        if (fn.hits > 0) fnh++;
      }
      out.s(`FNF:${f.fns.length}\nFNH:${fnh}\n`);
      let brf = 0;
      let brh = 0;
      for (const b of f.branches) {
        for (let o = 0; o < b.taken.length; o++) {
          out.s(`BRDA:${b.line},${b.block},${o},${b.executed ? b.taken[o] : '-'}\n`);
          brf++;
          if (b.taken[o] > 0) brh++;
        }
      }
      if (brf > 0) out.s(`BRF:${brf}\nBRH:${brh}\n`);
      let lh = 0;
      let s = '';
      for (let k = 0; k < f.lines.length; k++) {
        s += `DA:${f.lines[k]},${f.hits[k]}\n`;
        if (f.hits[k] > 0) lh++;
      }
      out.s(s);
      out.s(`LF:${f.lines.length}\nLH:${lh}\nend_of_record\n`);
    }
  },
};
