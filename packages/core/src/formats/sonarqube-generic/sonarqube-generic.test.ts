import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { mergeReports } from '../../model/merge.js';
import { reportTotals } from '../../model/totals.js';
import { decodeUtf8, encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { DETECT_HEAD_BYTES } from '../types.js';
import { xmlRootTag } from '../../xml/xml-root.js';
import { detectSonarqubeGeneric } from './detect.js';
import { createSonarqubeGenericParser } from './parse.js';

function parse(xml: string | Uint8Array, chunkSize = Infinity) {
  const p = createSonarqubeGenericParser({ fileName: 'sonarqube.xml', limits: DEFAULT_LIMITS });
  const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
  const step = Number.isFinite(chunkSize) ? chunkSize : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const codes = (o: { diagnostics: { code: string }[] }) => o.diagnostics.map((d) => d.code);

const SAMPLE = `<?xml version='1.0' encoding='UTF-8'?>
<coverage version="1">
  <file path="src/a.c">
    <lineToCover lineNumber="1" covered="true"/>
    <lineToCover lineNumber="2" covered="true" branchesToCover="4" coveredBranches="3"/>
    <lineToCover lineNumber="3" covered="false" branchesToCover="2" coveredBranches="0"/>
    <lineToCover lineNumber="4" covered="true" branchesToCover="2" coveredBranches="2"/>
  </file>
  <file path="C:\\work\\b.c"/>
</coverage>
`;

describe('sonarqube-generic: records', () => {
  it('covered="true" is 1 hit, "false" 0; branch counts become outcomes "0".."n-1", the first c taken', () => {
    const out = parse(SAMPLE);
    expect(out.status).toBe('ok');
    expect(codes(out)).toEqual([]);
    const a = out.report.files.find((f) => f.path === 'src/a.c')!;
    expect(Array.from(a.lineHits)).toEqual([1, 1, 0, 1]);
    expect([...lineRecords(a)].map((r) => r.kind)).toEqual(['hit', 'partial', 'miss', 'hit']);
    expect([...branchRecords(a)].filter((b) => b.line === 2)).toEqual([
      { line: 2, id: '0', taken: 1 },
      { line: 2, id: '1', taken: 1 },
      { line: 2, id: '2', taken: 1 },
      { line: 2, id: '3', taken: 0 },
    ]);
    expect(reportTotals(out.report).totals).toMatchObject({
      files: 2, lines: 4, hits: 2, partials: 1, misses: 1, branches: 8, branches_hit: 5, functions: null, statements: null,
    });
  });

  it('keeps paths exactly as written and lists files without lines', () => {
    const out = parse(SAMPLE);
    expect(out.report.files.map((f) => f.path)).toEqual(['C:\\work\\b.c', 'src/a.c']);
    expect(out.report.files[0]!.lineNumbers.length).toBe(0);
  });

  it('merges a line given twice: hits add up, branch coverage keeps the larger covered count', () => {
    const xml = `<coverage version="1"><file path="a.c">
      <lineToCover lineNumber="5" covered="true" branchesToCover="2" coveredBranches="1"/>
      <lineToCover lineNumber="5" covered="true" branchesToCover="2" coveredBranches="2"/>
    </file></coverage>`;
    const f = parse(xml).report.files[0]!;
    expect(Array.from(f.lineHits)).toEqual([2]);
    expect([...branchRecords(f)].map((b) => b.taken > 0)).toEqual([true, true]);
    // Across reports (two uploads of one commit) the same rule holds.
    const one = parse('<coverage version="1"><file path="a.c"><lineToCover lineNumber="5" covered="true" branchesToCover="4" coveredBranches="1"/></file></coverage>');
    const two = parse('<coverage version="1"><file path="a.c"><lineToCover lineNumber="5" covered="false" branchesToCover="4" coveredBranches="3"/></file></coverage>');
    expect(reportTotals(mergeReports([one.report, two.report])).totals).toMatchObject({ branches: 4, branches_hit: 3, partials: 1 });
  });

  it('reads an empty report (no file had coverage) as ok and empty', () => {
    const out = parse('<?xml version="1.0"?>\n<coverage version="1"/>\n');
    expect(out.status).toBe('ok');
    expect(out.report.files).toEqual([]);
  });

  it('gives the same report whatever the chunk boundaries', () => {
    const whole = parse(SAMPLE).report;
    for (const size of [1, 2, 5, 64]) expect(parse(SAMPLE, size).report).toEqual(whole);
  });
});

describe('sonarqube-generic: corrupt input is invalid, with report lines, and never throws', () => {
  it.each([
    ['<coverage version="1"><file path="a">\n<lineToCover covered="true"/></file></coverage>', 'CW_SONARQUBE_BAD_LINE', 2],
    ['<coverage version="1"><file path="a">\n<lineToCover lineNumber="0" covered="true"/></file></coverage>', 'CW_SONARQUBE_BAD_LINE', 2],
    ['<coverage version="1"><file path="a">\n\n<lineToCover lineNumber="3" covered="yes"/></file></coverage>', 'CW_SONARQUBE_BAD_LINE', 3],
    ['<coverage version="1"><file path="a">\n<lineToCover lineNumber="3" covered="true" branchesToCover="2" coveredBranches="3"/></file></coverage>', 'CW_SONARQUBE_BAD_BRANCHES', 2],
    ['<coverage version="1"><file path="a">\n<lineToCover lineNumber="3" covered="true" branchesToCover="2"/></file></coverage>', 'CW_SONARQUBE_BAD_BRANCHES', 2],
    ['<coverage version="1">\n<file><lineToCover lineNumber="3" covered="true"/></file></coverage>', 'CW_SONARQUBE_BAD_FILE', 2],
    ['<coverage version="1">\n<lineToCover lineNumber="3" covered="true"/></coverage>', 'CW_SONARQUBE_OUTSIDE_FILE', 2],
    ['<coverage version="2">\n</coverage>', 'CW_SONARQUBE_VERSION', 1],
    ['<testExecutions version="1">\n</testExecutions>', 'CW_SONARQUBE_NOT_COVERAGE', 1],
    ['<coverage version="1"><file path="a">\n<lineToCover lineNumber="3" covered="true"/>', 'CW_XML_TRUNCATED', 2],
    ['not xml', 'CW_XML_SYNTAX', 1],
  ])('%j -> %s at line %i', (xml, code, line) => {
    const out = parse(xml);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.find((d) => d.code === code)).toMatchObject({ severity: 'error', file: 'sonarqube.xml', line });
  });

  it('keeps the line of a record whose branch counts are bad, and the records around it', () => {
    const xml = `<coverage version="1"><file path="a">
      <lineToCover lineNumber="1" covered="true"/>
      <lineToCover lineNumber="2" covered="true" branchesToCover="x" coveredBranches="1"/>
      <lineToCover lineNumber="x" covered="true"/>
      <lineToCover lineNumber="4" covered="false"/>
    </file></coverage>`;
    const out = parse(xml);
    expect(out.status).toBe('invalid');
    expect(Array.from(out.report.files[0]!.lineNumbers)).toEqual([1, 2, 4]);
    expect(out.report.files[0]!.branchLines.length).toBe(0);
  });

  it('bounds the branch outcomes a small report may declare', () => {
    const out = parse('<coverage version="1"><file path="a"><lineToCover lineNumber="1" covered="true" branchesToCover="2000000000" coveredBranches="0"/></file></coverage>');
    expect(codes(out)).toContain('CW_SONARQUBE_TOO_MANY_BRANCHES');
    expect(out.report.files[0]!.branchLines.length).toBe(0);
  });

  it('never throws on truncations and byte garbage of a real report', () => {
    const real = readFileSync(path.join(fixturesDir(), 'c-cjson-gcovr-sonarqube-generic/sonarqube.xml'));
    for (const cut of [1, 10, 100, 1000, 5000, 40_000]) expect(() => parse(real.subarray(0, cut))).not.toThrow();
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 20; k++) {
      const bytes = real.slice(0, 4000);
      for (let j = 0; j < 20; j++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      expect(() => parse(bytes, 101)).not.toThrow();
    }
  });
});

describe('sonarqube-generic: the gcovr fixture', () => {
  it('reproduces gcovr\'s lines, covered lines and branches, in total and per file; no function metric', () => {
    const dir = path.join(fixturesDir(), 'c-cjson-gcovr-sonarqube-generic');
    const e = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
      totals: Record<string, number>;
      files: Record<string, Record<string, number>>;
    };
    const out = parse(readFileSync(path.join(dir, 'sonarqube.xml')));
    expect(out.status).toBe('ok');
    const { totals, files } = reportTotals(out.report);
    const pick = (t: { lines: number; hits: number; partials: number; branches: number; branches_hit: number }) => [t.lines, t.hits + t.partials, t.branches, t.branches_hit];
    expect(pick(totals)).toEqual([e.totals.lines, e.totals.lines_covered, e.totals.branches, e.totals.branches_covered]);
    expect(totals.functions).toBeNull();
    expect([...files.keys()].sort()).toEqual(Object.keys(e.files).sort());
    for (const [p, t] of files) {
      const x = e.files[p]!;
      expect(pick(t), p).toEqual([x.lines, x.lines_covered, x.branches, x.branches_covered]);
    }
  });
});

