// Clover XML as istanbul writes it: project > package (directory) > file with <metrics> and one
// <line> per statement line (type="stmt") or branch line (type="cond" truecount falsecount).
import { byDirectory, fileStats, totalsOf } from './repo.mjs';

function metrics(s, extra = '') {
  return `<metrics statements="${s.lines}" coveredstatements="${s.lines_hit}" conditionals="${s.branches}" coveredconditionals="${s.branches_hit}" methods="${s.functions}" coveredmethods="${s.functions_hit}"${extra}/>`;
}

export default {
  id: 'clover',
  fileName: 'clover.xml',
  write(out, files) {
    const t = totalsOf(files());
    let packages = 0;
    for (const _ of byDirectory(files())) packages++;
    out.s('<?xml version="1.0" encoding="UTF-8"?>\n<coverage generated="1795801657020" clover="3.2.0">\n  <project timestamp="1795801657020" name="All files">\n');
    const elements = t.lines + t.branches + t.functions;
    const covered = t.lines_hit + t.branches_hit + t.functions_hit;
    out.s(`    ${metrics(t, ` elements="${elements}" coveredelements="${covered}" complexity="0" loc="${t.lines}" ncloc="${t.lines}" packages="${packages}" files="${t.files}" classes="${t.files}"`).slice(0, -2)}>\n`);
    for (const { dir, files: group } of byDirectory(files())) {
      out.s(`      <package name="${dir.replaceAll('/', '.')}">\n        ${metrics(totalsOf(group))}\n`);
      for (const f of group) {
        let l = `        <file name="${f.stem}.js" path="/home/runner/work/monorepo/${dir}/${f.stem}.js">\n          ${metrics(fileStats(f))}\n`;
        let b = 0;
        for (let k = 0; k < f.lines.length; k++) {
          const line = f.lines[k];
          while (b < f.branches.length && f.branches[b].line < line) b++;
          const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
          if (br === null) l += `          <line num="${line}" count="${f.hits[k]}" type="stmt"/>\n`;
          else {
            const trueCount = br.taken.filter((x) => x > 0).length;
            l += `          <line num="${line}" count="${f.hits[k]}" type="cond" truecount="${trueCount}" falsecount="${br.taken.length - trueCount}"/>\n`;
          }
        }
        out.s(l + '        </file>\n');
      }
      out.s('      </package>\n');
    }
    out.s('    </metrics>\n  </project>\n</coverage>\n');
  },
};
