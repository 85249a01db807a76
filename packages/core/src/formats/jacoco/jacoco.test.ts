import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { lineRecords } from '../../model/line-records.js';
import { mergeReports } from '../../model/merge.js';
import { reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { detectFormat } from '../registry.js';
import { xmlRootTag } from '../../xml/xml-root.js';
import { detectJacoco } from './detect.js';

const xmlRootName = (head: string) => xmlRootTag(head)?.name ?? null;
import { jacocoFormat } from './index.js';

function parse(xml: string | Uint8Array, chunkSize = Infinity) {
  const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
  const p = jacocoFormat.createParser({ fileName: 'jacoco.xml', limits: DEFAULT_LIMITS });
  const step = Number.isFinite(chunkSize) ? chunkSize : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">';

/** A report with one package `a/b` and the given package body. */
function report(body: string, pkg = 'a/b'): string {
  return `${HEAD}<report name="demo"><sessioninfo id="s" start="1" dump="2"/><package name="${pkg}">${body}</package></report>`;
}

const CALC = report(
  '<class name="a/b/Calc" sourcefilename="Calc.java">' +
    '<method name="&lt;init&gt;" desc="()V" line="3"><counter type="INSTRUCTION" missed="3" covered="0"/><counter type="LINE" missed="1" covered="0"/><counter type="METHOD" missed="1" covered="0"/></method>' +
    '<method name="add" desc="(II)I" line="5"><counter type="INSTRUCTION" missed="0" covered="4"/><counter type="METHOD" missed="0" covered="1"/></method>' +
    '<method name="add" desc="(JJ)J" line="7"><counter type="INSTRUCTION" missed="0" covered="4"/><counter type="METHOD" missed="0" covered="1"/></method>' +
    '<method name="max" desc="(II)I" line="9"><counter type="INSTRUCTION" missed="2" covered="6"/><counter type="BRANCH" missed="1" covered="1"/><counter type="METHOD" missed="0" covered="1"/></method>' +
    '<counter type="METHOD" missed="1" covered="3"/></class>' +
    '<class name="a/b/Calc$Inner" sourcefilename="Calc.java">' +
    '<method name="&lt;init&gt;" desc="()V" line="12"><counter type="INSTRUCTION" missed="0" covered="3"/><counter type="METHOD" missed="0" covered="1"/></method></class>' +
    '<sourcefile name="Calc.java">' +
    '<line nr="3" mi="3" ci="0" mb="0" cb="0"/>' +
    '<line nr="5" mi="0" ci="4" mb="0" cb="0"/>' +
    '<line nr="7" mi="0" ci="4" mb="0" cb="0"/>' +
    '<line nr="9" mi="2" ci="6" mb="1" cb="1"/>' +
    '<line nr="10" mi="0" ci="2" mb="0" cb="2"/>' +
    '<line nr="12" mi="0" ci="3" mb="0" cb="0"/>' +
    '<counter type="INSTRUCTION" missed="5" covered="19"/><counter type="BRANCH" missed="1" covered="3"/><counter type="LINE" missed="1" covered="5"/><counter type="METHOD" missed="1" covered="4"/>' +
    '</sourcefile>',
);

describe('jacoco parser', () => {
  it('reads lines, branches and methods (path = package + "/" + sourcefile)', () => {
    const out = parse(CALC);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    expect(out.report.files.map((f) => f.path)).toEqual(['a/b/Calc.java']);
    const f = out.report.files[0]!;
    // ci > 0 -> covered with hits 1 (JaCoCo has no execution counts); ci = 0, mi > 0 -> missed.
    expect([...lineRecords(f)]).toEqual([
      { kind: 'miss', line: 3 },
      { kind: 'hit', line: 5, hits: 1 },
      { kind: 'hit', line: 7, hits: 1 },
      { kind: 'partial', line: 9, hits: 1, branchesTaken: 1, branchesTotal: 2, missedBranches: ['1'] },
      { kind: 'hit', line: 10, hits: 1 },
      { kind: 'hit', line: 12, hits: 1 },
    ]);
    // mb + cb outcomes with ids "0".."n-1", the first cb taken once.
    expect([...f.branchIds]).toEqual(['0', '1', '0', '1']);
    expect([...f.branchTaken]).toEqual([1, 0, 1, 1]);
    // Overloads are distinct (desc), nested classes land in the outer file, JVM names are kept.
    expect(f.functions).toEqual([
      { name: 'Calc.<init>()V', line: 3, endLine: null, hits: 0 },
      { name: 'Calc.add(II)I', line: 5, endLine: null, hits: 1 },
      { name: 'Calc.add(JJ)J', line: 7, endLine: null, hits: 1 },
      { name: 'Calc.max(II)I', line: 9, endLine: null, hits: 1 },
      { name: 'Calc$Inner.<init>()V', line: 12, endLine: null, hits: 1 },
    ]);
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ lines: 6, hits: 4, partials: 1, misses: 1, branches: 4, branches_hit: 3, functions: 5, functions_hit: 4, statements: null });
  });

  it('the worked example of docs/formats/jacoco.md', () => {
    const out = parse(
      report(
        '<class name="a/b/Calc" sourcefilename="Calc.java"><method name="add" desc="(II)I" line="5"><counter type="METHOD" missed="0" covered="1"/></method>' +
          '<method name="max" desc="(II)I" line="9"><counter type="METHOD" missed="0" covered="1"/></method></class>' +
          '<class name="a/b/Calc$Inner" sourcefilename="Calc.java"><method name="&lt;init&gt;" desc="()V" line="12"><counter type="METHOD" missed="1" covered="0"/></method></class>' +
          '<sourcefile name="Calc.java"><line nr="5" mi="0" ci="4" mb="0" cb="0"/><line nr="9" mi="2" ci="6" mb="1" cb="1"/><line nr="12" mi="3" ci="0" mb="0" cb="0"/></sourcefile>',
      ),
    );
    const f = out.report.files[0]!;
    expect([...lineRecords(f)].map((r) => `${r.line}:${r.kind}`)).toEqual(['5:hit', '9:partial', '12:miss']);
    expect(f.functions!.map((fn) => `${fn.name}@${fn.line}=${fn.hits}`)).toEqual(['Calc.add(II)I@5=1', 'Calc.max(II)I@9=1', 'Calc$Inner.<init>()V@12=0']);
    expect(reportTotals(out.report).totals).toMatchObject({ lines: 3, hits: 1, partials: 1, misses: 1, branches: 2, branches_hit: 1, functions: 3, functions_hit: 2 });
  });

  it('gives the same report whatever the chunk boundaries', () => {
    const whole = parse(CALC);
    for (const size of [1, 2, 7, 64, 1000]) expect(parse(CALC, size)).toEqual(whole);
  });

  it('falls back to the INSTRUCTION counter when a method has no METHOD counter', () => {
    const out = parse(
      report(
        '<class name="a/b/K" sourcefilename="K.kt"><method name="f" desc="()V" line="1"><counter type="INSTRUCTION" missed="1" covered="2"/></method>' +
          '<method name="g" desc="()V" line="2"><counter type="INSTRUCTION" missed="4" covered="0"/></method></class>' +
          '<sourcefile name="K.kt"><line nr="1" mi="1" ci="2" mb="0" cb="0"/><line nr="2" mi="4" ci="0" mb="0" cb="0"/></sourcefile>',
      ),
    );
    expect(out.report.files[0]!.functions!.map((fn) => [fn.name, fn.hits])).toEqual([['K.f()V', 1], ['K.g()V', 0]]);
  });

  it('reads packages inside (nested) <group> elements and the default package', () => {
    const xml =
      `${HEAD}<report name="all"><sessioninfo id="a" start="1" dump="2"/><sessioninfo id="b" start="3" dump="4"/>` +
      '<group name="module-a"><group name="sub"><package name="x/y"><sourcefile name="A.java"><line nr="1" mi="0" ci="1" mb="0" cb="0"/></sourcefile></package></group></group>' +
      '<group name="module-b"><package name=""><class name="Main" sourcefilename="Main.java"><method name="main" desc="([Ljava/lang/String;)V" line="2"><counter type="METHOD" missed="0" covered="1"/></method></class>' +
      '<sourcefile name="Main.java"><line nr="2" mi="0" ci="3" mb="0" cb="0"/></sourcefile></package></group>' +
      '<counter type="LINE" missed="0" covered="2"/></report>';
    const out = parse(xml);
    expect(out.status).toBe('ok');
    expect(out.report.files.map((f) => f.path)).toEqual(['Main.java', 'x/y/A.java']);
    expect(out.report.files[0]!.functions).toEqual([{ name: 'Main.main([Ljava/lang/String;)V', line: 2, endLine: null, hits: 1 }]);
    // A sourcefile without classes still has a (zero) function metric: JaCoCo always counts methods.
    expect(out.report.files[1]!.functions).toEqual([]);
  });


  it('keeps files of the same name in different packages apart (classes find their own package\'s file)', () => {
    const pkg = (name: string, hit: number) =>
      `<package name="${name}"><class name="${name}/A" sourcefilename="A.java"><method name="f" desc="()V" line="1"><counter type="METHOD" missed="${1 - hit}" covered="${hit}"/></method></class>` +
      `<sourcefile name="A.java"><line nr="1" mi="${1 - hit}" ci="${hit}" mb="0" cb="0"/></sourcefile></package>`;
    const xml = `${HEAD}<report name="r">${pkg('p', 1)}${pkg('q', 0)}<package name="p"><class name="p/B" sourcefilename="A.java"><method name="g" desc="()V" line="2"><counter type="METHOD" missed="0" covered="1"/></method></class></package></report>`;
    const out = parse(xml);
    expect(out.report.files.map((f) => [f.path, [...f.lineHits], f.functions!.map((fn) => `${fn.name}=${fn.hits}`)])).toEqual([
      ['p/A.java', [1], ['A.f()V=1', 'B.g()V=1']],
      ['q/A.java', [0], ['A.f()V=0']],
    ]);
  });
  it('ignores lines without instructions, and counters of classes, packages and the report', () => {
    const out = parse(
      report(
        '<class name="a/b/C" sourcefilename="C.java"><counter type="METHOD" missed="9" covered="9"/></class>' +
          '<sourcefile name="C.java"><line nr="1" mi="0" ci="0" mb="0" cb="0"/><line nr="2" mi="1" ci="0" mb="0" cb="0"/></sourcefile><counter type="LINE" missed="5" covered="5"/>',
      ),
    );
    expect(out.status).toBe('ok');
    expect([...out.report.files[0]!.lineNumbers]).toEqual([2]);
    expect(out.report.files[0]!.functions).toEqual([]);
  });

  it('merging two runs of a line keeps the larger covered branch count (prefix union)', () => {
    const run = (cb: number) => parse(report(`<sourcefile name="M.java"><line nr="4" mi="1" ci="3" mb="${4 - cb}" cb="${cb}"/></sourcefile>`)).report;
    const merged = mergeReports([run(1), run(2)]);
    const { totals } = reportTotals(merged);
    expect(totals).toMatchObject({ lines: 1, partials: 1, branches: 4, branches_hit: 2 });
    expect([...merged.files[0]!.lineHits]).toEqual([2]);
  });

  it('a line claiming an absurd number of branches keeps its line but no branch data', () => {
    const out = parse(report('<sourcefile name="H.java"><line nr="1" mi="0" ci="1" mb="999999999" cb="1"/><line nr="2" mi="0" ci="1" mb="1" cb="1"/></sourcefile>'));
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_JACOCO_TOO_MANY_BRANCHES']);
    expect([...out.report.files[0]!.lineNumbers]).toEqual([1, 2]);
    expect([...out.report.files[0]!.branchLines]).toEqual([2, 2]);
  });

  it('warns when a sourcefile counter disagrees with its <line> elements', () => {
    const out = parse(
      report('<sourcefile name="X.java"><line nr="1" mi="0" ci="1" mb="1" cb="1"/><counter type="LINE" missed="0" covered="2"/><counter type="BRANCH" missed="1" covered="1"/></sourcefile>'),
    );
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_JACOCO_COUNTER_MISMATCH']);
    expect(out.diagnostics[0]!.message).toContain('a/b/X.java');
  });

  it('reports methods it cannot place (no sourcefilename, no line) once, as warnings', () => {
    const out = parse(
      report(
        '<class name="a/b/NoSrc"><method name="f" desc="()V"><counter type="METHOD" missed="1" covered="0"/></method></class>' +
          '<class name="a/b/NoLines" sourcefilename="NoLines.java"><method name="g" desc="()V"><counter type="METHOD" missed="0" covered="1"/></method><method name="h" desc="()V"><counter type="METHOD" missed="0" covered="1"/></method></class>' +
          '<sourcefile name="NoLines.java"><counter type="METHOD" missed="0" covered="2"/></sourcefile>',
      ),
    );
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['CW_JACOCO_METHOD_WITHOUT_FILE', 'warning'],
      ['CW_JACOCO_METHOD_WITHOUT_LINE', 'warning'],
    ]);
    expect(out.diagnostics[1]!.message).toMatch(/^2 method/);
    expect(out.report.files.map((f) => [f.path, f.functions])).toEqual([['a/b/NoLines.java', []]]);
  });

  it('an empty report (no package) is valid but says so', () => {
    const out = parse(`${HEAD}<report name="none"><sessioninfo id="s" start="1" dump="2"/></report>`);
    expect(out.status).toBe('ok');
    expect(out.report.files).toEqual([]);
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_JACOCO_EMPTY']);
  });

  describe('corrupt input: status invalid, diagnostics with file and line, what could be read is kept', () => {
    const multiLine = (lineElement: string) =>
      `${HEAD}\n<report name="x">\n<package name="p">\n<sourcefile name="S.java">\n<line nr="1" mi="0" ci="1" mb="0" cb="0"/>\n${lineElement}\n<line nr="3" mi="2" ci="0" mb="0" cb="0"/>\n</sourcefile>\n</package>\n</report>\n`;

    it.each([
      ['<line mi="0" ci="1" mb="0" cb="0"/>', 'no nr'],
      ['<line nr="two" mi="0" ci="1" mb="0" cb="0"/>', 'non-numeric nr'],
      ['<line nr="2" mi="0" ci="-1" mb="0" cb="0"/>', 'negative count'],
      ['<line nr="2" mi="0" ci="1" mb="0.5" cb="0"/>', 'fractional count'],
    ])('%s (%s) is an error at its line', (element) => {
      const out = parse(multiLine(element));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics).toHaveLength(1);
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_JACOCO_BAD_LINE', severity: 'error', file: 'jacoco.xml', line: 6 });
      expect(out.diagnostics[0]!.message).toContain('expected <line nr=');
      expect([...out.report.files[0]!.lineNumbers]).toEqual([1, 3]);
    });

    it('a counter with non-numeric counts is an error', () => {
      const out = parse(multiLine('<counter type="LINE" missed="x" covered="1"/>'));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_JACOCO_BAD_COUNTER', line: 6 });
    });

    it('line number 0 is dropped with a warning naming the report line', () => {
      const out = parse(multiLine('<line nr="0" mi="0" ci="1" mb="0" cb="0"/>'));
      expect(out.status).toBe('ok');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_LINE_INVALID', severity: 'warning', line: 6 });
    });

    it('a truncated report is invalid and keeps the lines before the cut', () => {
      const xml = multiLine('');
      const out = parse(xml.slice(0, xml.indexOf('<line nr="3"') + 8));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_XML_TRUNCATED']);
      expect(out.diagnostics[0]!.line).toBe(7);
      expect([...out.report.files[0]!.lineNumbers]).toEqual([1]);
    });

    it('mismatched tags are an XML syntax error', () => {
      const out = parse(multiLine('<line nr="2" mi="0" ci="1" mb="0" cb="0"></sourcefile>'));
      expect(out.status).toBe('invalid');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_XML_MISMATCHED_TAG', line: 6 });
    });

    it('another root element is not a JaCoCo report', () => {
      const out = parse('<?xml version="1.0"?>\n<coverage line-rate="1"><packages/></coverage>');
      expect(out.status).toBe('invalid');
      expect(out.diagnostics[0]).toMatchObject({ code: 'CW_JACOCO_NOT_JACOCO', line: 2 });
    });

    it('elements out of place are errors, not crashes', () => {
      const out = parse(`${HEAD}<report name="x"><line nr="1" mi="0" ci="1" mb="0" cb="0"/><class name="c"/><method name="m"/><sourcefile name="s"/></report>`);
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_JACOCO_BAD_LINE', 'CW_JACOCO_BAD_CLASS', 'CW_JACOCO_BAD_METHOD', 'CW_JACOCO_BAD_SOURCEFILE', 'CW_JACOCO_EMPTY']);
    });

    it('never throws on garbage', () => {
      for (const s of ['', '<', 'report', '<report', '<report><package name="a"><sourcefile name="b"><line nr="1"', '\u0000\u0001', '<!DOCTYPE report [<!ENTITY x "y">]><report>&x;</report>']) {
        const out = parse(s);
        expect(['ok', 'invalid']).toContain(out.status);
      }
    });
  });
});

