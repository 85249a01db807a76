import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { lineRecords } from '../../model/line-records.js';
import { reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { detectFormat } from '../registry.js';
import { detectOpenCover } from './detect.js';
import { opencoverFormat } from './index.js';

function parse(xml: string, chunkSize = Infinity) {
  const bytes = encodeUtf8(xml);
  const p = opencoverFormat.createParser({ fileName: 'coverage.opencover.xml', limits: DEFAULT_LIMITS });
  const step = Number.isFinite(chunkSize) ? chunkSize : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const SUMMARY = 'numSequencePoints="9" visitedSequencePoints="6" numBranchPoints="4" visitedBranchPoints="3" sequenceCoverage="66.67" branchCoverage="75" maxCyclomaticComplexity="3" minCyclomaticComplexity="1" visitedClasses="1" numClasses="1" visitedMethods="1" numMethods="2"';

/** OpenCover 4.7 output: a filtered module, partial class over two files, multi-line and hidden points. */
const OPENCOVER = `<?xml version="1.0" encoding="utf-8"?>
<CoverageSession xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Summary ${SUMMARY} />
  <Modules>
    <Module skippedDueTo="Filter" hash="1A-0D-72-44">
      <ModulePath>C:\\Program Files\\dotnet\\shared\\System.Private.CoreLib.dll</ModulePath>
      <ModuleTime>2021-11-01T10:00:00</ModuleTime>
      <ModuleName>System.Private.CoreLib</ModuleName>
      <Files>
        <File uid="99" fullPath="C:\\runtime\\String.cs" />
      </Files>
      <Classes />
    </Module>
    <Module hash="C3-6F-11-90">
      <Summary ${SUMMARY} />
      <ModulePath>C:\\projects\\app\\bin\\Debug\\App.dll</ModulePath>
      <ModuleTime>2021-11-01T10:00:00</ModuleTime>
      <ModuleName>App</ModuleName>
      <Files>
        <File uid="1" fullPath="C:\\projects\\app\\src\\Calculator.cs" />
        <File uid="2" fullPath="C:\\projects\\app\\src\\Calculator.Fields.cs" />
      </Files>
      <Classes>
        <Class>
          <Summary ${SUMMARY} />
          <FullName>App.Calculator</FullName>
          <Methods>
            <Method visited="true" cyclomaticComplexity="3" nPathComplexity="4" sequenceCoverage="83.33" branchCoverage="75" isConstructor="false" isStatic="false" isGetter="false" isSetter="false">
              <Summary ${SUMMARY} />
              <MetadataToken>100663297</MetadataToken>
              <Name>System.Int32 App.Calculator::Max(System.Int32,System.Int32)</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="4" uspid="1" ordinal="0" offset="0" sl="10" sc="9" el="10" ec="10" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="4" uspid="2" ordinal="1" offset="1" sl="11" sc="13" el="11" ec="27" bec="2" bev="2" fileid="1" />
                <SequencePoint vc="3" uspid="3" ordinal="2" offset="7" sl="12" sc="13" el="14" ec="15" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="1" uspid="4" ordinal="3" offset="12" sl="15" sc="13" el="15" ec="22" bec="2" bev="1" fileid="1" />
                <SequencePoint vc="0" uspid="5" ordinal="4" offset="20" sl="15" sc="24" el="15" ec="40" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="4" uspid="6" ordinal="5" offset="25" sl="16" sc="9" el="16" ec="10" bec="0" bev="0" fileid="1" />
              </SequencePoints>
              <BranchPoints>
                <BranchPoint vc="3" uspid="7" ordinal="0" offset="5" sl="11" path="0" offsetend="7" fileid="1" />
                <BranchPoint vc="1" uspid="8" ordinal="1" offset="5" sl="11" path="1" offsetend="12" fileid="1" />
                <BranchPoint vc="1" uspid="9" ordinal="2" offset="16" sl="15" path="0" offsetend="18" fileid="1" />
                <BranchPoint vc="0" uspid="10" ordinal="3" offset="16" sl="15" path="1" offsetend="20" fileid="1" />
              </BranchPoints>
              <MethodPoint xsi:type="SequencePoint" vc="4" uspid="1" ordinal="0" offset="0" sl="10" sc="9" el="10" ec="10" bec="0" bev="0" fileid="1" />
            </Method>
            <Method visited="false" cyclomaticComplexity="1" nPathComplexity="0" sequenceCoverage="0" branchCoverage="0" isConstructor="true" isStatic="false" isGetter="false" isSetter="false">
              <Summary ${SUMMARY} />
              <MetadataToken>100663298</MetadataToken>
              <Name>System.Void App.Calculator::.ctor()</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="0" uspid="11" ordinal="0" offset="0" sl="5" sc="9" el="5" ec="40" bec="0" bev="0" fileid="2" />
                <SequencePoint vc="0" uspid="12" ordinal="1" offset="7" sl="20" sc="9" el="20" ec="30" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="0" uspid="13" ordinal="2" offset="9" sl="16707566" sc="0" el="16707566" ec="0" bec="0" bev="0" fileid="1" />
              </SequencePoints>
              <BranchPoints />
              <MethodPoint xsi:type="SequencePoint" vc="0" uspid="11" ordinal="0" offset="0" sl="5" sc="9" el="5" ec="40" bec="0" bev="0" fileid="2" />
            </Method>
            <Method visited="false" skippedDueTo="Attribute" cyclomaticComplexity="1" nPathComplexity="0" sequenceCoverage="0" branchCoverage="0" isConstructor="false" isStatic="false" isGetter="false" isSetter="false">
              <Name>System.Void App.Calculator::Ignored()</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="0" uspid="14" ordinal="0" offset="0" sl="30" sc="9" el="30" ec="10" bec="0" bev="0" fileid="1" />
              </SequencePoints>
            </Method>
            <Method visited="false" cyclomaticComplexity="1" nPathComplexity="0" sequenceCoverage="0" branchCoverage="0" isConstructor="false" isStatic="false" isGetter="false" isSetter="false">
              <Summary ${SUMMARY} />
              <MetadataToken>100663300</MetadataToken>
              <Name>System.Void App.Calculator::Finalize()</Name>
              <SequencePoints />
              <BranchPoints />
              <MethodPoint xsi:type="SequencePoint" vc="0" uspid="15" ordinal="0" offset="0" />
            </Method>
          </Methods>
        </Class>
        <Class skippedDueTo="Filter">
          <FullName>App.Generated</FullName>
          <Methods>
            <Method visited="true">
              <Name>System.Void App.Generated::Run()</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="9" uspid="16" ordinal="0" offset="0" sl="40" sc="9" el="40" ec="10" bec="0" bev="0" fileid="1" />
              </SequencePoints>
            </Method>
          </Methods>
        </Class>
      </Classes>
    </Module>
  </Modules>
</CoverageSession>
`;

/** coverlet's OpenCover output: one point per line, no `visited`, MethodPoint vc = covered lines, `p8:type`. */
const COVERLET = `<?xml version="1.0" encoding="utf-8"?>
<CoverageSession>
  <Summary numSequencePoints="5" visitedSequencePoints="2" numBranchPoints="2" visitedBranchPoints="1" sequenceCoverage="40" branchCoverage="50" maxCyclomaticComplexity="2" minCyclomaticComplexity="1" visitedClasses="1" numClasses="1" visitedMethods="1" numMethods="2" />
  <Modules>
    <Module hash="9B4E2C3A-0000-4000-8000-000000000001">
      <ModulePath>/home/runner/work/app/bin/Debug/net8.0/App.dll</ModulePath>
      <ModuleTime>2024-05-01T12:00:00</ModuleTime>
      <ModuleName>App</ModuleName>
      <Files>
        <File uid="1" fullPath="/home/runner/work/app/src/Greeter.cs" />
      </Files>
      <Classes>
        <Class>
          <Summary numSequencePoints="5" visitedSequencePoints="2" numBranchPoints="2" visitedBranchPoints="1" sequenceCoverage="40" branchCoverage="50" maxCyclomaticComplexity="2" minCyclomaticComplexity="1" visitedClasses="1" numClasses="1" visitedMethods="1" numMethods="2" />
          <FullName>App.Greeter</FullName>
          <Methods>
            <Method cyclomaticComplexity="2" nPathComplexity="0" sequenceCoverage="66.66666666666666" branchCoverage="50" isConstructor="False" isGetter="False" isSetter="False" isStatic="True">
              <Summary numSequencePoints="3" visitedSequencePoints="2" numBranchPoints="2" visitedBranchPoints="1" sequenceCoverage="66.66666666666666" branchCoverage="50" maxCyclomaticComplexity="2" minCyclomaticComplexity="2" visitedClasses="0" numClasses="0" visitedMethods="1" numMethods="1" />
              <MetadataToken />
              <Name>System.String App.Greeter::Greet(System.String)</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="2" uspid="7" ordinal="0" sl="7" sc="1" el="7" ec="2" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="2" uspid="8" ordinal="1" sl="8" sc="1" el="8" ec="2" bec="2" bev="1" fileid="1" />
                <SequencePoint vc="0" uspid="9" ordinal="2" sl="9" sc="1" el="9" ec="2" bec="0" bev="0" fileid="1" />
              </SequencePoints>
              <BranchPoints>
                <BranchPoint vc="2" uspid="8" ordinal="0" path="0" offset="6" offsetend="8" sl="8" fileid="1" />
                <BranchPoint vc="0" uspid="8" ordinal="1" path="1" offset="6" offsetend="20" sl="8" fileid="1" />
              </BranchPoints>
              <MethodPoint vc="2" uspid="0" p8:type="SequencePoint" ordinal="0" offset="0" sc="0" sl="7" ec="1" el="9" bec="0" bev="0" fileid="1" xmlns:p8="xsi" />
            </Method>
            <Method cyclomaticComplexity="1" nPathComplexity="0" sequenceCoverage="0" branchCoverage="0" isConstructor="False" isGetter="False" isSetter="False" isStatic="True">
              <Summary numSequencePoints="2" visitedSequencePoints="0" numBranchPoints="0" visitedBranchPoints="0" sequenceCoverage="0" branchCoverage="0" maxCyclomaticComplexity="1" minCyclomaticComplexity="1" visitedClasses="0" numClasses="0" visitedMethods="0" numMethods="1" />
              <MetadataToken />
              <Name>System.Void App.Greeter/&lt;&gt;c::&lt;Unused&gt;b__1_0()</Name>
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="0" uspid="12" ordinal="0" sl="12" sc="1" el="12" ec="2" bec="0" bev="0" fileid="1" />
                <SequencePoint vc="0" uspid="13" ordinal="1" sl="13" sc="1" el="13" ec="2" bec="0" bev="0" fileid="1" />
              </SequencePoints>
              <BranchPoints />
              <MethodPoint vc="0" uspid="0" p8:type="SequencePoint" ordinal="1" offset="1" sc="0" sl="12" ec="1" el="13" bec="0" bev="0" fileid="1" xmlns:p8="xsi" />
            </Method>
          </Methods>
        </Class>
      </Classes>
    </Module>
  </Modules>
</CoverageSession>
`;

/** A minimal session around one module body. */
function session(moduleBody: string, moduleAttrs = 'hash="X"'): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<CoverageSession>\n<Modules>\n<Module ${moduleAttrs}>\n${moduleBody}\n</Module>\n</Modules>\n</CoverageSession>\n`;
}

/** One method in file uid 1 (C:\src\A.cs) with the given points. */
function oneMethod(points: string, files = '<Files><File uid="1" fullPath="C:\\src\\A.cs" /></Files>', methodAttrs = 'visited="true"'): string {
  return session(`${files}\n<Classes><Class><FullName>A</FullName><Methods>\n<Method ${methodAttrs}>\n<Name>System.Void A::M()</Name>\n<FileRef uid="1" />\n${points}\n</Method>\n</Methods></Class></Classes>`);
}

describe('opencover parser', () => {
  it('reads OpenCover: sequence points over sl..el, summed per line; branch points; methods', () => {
    const out = parse(OPENCOVER);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    // Windows paths are kept as written; the filtered module's file (uid 99) never appears.
    expect(out.report.files.map((f) => f.path)).toEqual(['C:\\projects\\app\\src\\Calculator.Fields.cs', 'C:\\projects\\app\\src\\Calculator.cs']);
    const [fields, calc] = out.report.files;
    expect([...lineRecords(calc!)]).toEqual([
      { kind: 'hit', line: 10, hits: 4 },
      { kind: 'hit', line: 11, hits: 4 },
      // One statement over lines 12-14: each line gets its count.
      { kind: 'hit', line: 12, hits: 3 },
      { kind: 'hit', line: 13, hits: 3 },
      { kind: 'hit', line: 14, hits: 3 },
      // Two points on line 15 (vc 1 and 0) add up; one of its branch outcomes was never taken.
      { kind: 'partial', line: 15, hits: 1, branchesTaken: 1, branchesTotal: 2, missedBranches: ['16:1'] },
      { kind: 'hit', line: 16, hits: 4 },
      // The constructor's own line; its hidden point (line 0xFEEFEE) is skipped.
      { kind: 'miss', line: 20 },
    ]);
    expect([...calc!.branchIds]).toEqual(['5:0', '5:1', '16:0', '16:1']);
    expect([...calc!.branchTaken]).toEqual([3, 1, 1, 0]);
    // Functions: named by <Name>, at the first sequence point in the method's own file, ending at
    // the last; the skipped method, the skipped class and Finalize (no source position) are absent.
    expect(calc!.functions).toEqual([
      { name: 'System.Int32 App.Calculator::Max(System.Int32,System.Int32)', line: 10, endLine: 16, hits: 4 },
      { name: 'System.Void App.Calculator::.ctor()', line: 20, endLine: 20, hits: 0 },
    ]);
    // The field initializer compiled into the constructor belongs to the other partial-class file.
    expect([...lineRecords(fields!)]).toEqual([{ kind: 'miss', line: 5 }]);
    expect(fields!.functions).toEqual([]);
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ files: 2, lines: 9, hits: 6, partials: 1, misses: 2, branches: 4, branches_hit: 3, functions: 2, functions_hit: 1, statements: null });
  });

  it('reads coverlet: no visited attribute, MethodPoint vc = covered line count, namespaced attributes', () => {
    const out = parse(COVERLET);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const f = out.report.files[0]!;
    expect(f.path).toBe('/home/runner/work/app/src/Greeter.cs');
    expect([...lineRecords(f)].map((r) => `${r.line}:${r.kind}`)).toEqual(['7:hit', '8:partial', '9:miss', '12:miss', '13:miss']);
    expect(f.functions).toEqual([
      { name: 'System.String App.Greeter::Greet(System.String)', line: 7, endLine: 9, hits: 2 },
      // Entities in <Name> text are decoded.
      { name: 'System.Void App.Greeter/<>c::<Unused>b__1_0()', line: 12, endLine: 13, hits: 0 },
    ]);
    expect(reportTotals(out.report).totals).toMatchObject({ lines: 5, hits: 1, partials: 1, misses: 3, branches: 2, branches_hit: 1, functions: 2, functions_hit: 1 });
  });

  it('the worked example of docs/formats/opencover.md', () => {
    const out = parse(
      session(
        '<Files><File uid="1" fullPath="C:\\app\\src\\Calc.cs" /></Files><Classes><Class><FullName>App.Calc</FullName><Methods><Method visited="true">' +
          '<Name>System.Int32 App.Calc::Max(System.Int32,System.Int32)</Name><FileRef uid="1" /><SequencePoints>' +
          '<SequencePoint vc="3" sl="10" sc="9" el="10" ec="30" fileid="1" /><SequencePoint vc="3" sl="11" sc="13" el="13" ec="14" fileid="1" /><SequencePoint vc="0" sl="14" sc="9" el="14" ec="10" fileid="1" />' +
          '</SequencePoints><BranchPoints><BranchPoint vc="3" sl="10" offset="4" path="0" offsetend="6" fileid="1" /><BranchPoint vc="0" sl="10" offset="4" path="1" offsetend="19" fileid="1" /></BranchPoints>' +
          '<MethodPoint vc="3" sl="10" fileid="1" /></Method></Methods></Class></Classes>',
      ),
    );
    const f = out.report.files[0]!;
    expect(f.path).toBe('C:\\app\\src\\Calc.cs');
    expect([...lineRecords(f)].map((r) => `${r.line}:${r.kind}`)).toEqual(['10:partial', '11:hit', '12:hit', '13:hit', '14:miss']);
    expect(f.functions).toEqual([{ name: 'System.Int32 App.Calc::Max(System.Int32,System.Int32)', line: 10, endLine: 14, hits: 3 }]);
    expect(reportTotals(out.report).totals).toMatchObject({ lines: 5, hits: 3, partials: 1, misses: 1, branches: 2, branches_hit: 1, functions: 1, functions_hit: 1 });
  });

  it('gives the same report whatever the chunk boundaries', () => {
    for (const xml of [OPENCOVER, COVERLET]) {
      const whole = parse(xml);
      for (const size of [1, 3, 17, 256]) expect(parse(xml, size)).toEqual(whole);
    }
  });

  it('method hits: MethodPoint vc, else visited, else whether any point ran', () => {
    const hitsOf = (points: string, attrs: string) => parse(oneMethod(points, undefined, attrs)).report.files[0]!.functions![0]!.hits;
    const sp = (vc: number) => `<SequencePoints><SequencePoint vc="${vc}" sl="3" el="3" /></SequencePoints>`;
    expect(hitsOf(sp(0) + '<MethodPoint vc="7" />', 'visited="true"')).toBe(7);
    // OpenCover can write visited="true" with a MethodPoint count of 0: the method ran.
    expect(hitsOf(sp(2) + '<MethodPoint vc="0" />', 'visited="true"')).toBe(1);
    expect(hitsOf(sp(2), 'visited="false"')).toBe(0);
    expect(hitsOf(sp(0), 'visited="true"')).toBe(1);
    expect(hitsOf(sp(5), '')).toBe(1);
    expect(hitsOf(sp(0), '')).toBe(0);
  });

  it('points without fileid use their method\'s FileRef; fileid="0" means none', () => {
    const out = parse(oneMethod('<SequencePoints><SequencePoint vc="1" sl="3" el="3" /><SequencePoint vc="1" sl="4" el="4" fileid="0" /></SequencePoints><BranchPoints><BranchPoint vc="1" sl="3" offset="2" path="0" /></BranchPoints>'));
    expect(out.status).toBe('ok');
    expect([...out.report.files[0]!.lineNumbers]).toEqual([3, 4]);
    expect([...out.report.files[0]!.branchIds]).toEqual(['2:0']);
  });

  it('resolves files declared after the classes (buffered until the module ends)', () => {
    const out = parse(
      session('<Classes><Class><Methods><Method visited="true"><Name>N::M()</Name><FileRef uid="5" /><SequencePoints><SequencePoint vc="2" sl="8" el="8" fileid="5" /></SequencePoints></Method></Methods></Class></Classes>\n<Files><File uid="5" fullPath="src/Late.cs" /></Files>'),
    );
    expect(out.status).toBe('ok');
    expect(out.report.files.map((f) => [f.path, [...f.lineNumbers], f.functions!.length])).toEqual([['src/Late.cs', [8], 1]]);
  });

  it('the same source in two modules (multi-targeting) merges by path: counts add up', () => {
    const module = (vc: number) =>
      `<Module hash="M${vc}"><Files><File uid="${vc}" fullPath="src/Shared.cs" /></Files><Classes><Class><Methods><Method visited="true"><Name>S::F()</Name><FileRef uid="${vc}" /><SequencePoints><SequencePoint vc="${vc}" sl="2" el="2" fileid="${vc}" /></SequencePoints><MethodPoint vc="${vc}" /></Method></Methods></Class></Classes></Module>`;
    const out = parse(`<CoverageSession><Modules>${module(1)}${module(3)}</Modules></CoverageSession>`);
    const f = out.report.files[0]!;
    expect([...f.lineHits]).toEqual([4]);
    expect(f.functions).toEqual([{ name: 'S::F()', line: 2, endLine: 2, hits: 4 }]);
  });

  it('bounds the expansion of a sequence point spanning a huge range', () => {
    const out = parse(oneMethod('<SequencePoints><SequencePoint vc="1" sl="1" el="50000" /><SequencePoint vc="1" sl="60000" el="60002" /></SequencePoints>'));
    expect(out.status).toBe('ok');
    expect([...out.report.files[0]!.lineNumbers]).toEqual([1, 60000, 60001, 60002]);
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_OPENCOVER_SPAN_LIMITED']);
  });

  it('branch points without sl (OpenCover < 4.5.3207) are dropped with one warning', () => {
    const out = parse(oneMethod('<SequencePoints><SequencePoint vc="1" sl="3" el="3" /></SequencePoints><BranchPoints><BranchPoint vc="1" offset="2" path="0" /><BranchPoint vc="0" offset="2" path="1" /></BranchPoints>'));
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_OPENCOVER_BRANCH_WITHOUT_LINE', 10]]);
    expect(out.report.files[0]!.branchIds).toEqual([]);
  });

  it('an empty session is valid and empty', () => {
    const out = parse('<?xml version="1.0"?><CoverageSession><Summary numSequencePoints="0" /><Modules /></CoverageSession>');
    expect(out).toEqual({ status: 'ok', report: { files: [] }, diagnostics: [] });
  });

  describe('corrupt input: status invalid, diagnostics with file and line, what could be read is kept', () => {
    const points = (middle: string) => oneMethod(`<SequencePoints>\n<SequencePoint vc="1" sl="3" el="3" />\n${middle}\n<SequencePoint vc="0" sl="5" el="5" />\n</SequencePoints>`);

    it.each([
      ['<SequencePoint sl="4" el="4" />', 'CW_OPENCOVER_BAD_SEQUENCE_POINT'],
      ['<SequencePoint vc="-1" sl="4" el="4" />', 'CW_OPENCOVER_BAD_SEQUENCE_POINT'],
      ['<SequencePoint vc="1" el="4" />', 'CW_OPENCOVER_BAD_SEQUENCE_POINT'],
      ['<SequencePoint vc="1" sl="four" el="4" />', 'CW_OPENCOVER_BAD_SEQUENCE_POINT'],
      ['<BranchPoint vc="x" sl="4" offset="1" path="0" />', 'CW_OPENCOVER_BAD_BRANCH_POINT'],
      ['<MethodPoint vc="" />', 'CW_OPENCOVER_BAD_METHOD_POINT'],
    ])('%s is an error at its line (%s)', (element, code) => {
      const out = parse(points(element));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics).toHaveLength(1);
      expect(out.diagnostics[0]).toMatchObject({ code, severity: 'error', file: 'coverage.opencover.xml', line: 12 });
      expect(out.diagnostics[0]!.message).toContain('expected <');
      expect([...out.report.files[0]!.lineNumbers]).toEqual([3, 5]);
    });

    it('a point referring to an undeclared file is an error; the rest is kept', () => {
      const out = parse(points('<SequencePoint vc="1" sl="4" el="4" fileid="42" />'));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_OPENCOVER_UNKNOWN_FILE']);
      expect([...out.report.files[0]!.lineNumbers]).toEqual([3, 5]);
    });

    it('a <File> without uid or fullPath is an error', () => {
      const out = parse(oneMethod('<SequencePoints><SequencePoint vc="1" sl="3" el="3" /></SequencePoints>', '<Files>\n<File uid="1" fullPath="C:\\src\\A.cs" />\n<File uid="2" />\n</Files>'));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_OPENCOVER_BAD_FILE', line: 7 });
    });

    it('a truncated report is invalid and keeps the methods before the cut', () => {
      const cut = OPENCOVER.indexOf('<Method visited="false"');
      const out = parse(OPENCOVER.slice(0, cut + 10));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_XML_TRUNCATED']);
      expect(out.diagnostics[0]!.line).toBe(OPENCOVER.slice(0, cut).split('\n').length);
      expect(out.report.files[0]!.functions!.map((f) => f.line)).toEqual([10]);
    });

    it('another root element is not an OpenCover report', () => {
      const out = parse('<?xml version="1.0"?>\n<report name="x"><package name="a"/></report>');
      expect(out.status).toBe('invalid');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_OPENCOVER_NOT_OPENCOVER', line: 2 });
    });

    it('never throws on garbage', () => {
      for (const s of ['', '<', '<CoverageSession', '<CoverageSession><Modules><Module><Classes><Class><Methods><Method><Name>x', '<CoverageSession><SequencePoint vc="1" sl="1"/></CoverageSession>', '\u0000']) {
        expect(['ok', 'invalid']).toContain(parse(s).status);
      }
    });
  });
});

describe('opencover detection', () => {
  it('is certain for a CoverageSession root, and detection picks opencover', () => {
    expect(detectOpenCover(OPENCOVER, 'coverage.xml')).toBe(1);
    expect(detectOpenCover(COVERLET, 'coverage.opencover.xml')).toBe(1);
    const d = detectFormat(COVERLET, 'coverage.opencover.xml');
    expect(d.kind === 'detected' && d.format.id).toBe('opencover');
  });

  it('says no to other XML roots, even when they mention CoverageSession', () => {
    expect(detectOpenCover('<?xml version="1.0"?><!-- not a CoverageSession --><coverage line-rate="0.5">', 'coverage.xml')).toBe(0);
    expect(detectOpenCover('<Root CoveredStatements="1" TotalStatements="2" ReportType="Xml">', 'dotcover.xml')).toBe(0);
    expect(detectOpenCover('{"CoverageSession": {}}', 'coverage.json')).toBe(0);
  });

  it('does not claim any fixture', () => {
    const root = fixturesDir();
    for (const dir of readdirSync(root)) {
      const full = path.join(root, dir);
      if (!statSync(full).isDirectory()) continue;
      for (const name of readdirSync(full)) {
        const file = path.join(full, name);
        if (name === 'expected.json' || name === '_oracle' || name.endsWith('.gz') || !statSync(file).isFile()) continue;
        const head = readFileSync(file).subarray(0, 65536).toString('utf8');
        expect(detectOpenCover(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
