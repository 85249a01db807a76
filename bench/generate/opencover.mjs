// OpenCover XML (also what coverlet writes with --format opencover): CoverageSession > Modules >
// Module with Files (uid, fullPath) and Classes > Methods, each with SequencePoints (vc = visit count,
// sl/el = lines, fileid) and BranchPoints (one per outcome, with path).
import { totalsOf } from './repo.mjs';

function summary(s, indent) {
  const seq = s.statements === 0 ? 0 : Math.round((s.statements_hit / s.statements) * 10000) / 100;
  const brc = s.branches === 0 ? 0 : Math.round((s.branches_hit / s.branches) * 10000) / 100;
  return `${indent}<Summary numSequencePoints="${s.statements}" visitedSequencePoints="${s.statements_hit}" numBranchPoints="${s.branches}" visitedBranchPoints="${s.branches_hit}" sequenceCoverage="${seq}" branchCoverage="${brc}" maxCyclomaticComplexity="1" minCyclomaticComplexity="1" visitedClasses="${s.files}" numClasses="${s.files}" visitedMethods="${s.functions_hit}" numMethods="${s.functions}" />\n`;
}

export default {
  id: 'opencover',
  fileName: 'coverage.opencover.xml',
  write(out, files) {
    const t = totalsOf(files());
    out.s('<?xml version="1.0" encoding="utf-8"?>\n<CoverageSession xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n');
    out.s(summary(t, '  '));
    out.s('  <Modules>\n    <Module hash="6A1F3C2B-0000-4000-8000-BE4C4C3E5E77">\n      <ModulePath>/home/runner/work/monorepo/bin/Release/net8.0/Acme.Monorepo.dll</ModulePath>\n      <ModuleTime>2026-11-27T17:44:26</ModuleTime>\n      <ModuleName>Acme.Monorepo</ModuleName>\n      <Files>\n');
    let uid = 0;
    for (const f of files()) out.s(`        <File uid="${++uid}" fullPath="/home/runner/work/monorepo/${f.dir.join('/')}/${f.stem}.cs" />\n`);
    out.s('      </Files>\n      <Classes>\n');
    uid = 0;
    let sp = 0;
    let token = 100663297;
    for (const f of files()) {
      uid++;
      const cls = `Acme.Monorepo.${f.dir.map((d) => d.replaceAll('/', '.')).join('.')}.${f.stem}`;
      let s = `        <Class>\n${summary(totalsOf([f]), '          ')}          <FullName>${cls}</FullName>\n          <Methods>\n`;
      let k = 0;
      let b = 0;
      for (const fn of f.fns) {
        let seq = '';
        let brp = '';
        const start = k;
        let ordinal = 0;
        let offset = 0;
        while (k < f.lines.length && f.lines[k] < fn.endLine) {
          const line = f.lines[k];
          for (let j = 0; j < f.stmts[k]; j++) {
            const col = f.cols[k] + 9 + 20 * j;
            seq += `                <SequencePoint vc="${f.hits[k]}" uspid="${++sp}" ordinal="${ordinal++}" offset="${offset}" sl="${line}" sc="${col}" el="${line}" ec="${col + 18}" bec="0" bev="0" fileid="${uid}" />\n`;
            offset += 7;
          }
          while (b < f.branches.length && f.branches[b].line < line) b++;
          if (b < f.branches.length && f.branches[b].line === line) {
            f.branches[b].taken.forEach((x, o) => {
              brp += `                <BranchPoint vc="${x}" uspid="${++sp}" ordinal="${ordinal++}" offset="${offset}" sl="${line}" path="${o}" offsetend="${offset + 9 + o}" fileid="${uid}" />\n`;
            });
            offset += 11;
          }
          k++;
        }
        const n = k - start;
        const visited = fn.hits > 0;
        s += `            <Method visited="${visited}" cyclomaticComplexity="1" nPathComplexity="0" sequenceCoverage="${visited ? 100 : 0}" branchCoverage="${visited ? 100 : 0}" isConstructor="false" isStatic="false" isGetter="false" isSetter="false">\n`;
        s += `              <Summary numSequencePoints="${n}" visitedSequencePoints="${visited ? n : 0}" numBranchPoints="0" visitedBranchPoints="0" sequenceCoverage="${visited ? 100 : 0}" branchCoverage="0" maxCyclomaticComplexity="1" minCyclomaticComplexity="1" visitedClasses="0" numClasses="0" visitedMethods="${visited ? 1 : 0}" numMethods="1" />\n`;
        s += `              <MetadataToken>${token++}</MetadataToken>\n              <Name>System.Void ${cls}::${fn.name}()</Name>\n              <FileRef uid="${uid}" />\n`;
        s += `              <SequencePoints>\n${seq}              </SequencePoints>\n              <BranchPoints>\n${brp}              </BranchPoints>\n`;
        s += `              <MethodPoint xsi:type="SequencePoint" vc="${fn.hits}" uspid="${sp}" ordinal="0" offset="0" sl="${fn.line}" sc="9" el="${fn.line}" ec="10" bec="0" bev="0" fileid="${uid}" />\n            </Method>\n`;
      }
      out.s(s + '          </Methods>\n        </Class>\n');
    }
    out.s('      </Classes>\n    </Module>\n  </Modules>\n</CoverageSession>\n');
  },
};