describe('the real JaCoCo fixture (java-diff-match-patch)', () => {
  const dir = path.join(fixturesDir(), 'java-diff-match-patch-jacoco-xml');
  const bytes = new Uint8Array(readFileSync(path.join(dir, 'jacoco.xml')));

  it('reproduces JaCoCo\'s own LINE, BRANCH and METHOD counters, and its cross-checks pass', () => {
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { totals: Record<string, number> };
    const out = parse(bytes, 4096);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const { totals } = reportTotals(out.report);
    expect({
      lines: totals.lines,
      lines_covered: totals.hits + totals.partials,
      branches: totals.branches,
      branches_covered: totals.branches_hit,
      functions: totals.functions,
      functions_covered: totals.functions_hit,
    }).toEqual({
      lines: expected.totals.lines,
      lines_covered: expected.totals.lines_covered,
      branches: expected.totals.branches,
      branches_covered: expected.totals.branches_covered,
      functions: expected.totals.functions,
      functions_covered: expected.totals.functions_covered,
    });
    const f = out.report.files[0]!;
    expect(f.path).toBe('name/fraser/neil/plaintext/diff_match_patch.java');
    expect(f.functions).toContainEqual({ name: 'diff_match_patch$Diff.hashCode()I', line: 2345, endLine: null, hits: 0 });
    expect(f.functions).toContainEqual({ name: 'diff_match_patch$Diff.equals(Ljava/lang/Object;)Z', line: 2358, endLine: null, hits: 1 });
  });
});

