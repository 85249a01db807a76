// SonarQube generic test coverage XML (as gcovr --sonarqube writes it: one line, no whitespace):
// <coverage version="1"><file path><lineToCover lineNumber covered [branchesToCover coveredBranches]/>.

export default {
  id: 'sonarqube-generic',
  fileName: 'sonarqube.xml',
  write(out, files) {
    out.s("<?xml version='1.0' encoding='UTF-8'?>\n<coverage version=\"1\">");
    for (const f of files()) {
      let s = `<file path="${f.dir.join('/')}/${f.stem}.c">`;
      let b = 0;
      for (let k = 0; k < f.lines.length; k++) {
        const line = f.lines[k];
        while (b < f.branches.length && f.branches[b].line < line) b++;
        const br = b < f.branches.length && f.branches[b].line === line ? f.branches[b] : null;
        const covered = f.hits[k] > 0 ? 'true' : 'false';
        if (br === null) s += `<lineToCover lineNumber="${line}" covered="${covered}"/>`;
        else s += `<lineToCover lineNumber="${line}" covered="${covered}" branchesToCover="${br.taken.length}" coveredBranches="${br.taken.filter((x) => x > 0).length}"/>`;
      }
      out.s(s + '</file>');
    }
    out.s('</coverage>\n');
  },
};
