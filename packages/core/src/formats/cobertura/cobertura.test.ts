import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { newReportBuilder } from '../../model/report.js';
import { reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { writeCobertura } from '../../writers/cobertura.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat, parseReport } from '../registry.js';
import { detectCobertura } from './detect.js';
import { createCoberturaParser } from './parse.js';

function parse(xml: string | Uint8Array, chunkSize = Infinity, limits = DEFAULT_LIMITS) {
  const p = createCoberturaParser({ fileName: 'coverage.xml', limits });
  const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
  const step = Number.isFinite(chunkSize) ? chunkSize : Math.max(bytes.length, 1);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const codes = (out: { diagnostics: { code: string }[] }) => out.diagnostics.map((d) => d.code);

/** A document in the shape of istanbul's cobertura reporter (nyc, c8). */
const ISTANBUL = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="5" lines-covered="4" line-rate="0.8" branches-valid="3" branches-covered="2" branch-rate="0.6667" timestamp="1" complexity="0" version="0.1">
  <sources>
    <source>/home/runner/work/app</source>
  </sources>
  <packages>
    <package name="lib" line-rate="0.8" branch-rate="0.6667">
      <classes>
        <class name="a.js" filename="lib/a.js" line-rate="0.75" branch-rate="0.6667">
          <methods>
            <method name="(anonymous_0)" hits="3" signature="()V">
              <lines>
                <line number="2" hits="3"/>
              </lines>
            </method>
            <method name="unused" hits="0" signature="()V">
              <lines>
                <line number="9" hits="0"/>
              </lines>
            </method>
          </methods>
          <lines>
            <line number="1" hits="1" branch="false"/>
            <line number="3" hits="3" branch="true" condition-coverage="50% (1/2)"/>
            <line number="4" hits="2" branch="true" condition-coverage="100% (1/1)"/>
            <line number="10" hits="0" branch="false"/>
          </lines>
        </class>
        <class name="index.js" filename="lib/index.js" line-rate="1" branch-rate="1">
          <methods>
          </methods>
          <lines>
            <line number="1" hits="1" branch="false"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
`;

describe('cobertura parser: records', () => {
  it('reads lines, branch outcomes from condition-coverage, and methods as functions', () => {
    const out = parse(ISTANBUL);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const [a, index] = out.report.files;
    expect(a!.path).toBe('lib/a.js');
    expect([...lineRecords(a!)].map((r) => `${r.line}:${r.kind}`)).toEqual(['1:hit', '3:partial', '4:hit', '10:miss']);
    // "50% (1/2)": two outcomes, the first recorded as taken; Cobertura does not say which one.
    expect([...branchRecords(a!)]).toEqual([
      { line: 3, id: '0', taken: 1 },
      { line: 3, id: '1', taken: 0 },
      { line: 4, id: '0', taken: 1 },
    ]);
    // Method lines place the function and never become line data (line 2 and 9 are absent above).
    expect(a!.functions).toEqual([
      { name: '(anonymous_0)', line: 2, endLine: null, hits: 3 },
      { name: 'unused', line: 9, endLine: null, hits: 0 },
    ]);
    // The document has methods, so a file with an empty <methods> has 0 functions, not "no metric".
    expect(index!.functions).toEqual([]);
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ files: 2, lines: 5, hits: 3, partials: 1, misses: 1, branches: 3, branches_hit: 2, functions: 2, functions_hit: 1, statements: null });
  });

  it('reproduces the worked example of docs/formats/cobertura.md', () => {
    const out = parse(`<coverage line-rate="0.75" branches-valid="3" branches-covered="2">
 <packages><package name="lib"><classes>
  <class name="a.js" filename="lib/a.js">
   <methods>
    <method name="f" hits="3"><lines><line number="2" hits="3"/></lines></method>
   </methods>
   <lines>
    <line number="1" hits="1" branch="false"/>
    <line number="3" hits="3" branch="true" condition-coverage="50% (1/2)"/>
    <line number="4" hits="2" branch="true" condition-coverage="100% (1/1)"/>
    <line number="10" hits="0" branch="false"/>
   </lines>
  </class>
 </classes></package></packages>
</coverage>`);
    expect(out.diagnostics).toEqual([]);
    expect(reportTotals(out.report).totals).toMatchObject({
      lines: 4, hits: 2, partials: 1, misses: 1, branches: 3, branches_hit: 2, functions: 1, functions_hit: 1, statements: null,
    });
  });

  it('gives the same report whatever the chunk boundaries', () => {
    const whole = parse(ISTANBUL);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const chunked = parse(ISTANBUL, size);
      expect(chunked.report).toEqual(whole.report);
      expect(chunked.diagnostics).toEqual(whole.diagnostics);
    }
  });

  it('has no function metric when the document has no <method> (coverage.py)', () => {
    const out = parse(`<?xml version="1.0" ?>
<coverage version="6.5.0" lines-valid="2" lines-covered="1" line-rate="0.5" branches-valid="2" branches-covered="1" branch-rate="0.5" complexity="0">
	<!-- Generated by coverage.py: https://coverage.readthedocs.io -->
	<sources>
		<source>/home/runner/work/py</source>
		<source>/home/runner/work/py/tests</source>
	</sources>
	<packages>
		<package name="src.pkg" line-rate="0.5" branch-rate="0.5" complexity="0">
			<classes>
				<class name="m.py" filename="src/pkg/m.py" complexity="0" line-rate="0.5" branch-rate="0.5">
					<methods/>
					<lines>
						<line number="1" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="3"/>
						<line number="3" hits="0"/>
					</lines>
				</class>
				<class name="__init__.py" filename="src/pkg/__init__.py" complexity="0" line-rate="1" branch-rate="1">
					<methods/>
					<lines/>
				</class>
			</classes>
		</package>
	</packages>
</coverage>`);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    // The path is filename as written: neither <source> is prepended.
    expect(out.report.files.map((f) => f.path)).toEqual(['src/pkg/__init__.py', 'src/pkg/m.py']);
    const { totals, files } = reportTotals(out.report);
    expect(totals).toMatchObject({ files: 2, lines: 2, hits: 0, partials: 1, misses: 1, branches: 2, branches_hit: 1, functions: null, functions_hit: null });
    // A file with no statements is still reported, with 0 lines (coverage.py lists it at 100%).
    expect(files.get('src/pkg/__init__.py')).toMatchObject({ lines: 0, coverage: null });
  });

  it('says so when gcovr 5.x declares functions but writes empty <methods/>', () => {
    const out = parse(`<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE coverage SYSTEM 'http://cobertura.sourceforge.net/xml/coverage-04.dtd'>
<coverage line-rate="1.0" function-rate="0.5" branch-rate="0.5" lines-covered="2" lines-valid="2" functions-covered="1" functions-valid="2" branches-covered="2" branches-valid="4" complexity="0.0" timestamp="1" version="gcovr 5.2"><sources><source>.</source></sources><packages><package name="" line-rate="1.0" branch-rate="0.5" complexity="0.0"><classes><class name="a_c" filename="a.c" line-rate="1.0" branch-rate="0.5" complexity="0.0"><methods/><lines><line number="3" hits="2" branch="false"/><line number="4" hits="2" branch="true" condition-coverage="50% (2/4)"><conditions><condition number="0" type="jump" coverage="50%"/></conditions></line></lines></class></classes></package></packages></coverage>`);
    expect(out.status).toBe('ok');
    expect(codes(out)).toEqual(['CW_COBERTURA_NO_METHODS']);
    expect(out.diagnostics[0]).toMatchObject({ severity: 'info', line: 3 });
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ lines: 2, hits: 1, partials: 1, branches: 4, branches_hit: 2, functions: null });
  });

  it('merges classes of one file (Java inner classes) and derives method hits from method lines', () => {
    const out = parse(`<?xml version="1.0"?>
<coverage line-rate="0.75" branch-rate="0" lines-covered="3" lines-valid="4" branches-covered="0" branches-valid="0" version="2.1.1" timestamp="1">
  <packages><package name="com.example" line-rate="0.75" branch-rate="0" complexity="1">
    <classes>
      <class name="com.example.Foo" filename="com/example/Foo.java" line-rate="1" branch-rate="0" complexity="1">
        <methods>
          <method name="&lt;init&gt;" signature="()V" line-rate="1" branch-rate="0">
            <lines><line number="3" hits="5" branch="false"/></lines>
          </method>
          <method name="run" signature="(I)V" line-rate="1" branch-rate="0">
            <lines><line number="5" hits="0" branch="false"/><line number="6" hits="4" branch="false"/><line number="7" hits="4" branch="false"/></lines>
          </method>
        </methods>
        <lines><line number="3" hits="5" branch="false"/><line number="5" hits="0" branch="false"/><line number="6" hits="4" branch="false"/></lines>
      </class>
      <class name="com.example.Foo$Inner" filename="com/example/Foo.java" line-rate="1" branch-rate="0" complexity="1">
        <methods/>
        <lines><line number="7" hits="4" branch="false"/></lines>
      </class>
    </classes>
  </package></packages>
</coverage>`);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    expect(out.report.files).toHaveLength(1);
    const f = out.report.files[0]!;
    // Each line once: the method's <lines> repeat the class's lines and are not added again.
    expect(Array.from(f.lineNumbers)).toEqual([3, 5, 6, 7]);
    expect(Array.from(f.lineHits)).toEqual([5, 0, 4, 4]);
    expect(f.functions).toEqual([
      { name: '<init>', line: 3, endLine: null, hits: 5 },
      { name: 'run', line: 5, endLine: 7, hits: 4 },
    ]);
  });

  it('keeps filename exactly as written (absolute, backslashes, entities decoded)', () => {
    const doc = (name: string) =>
      `<coverage line-rate="1"><packages><package name="p"><classes><class name="x" filename="${name}"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>`;
    expect(parse(doc('/home/runner/work/x/a.py')).report.files[0]!.path).toBe('/home/runner/work/x/a.py');
    expect(parse(doc('src\\App\\A.cs')).report.files[0]!.path).toBe('src\\App\\A.cs');
    expect(parse(doc('a&amp;b &#x41;.js')).report.files[0]!.path).toBe('a&b A.js');
  });

  it('accepts decimal hit counts and whitespace inside the condition counts', () => {
    const out = parse(
      `<coverage line-rate="1"><packages><package name="p"><classes><class name="x" filename="x.c"><lines><line number="1" hits="2.0" branch="true" condition-coverage="33.33% ( 1 / 3 )"/></lines></class></classes></package></packages></coverage>`,
    );
    expect(out.status).toBe('ok');
    expect(reportTotals(out.report).totals).toMatchObject({ lines: 1, partials: 1, branches: 3, branches_hit: 1 });
  });

  it('surfaces a summary that disagrees with the records (nyc drops branches from <line>)', () => {
    const out = parse(ISTANBUL.replace('branches-valid="3" branches-covered="2"', 'branches-valid="5" branches-covered="4"'));
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([
      expect.objectContaining({ code: 'CW_COBERTURA_SUMMARY_MISMATCH', severity: 'info', line: 3, message: expect.stringContaining('branches-valid="5" (records: 3)') }),
    ]);
  });

  it('round-trips what the Cobertura writer writes', () => {
    const b = newReportBuilder();
    const f = b.file('src/a.ts')!;
    f.line(1, 4);
    f.line(2, 0);
    f.line(3, 7);
    f.branch(3, '0,0', 7);
    f.branch(3, '0,1', 0);
    f.fn('main', 1, 4, 3);
    const g = b.file('src/b.ts')!;
    g.enableFunctions();
    g.line(10, 1);
    const original = b.build();
    const xml = [...writeCobertura(original)].join('');
    const out = parse(xml);
    expect(out.status).toBe('ok');
    expect(reportTotals(out.report)).toEqual(reportTotals(original));
  });
});

describe('cobertura parser: corrupt and hostile input', () => {
  const wrap = (lines: string) =>
    `<?xml version="1.0"?>\n<coverage line-rate="1">\n<packages><package name="p"><classes>\n<class name="a" filename="a.c"><lines>\n<line number="1" hits="1"/>\n${lines}\n</lines></class>\n</classes></package></packages>\n</coverage>\n`;

  it.each([
    ['<line number="x" hits="1"/>', 'CW_COBERTURA_BAD_LINE', 'number="x"'],
    ['<line number="2"/>', 'CW_COBERTURA_BAD_LINE', 'no hits attribute'],
    ['<line hits="2"/>', 'CW_COBERTURA_BAD_LINE', 'no number attribute'],
    ['<line number="2" hits="many"/>', 'CW_COBERTURA_BAD_LINE', 'hits="many"'],
    ['<line number="2" hits="1" condition-coverage="50%"/>', 'CW_COBERTURA_BAD_CONDITION', '"50%"'],
    ['<line number="2" hits="1" condition-coverage="50% (3/2)"/>', 'CW_COBERTURA_BAD_CONDITION', 'taken <= total'],
    ['<line number="2" hits="1" condition-coverage="50% (-1/2)"/>', 'CW_COBERTURA_BAD_CONDITION', '(-1/2)'],
  ])('%s is invalid (%s), with file and line, and keeps the rest', (bad, code, text) => {
    const out = parse(wrap(bad));
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]).toMatchObject({ code, severity: 'error', file: 'coverage.xml', line: 6 });
    expect(out.diagnostics[0]!.message).toContain(text);
    expect(out.report.files[0]!.lineNumbers[0]).toBe(1);
  });

  it('reports out-of-range numbers through the builder as warnings (status ok)', () => {
    const out = parse(wrap('<line number="0" hits="1"/>\n<line number="3" hits="-2"/>\n<line number="4" hits="1e400"/>\n<line number="99999999999" hits="1"/>'));
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['CW_LINE_INVALID@6', 'CW_HITS_INVALID@7', 'CW_HITS_CLAMPED@8', 'CW_LINE_TOO_LARGE@9']);
    expect(Array.from(out.report.files[0]!.lineNumbers)).toEqual([1, 4]);
  });

  it('a class without filename is invalid and skipped', () => {
    const out = parse('<coverage line-rate="1"><packages><package name="p"><classes><class name="x"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>');
    expect(out.status).toBe('invalid');
    expect(codes(out)).toEqual(['CW_COBERTURA_BAD_CLASS']);
    expect(out.report.files).toEqual([]);
  });

  it('a method without name is invalid; one without lines is dropped with a warning', () => {
    const out = parse(
      '<coverage line-rate="1"><packages><package name="p"><classes><class name="x" filename="x.js"><methods><method hits="1"><lines><line number="2" hits="1"/></lines></method><method name="f" hits="1"/></methods><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>',
    );
    expect(out.status).toBe('invalid');
    expect(codes(out)).toEqual(['CW_COBERTURA_BAD_METHOD', 'CW_COBERTURA_METHOD_WITHOUT_LINE']);
    expect(out.report.files[0]!.functions).toEqual([]);
  });

  it('a truncated report is invalid and keeps what was read', () => {
    const full = encodeUtf8(ISTANBUL);
    const cut = full.subarray(0, ISTANBUL.indexOf('<line number="10"') + 5);
    const out = parse(cut);
    expect(out.status).toBe('invalid');
    expect(codes(out)).toEqual(['CW_XML_TRUNCATED']);
    expect(Array.from(out.report.files[0]!.lineNumbers)).toEqual([1, 3, 4]);
  });

  it.each([
    ['<report name="x"><package name="a"/></report>', 'CW_COBERTURA_NOT_COBERTURA'],
    ['{"coverage": 1}', 'CW_XML_SYNTAX'],
    ['', 'CW_XML_NO_ROOT'],
    ['<coverage><packages></coverage>', 'CW_XML_MISMATCHED_TAG'],
  ])('%j is invalid (%s)', (text, code) => {
    const out = parse(text);
    expect(out.status).toBe('invalid');
    expect(codes(out)[0]).toBe(code);
  });

  it('never expands DTD entities (XXE, billion laughs)', () => {
    const out = parse(`<?xml version="1.0"?>
<!DOCTYPE coverage [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> ]>
<coverage line-rate="1"><packages><package name="p"><classes><class name="x" filename="&xxe;&b;"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>`);
    expect(out.report.files.map((f) => f.path)).toEqual(['&xxe;&b;']);
    expect(codes(out)).toContain('CW_XML_ENTITIES_IGNORED');
  });

  it('refuses condition counts the report is too small to hold (no billion branch records)', () => {
    const out = parse(wrap('<line number="2" hits="1" condition-coverage="0% (0/1000000000)"/>\n<line number="3" hits="1" condition-coverage="50% (1/2)"/>'));
    expect(out.status).toBe('invalid');
    expect(codes(out)).toEqual(['CW_COBERTURA_TOO_MANY_CONDITIONS']);
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ lines: 3, branches: 2, branches_hit: 1 });
  });

  it('bounds a single tag by limits.maxRecordLength', () => {
    const out = parse(wrap(`<line number="2" hits="1" junk="${'x'.repeat(5000)}"/>`), 512, { ...DEFAULT_LIMITS, maxRecordLength: 1024 });
    expect(out.status).toBe('invalid');
    expect(codes(out)).toEqual(['CW_XML_TOKEN_TOO_LONG']);
  });

  it('ignores <line> outside a class with one warning', () => {
    const out = parse('<coverage line-rate="1"><line number="1" hits="1"/><line number="2" hits="1"/><packages/></coverage>');
    expect(out.status).toBe('ok');
    expect(codes(out)).toEqual(['CW_COBERTURA_STRAY_LINE', 'CW_COBERTURA_NO_CLASSES']);
  });
});

const root = fixturesDir();
const COBERTURA_CASES = ['c-cjson-gcovr-cobertura', 'js-express-c8-cobertura', 'js-qs-nyc-cobertura', 'python-click-coveragepy-cobertura'];

function reportFile(dir: string): string {
  return readdirSync(path.join(root, dir)).find((n) => n.endsWith('.xml'))!;
}

describe('cobertura detection', () => {
  it.each(COBERTURA_CASES)('detects %s', (dir) => {
    const name = reportFile(dir);
    const head = readFileSync(path.join(root, dir, name)).subarray(0, 64 * 1024).toString('utf8');
    expect(detectCobertura(head, name)).toBeGreaterThanOrEqual(0.9);
    const d = detectFormat(head, name);
    expect(d.kind === 'detected' ? d.format.id : d.kind).toBe('cobertura');
  });

  it('claims no other fixture', () => {
    for (const dir of readdirSync(root)) {
      if (COBERTURA_CASES.includes(dir)) continue;
      let names: string[];
      try {
        names = readdirSync(path.join(root, dir));
      } catch {
        continue;
      }
      for (const n of names) {
        if (n === 'expected.json' || n === '_oracle') continue;
        const head = readFileSync(path.join(root, dir, n)).subarray(0, 64 * 1024).toString('utf8');
        expect(detectCobertura(head, n), `${dir}/${n}`).toBe(0);
      }
    }
  });

  it.each([
    ['Clover', '<?xml version="1.0" encoding="UTF-8"?>\n<coverage generated="1" clover="3.2.0">\n  <project timestamp="1" name="All files">', 'clover.xml'],
    ['SonarQube generic', `<?xml version='1.0' encoding='UTF-8'?>\n<coverage version="1"><file path="a.c"><lineToCover lineNumber="1" covered="true"/>`, 'coverage.xml'],
    ['JaCoCo', '<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="x"><package name="a"><class name="a/B" sourcefilename="B.java">', 'jacoco.xml'],
    ['text before the root', 'hello <coverage line-rate="1">', 'x.xml'],
    ['LCOV', 'TN:\nSF:a.c\nDA:1,1\nend_of_record\n', 'lcov.info'],
  ])('is 0 for %s', (_what, head, name) => {
    expect(detectCobertura(head, name)).toBe(0);
  });

  it('is sure from the root attributes alone, and only hints for a bare <coverage>', () => {
    expect(detectCobertura('<?xml version="1.0"?>\n<!-- c -->\n<coverage line-rate="0.5" branch-rate="0"', 'x.xml')).toBe(0.95);
    expect(detectCobertura('<coverage>\n<packages>', 'x.xml')).toBe(0.9);
    expect(detectCobertura('<coverage>', 'x.xml')).toBeLessThan(0.5);
    expect(detectCobertura('<coverage>', 'cobertura.xml')).toBeLessThan(0.5);
  });
});

describe('cobertura fixtures whose tool numbers are not all in the report', () => {
  const load = (dir: string) => {
    const name = reportFile(dir);
    const result = parseReport(readFileSync(path.join(root, dir, name)), { fileName: name });
    const expected = JSON.parse(readFileSync(path.join(root, dir, 'expected.json'), 'utf8')) as {
      totals: Record<string, number | null>;
      files: Record<string, Record<string, number | null>>;
    };
    return { result, expected, text: readFileSync(path.join(root, dir, name), 'utf8') };
  };

  it('gcovr 5.2: lines and branches are the tool\'s, per file too; functions are absent (empty <methods/>)', () => {
    const { result, expected } = load('c-cjson-gcovr-cobertura');
    expect(result.format).toBe('cobertura');
    expect(result.status).toBe('ok');
    const { totals, files } = reportTotals(result.report);
    expect({ lines: totals.lines, covered: totals.hits + totals.partials, branches: totals.branches, hit: totals.branches_hit }).toEqual({
      lines: expected.totals.lines,
      covered: expected.totals.lines_covered,
      branches: expected.totals.branches,
      hit: expected.totals.branches_covered,
    });
    for (const [p, e] of Object.entries(expected.files)) {
      const t = files.get(p)!;
      expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit], p).toEqual([e.lines, e.lines_covered, e.branches, e.branches_covered]);
    }
    expect(totals.functions).toBeNull();
    expect(result.diagnostics.find((d) => d.code === 'CW_COBERTURA_NO_METHODS')?.message).toContain('functions-valid="418"');
  });

  it('nyc 10: branches that start on a line with no statement are missing from <line> (675 -> 575), everything else is the tool\'s', () => {
    const { result, expected, text } = load('js-qs-nyc-cobertura');
    expect(result.status).toBe('ok');
    const { totals, files } = reportTotals(result.report);
    expect([totals.lines, totals.hits + totals.partials, totals.functions, totals.functions_hit]).toEqual([
      expected.totals.lines,
      expected.totals.lines_covered,
      expected.totals.functions,
      expected.totals.functions_covered,
    ]);
    // The report's own <coverage branches-valid="675" branches-covered="674"> holds the tool's
    // numbers; its <line> elements hold 575/575. The 100 outcomes (99 taken) missing are exactly the
    // branches whose first line has no statement (istanbul's cobertura reporter only writes branch
    // data on statement lines), per file: lib/parse.js 44, lib/stringify.js 37, lib/utils.js 17,
    // test/utils.js 2 (1 taken), as coverage-final.json of the same run shows.
    expect(text).toContain('branches-valid="675" branches-covered="674"');
    expect([totals.branches, totals.branches_hit]).toEqual([575, 575]);
    const lost: Record<string, [number, number]> = { 'lib/parse.js': [44, 44], 'lib/stringify.js': [37, 37], 'lib/utils.js': [17, 17], 'test/utils.js': [2, 1] };
    for (const [p, e] of Object.entries(expected.files)) {
      const t = files.get(p)!;
      const [n, hit] = lost[p] ?? [0, 0];
      expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions, t.functions_hit], p).toEqual([
        e.lines,
        e.lines_covered,
        e.branches! - n,
        e.branches_covered! - hit,
        e.functions,
        e.functions_covered,
      ]);
    }
    const info = result.diagnostics.find((d) => d.code === 'CW_COBERTURA_SUMMARY_MISMATCH');
    expect(info?.message).toContain('branches-valid="675" (records: 575)');
  });
});

describe('Cobertura <condition> elements', () => {
  const doc = (lines: string) =>
    `<?xml version="1.0"?><coverage line-rate="1" branch-rate="1" version="1"><sources><source>.</source></sources><packages><package name="p"><classes><class name="A" filename="a.cs"><methods/><lines>${lines}</lines></class></classes></package></packages></coverage>`;

  it('give a line without condition-coverage two outcomes per condition, with ids named by the condition number', () => {
    const r = parse(doc('<line number="3" hits="2" branch="true"><conditions><condition number="0" type="jump" coverage="50%"/><condition number="7" type="jump" coverage="100%"/></conditions></line><line number="4" hits="1"/>'));
    expect(r.status).toBe('ok');
    const f = r.report.files[0]!;
    expect([...branchRecords(f)]).toEqual([
      { line: 3, id: '0:0', taken: 1 },
      { line: 3, id: '0:1', taken: 0 },
      { line: 3, id: '7:0', taken: 1 },
      { line: 3, id: '7:1', taken: 1 },
    ]);
    expect([...lineRecords(f)][0]).toMatchObject({ kind: 'partial', line: 3, branchesTaken: 3, branchesTotal: 4, missedBranches: ['0:1'] });
  });

  it('are ignored when the line has condition-coverage (that is the count every producer writes)', () => {
    const r = parse(doc('<line number="3" hits="2" branch="true" condition-coverage="50% (1/2)"><conditions><condition number="0" type="jump" coverage="50%"/></conditions></line>'));
    expect([...branchRecords(r.report.files[0]!)].map((b) => b.id)).toEqual(['0', '1']);
  });

  it('refuses a condition without a percentage, naming the line', () => {
    const r = parse(doc('<line number="3" hits="2" branch="true">\n<conditions><condition number="0" type="jump" coverage="lots"/></conditions></line>'));
    expect(r.status).toBe('invalid');
    expect(r.diagnostics[0]).toMatchObject({ code: 'CW_COBERTURA_BAD_CONDITION', line: 2 });
  });
});