describe('jacoco detection', () => {
  const fixture = readFileSync(path.join(fixturesDir(), 'java-diff-match-patch-jacoco-xml', 'jacoco.xml'), 'utf8');

  it('is certain for JaCoCo\'s DOCTYPE, and detection picks jacoco', () => {
    expect(detectJacoco(fixture.slice(0, 65536), 'jacoco.xml')).toBe(1);
    const d = detectFormat(fixture.slice(0, 65536), 'jacoco.xml');
    expect(d.kind === 'detected' && d.format.id).toBe('jacoco');
  });

  it('recognizes a JaCoCo report without DOCTYPE by its elements (Kover, hand-made)', () => {
    expect(detectJacoco('<report name="x">\n  <sessioninfo id="a" start="1" dump="2"/>', 'report.xml')).toBeGreaterThanOrEqual(0.9);
    expect(detectJacoco('<?xml version="1.0"?><!-- made by hand --><report name="x"><package name="a"><sourcefile name="A.java">', 'r.xml')).toBeGreaterThanOrEqual(0.9);
  });

  it('is only a weak candidate for other <report> roots (EMMA)', () => {
    const emma = '<?xml version="1.0" encoding="UTF-8"?>\n<report>\n  <stats>\n    <packages value="4"/>\n  </stats>\n  <data>\n    <all name="all classes">\n      <coverage type="class, %" value="100% (11/11)"/>\n      <package name="com.werken.saxpath">';
    expect(detectJacoco(emma, 'coverage.xml')).toBeLessThan(0.5);
  });

  it('finds the root element past the prolog', () => {
    expect(xmlRootName('\uFEFF<?xml version="1.0"?>\n<!-- <coverage> -->\n<!DOCTYPE r [ <!ENTITY a "<b>"> ]>\n<report name="x">')).toBe('report');
    expect(xmlRootName('SF:a.c\nDA:1,1')).toBeNull();
    expect(xmlRootName('{"coverage": 1}')).toBeNull();
    expect(xmlRootName('<?xml version="1.0"?>')).toBeNull();
  });

  it('does not claim any other fixture', () => {
    const root = fixturesDir();
    for (const dir of readdirSync(root)) {
      const full = path.join(root, dir);
      if (!statSync(full).isDirectory() || dir.includes('jacoco')) continue;
      for (const name of readdirSync(full)) {
        const file = path.join(full, name);
        if (name === 'expected.json' || name === '_oracle' || name.endsWith('.gz') || !statSync(file).isFile()) continue;
        const head = readFileSync(file).subarray(0, 65536).toString('utf8');
        expect(detectJacoco(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