describe('sonarqube-generic: detection', () => {
  const root = fixturesDir();
  const head = (file: string) => decodeUtf8(readFileSync(file).subarray(0, DETECT_HEAD_BYTES));

  it('recognises gcovr --sonarqube output and an empty report', () => {
    expect(detectSonarqubeGeneric(head(path.join(root, 'c-cjson-gcovr-sonarqube-generic/sonarqube.xml')), 'sonarqube.xml')).toBe(1);
    expect(detectSonarqubeGeneric(SAMPLE, 'coverage.xml')).toBe(1);
    expect(detectSonarqubeGeneric('<?xml version="1.0"?>\n<coverage version="1"/>', 'x.xml')).toBeGreaterThanOrEqual(0.5);
  });

  it('scores 0 on every other fixture (Cobertura, Clover, JaCoCo, LCOV, JSON...)', () => {
    for (const c of readdirSync(root)) {
      if (c.endsWith('-sonarqube-generic') || c.includes('.')) continue;
      for (const n of readdirSync(path.join(root, c))) {
        if (n === 'expected.json' || n === '_oracle' || n.endsWith('.gz')) continue;
        expect(detectSonarqubeGeneric(head(path.join(root, c, n)), n), `${c}/${n}`).toBe(0);
      }
    }
  });

  it('scores 0 on SonarQube test-execution reports and on Cobertura/Clover roots with a version', () => {
    expect(detectSonarqubeGeneric('<testExecutions version="1"><file path="t.js"/></testExecutions>', 'x.xml')).toBe(0);
    expect(detectSonarqubeGeneric('<coverage version="6.5.0" line-rate="0.9"><sources/></coverage>', 'coverage.xml')).toBe(0);
    expect(detectSonarqubeGeneric('<coverage generated="1" clover="3.2.0"><project/></coverage>', 'clover.xml')).toBe(0);
  });

  it('finds the root element past the prolog, comments and a DOCTYPE with an internal subset', () => {
    expect(xmlRootTag('\uFEFF<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE r [ <!ENTITY a ">"> ]>\n<r a="1">')).toEqual({ name: 'r', text: '<r a="1">' });
    expect(xmlRootTag('text <r/>')).toBeNull();
    expect(xmlRootTag('<?xml version="1.0"')).toBeNull();
  });
});
