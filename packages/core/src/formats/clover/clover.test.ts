import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { reportTotals } from '../../model/totals.js';
import { decodeUtf8, encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { DETECT_HEAD_BYTES } from '../types.js';
import { detectClover } from './detect.js';
import { createCloverParser } from './parse.js';

function parse(xml: string | Uint8Array, chunkSize = Infinity, limits = DEFAULT_LIMITS) {
  const p = createCloverParser({ fileName: 'clover.xml', limits });
  const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
  const step = Number.isFinite(chunkSize) ? chunkSize : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const codes = (o: { diagnostics: { code: string }[] }) => o.diagnostics.map((d) => d.code);

/** istanbul-reports' clover writer: clover="3.2.0", name = basename, path = absolute, no method lines. */
const ISTANBUL = `<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1" clover="3.2.0">
  <project timestamp="1" name="All files">
    <metrics statements="4" coveredstatements="3" conditionals="5" coveredconditionals="2" methods="2" coveredmethods="1"/>
    <package name="lib">
      <metrics statements="4" coveredstatements="3" conditionals="5" coveredconditionals="2" methods="2" coveredmethods="1"/>
      <file name="a.js" path="/home/runner/work/p/lib/a.js">
        <metrics statements="4" coveredstatements="3" conditionals="5" coveredconditionals="2" methods="2" coveredmethods="1"/>
        <line num="1" count="1" type="stmt"/>
        <line num="2" count="4" type="cond" truecount="1" falsecount="1"/>
        <line num="3" count="2" type="cond" truecount="1" falsecount="0"/>
        <line num="5" count="0" type="stmt"/>
      </file>
    </package>
  </project>
</coverage>
`;

/** PHPUnit's writer (php-code-coverage Report/Clover.php): name = absolute path, method lines, <class>. */
const PHPUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1700000000">
  <project timestamp="1700000000">
    <package name="App">
      <file name="/srv/app/src/Greeter.php">
        <class name="App\\Greeter" namespace="App">
          <metrics complexity="2" methods="2" coveredmethods="1" conditionals="0" coveredconditionals="0" statements="3" coveredstatements="2" elements="5" coveredelements="3"/>
        </class>
        <line num="7" type="method" name="hello" visibility="public" complexity="1" crap="1" count="3"/>
        <line num="9" type="stmt" count="3"/>
        <line num="12" type="method" name="bye" visibility="public" complexity="1" crap="2" count="0"/>
        <line num="14" type="stmt" count="0"/>
        <line num="15" type="stmt" count="0"/>
        <metrics loc="20" ncloc="18" classes="1" methods="2" coveredmethods="1" conditionals="0" coveredconditionals="0" statements="3" coveredstatements="1" elements="5" coveredelements="2"/>
      </file>
    </package>
    <file name="/srv/app/bootstrap.php">
      <line num="3" type="stmt" count="1"/>
      <metrics loc="4" ncloc="4" classes="0" methods="0" coveredmethods="0" conditionals="0" coveredconditionals="0" statements="1" coveredstatements="1" elements="1" coveredelements="1"/>
    </file>
    <metrics files="2" loc="24" ncloc="22" classes="1" methods="2" coveredmethods="1" conditionals="0" coveredconditionals="0" statements="4" coveredstatements="2" elements="6" coveredelements="3"/>
  </project>
</coverage>
`;

/** OpenClover: cond lines carry evaluation counts and no count; several elements per line. */
const OPENCLOVER = `<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1" clover="4.4.1">
  <project timestamp="1" name="demo">
    <package name="com.example">
      <file name="Calc.java" path="/build/src/main/java/com/example/Calc.java">
        <class name="Calc"><metrics methods="1" coveredmethods="1" conditionals="4" coveredconditionals="3" statements="2" coveredstatements="2"/></class>
        <line num="5" count="4" type="method" signature="max(int, int) : int"/>
        <line num="6" falsecount="0" truecount="4" type="cond"/>
        <line num="6" count="4" type="stmt"/>
        <line num="7" count="3" type="stmt"/>
        <line num="7" count="1" type="stmt"/>
        <line num="7" falsecount="2" truecount="1" type="cond"/>
        <metrics methods="1" coveredmethods="1" conditionals="4" coveredconditionals="3" statements="3" coveredstatements="3"/>
      </file>
    </package>
  </project>
  <testproject timestamp="1" name="demo">
    <package name="com.example">
      <file name="CalcTest.java" path="/build/src/test/java/com/example/CalcTest.java">
        <line num="10" count="1" type="method" signature="testMax() : void"/>
        <line num="11" count="1" type="stmt"/>
      </file>
    </package>
  </testproject>
</coverage>
`;

describe('clover: istanbul flavour (clover="3.2.0")', () => {
  it('reads lines from count, branches from truecount = covered / falsecount = missed, path from path=', () => {
    const out = parse(ISTANBUL);
    expect(out.status).toBe('ok');
    const [f] = out.report.files;
    expect(f!.path).toBe('/home/runner/work/p/lib/a.js');
    expect([...lineRecords(f!)].map((r) => r.kind)).toEqual(['hit', 'partial', 'hit', 'miss']);
    expect([...branchRecords(f!)]).toEqual([
      { line: 2, id: '0', taken: 1 },
      { line: 2, id: '1', taken: 0 },
      { line: 3, id: '0', taken: 1 },
    ]);
    const { totals } = reportTotals(out.report);
    expect(totals).toMatchObject({ lines: 4, hits: 2, partials: 1, misses: 1, branches: 3, branches_hit: 2 });
  });

  it('has no function metric: <metrics methods> cannot identify a function; the counts are reported', () => {
    const out = parse(ISTANBUL);
    expect(out.report.files[0]!.functions).toBeNull();
    expect(reportTotals(out.report).totals.functions).toBeNull();
    const d = out.diagnostics.find((x) => x.code === 'CW_CLOVER_FUNCTIONS_UNAVAILABLE');
    expect(d?.severity).toBe('info');
    expect(d?.message).toContain('2 methods (1 covered)');
  });

  it('says when <metrics conditionals> exceed the outcomes on lines (istanbul drops branches off statement lines)', () => {
    const out = parse(ISTANBUL);
    const d = out.diagnostics.find((x) => x.code === 'CW_CLOVER_CONDITIONALS_MISMATCH');
    expect(d?.severity).toBe('info');
    expect(d?.message).toContain('declare 5 conditionals');
    expect(d?.message).toContain('hold 3 branch outcomes');
  });
});

describe('clover: PHPUnit flavour', () => {
  it('takes the path from name=, method lines as functions (not lines), enables functions in every file', () => {
    const out = parse(PHPUNIT);
    expect(out.status).toBe('ok');
    expect(out.report.files.map((f) => f.path)).toEqual(['/srv/app/bootstrap.php', '/srv/app/src/Greeter.php']);
    const greeter = out.report.files[1]!;
    expect(Array.from(greeter.lineNumbers)).toEqual([9, 14, 15]);
    expect(greeter.functions).toEqual([
      { name: 'hello', line: 7, endLine: null, hits: 3 },
      { name: 'bye', line: 12, endLine: null, hits: 0 },
    ]);
    // A file without methods in a report that has them: 0 functions, not "no metric".
    expect(out.report.files[0]!.functions).toEqual([]);
    expect(reportTotals(out.report).totals).toMatchObject({ lines: 4, hits: 2, misses: 2, functions: 2, functions_hit: 1, branches: 0 });
    expect(codes(out)).toEqual([]);
  });
});

describe('clover: OpenClover flavour', () => {
  it('reads cond truecount/falsecount as evaluation counts of two real outcomes per condition', () => {
    const out = parse(OPENCLOVER);
    expect(out.status).toBe('ok');
    const calc = out.report.files.find((f) => f.path.endsWith('Calc.java'))!;
    expect([...branchRecords(calc)]).toEqual([
      { line: 6, id: '0:false', taken: 0 },
      { line: 6, id: '0:true', taken: 4 },
      { line: 7, id: '0:false', taken: 2 },
      { line: 7, id: '0:true', taken: 1 },
    ]);
    expect(calc.functions).toEqual([{ name: 'max(int, int) : int', line: 5, endLine: null, hits: 4 }]);
  });

  it('keeps the largest count of a line written by several elements (never their sum)', () => {
    const calc = parse(OPENCLOVER).report.files.find((f) => f.path.endsWith('Calc.java'))!;
    expect(Array.from(calc.lineNumbers)).toEqual([6, 7]);
    // line 6: cond evaluated 4 times (no count) and stmt count 4 -> 4; line 7: max(3, 1, 1+2) = 3.
    expect(Array.from(calc.lineHits)).toEqual([4, 3]);
  });

  it('numbers several conditions of one line apart', () => {
    const xml = `<coverage clover="4.4.1"><project><file path="x.java">
      <line num="3" type="cond" truecount="1" falsecount="0"/><line num="3" type="cond" truecount="0" falsecount="1"/>
    </file></project></coverage>`;
    const f = parse(xml).report.files[0]!;
    expect([...branchRecords(f)].map((b) => `${b.id}=${b.taken}`)).toEqual(['0:false=0', '0:true=1', '1:false=1', '1:true=0']);
    expect(reportTotals(parse(xml).report).totals).toMatchObject({ lines: 1, partials: 1, branches: 4, branches_hit: 2 });
  });

  it('reads <testproject> files too', () => {
    const paths = parse(OPENCLOVER).report.files.map((f) => f.path);
    expect(paths).toContain('/build/src/test/java/com/example/CalcTest.java');
  });
});

describe('clover: merging', () => {
  it('two <file> elements with the same path add up; synthesized istanbul branches merge to the larger covered count', () => {
    const xml = `<coverage clover="3.2.0"><project>
      <file name="a.js" path="/p/a.js"><line num="1" count="1" type="cond" truecount="1" falsecount="1"/></file>
      <file name="a.js" path="/p/a.js"><line num="1" count="2" type="cond" truecount="2" falsecount="0"/></file>
    </project></coverage>`;
    const out = parse(xml);
    const f = out.report.files[0]!;
    expect(Array.from(f.lineHits)).toEqual([3]);
    expect([...branchRecords(f)]).toEqual([
      { line: 1, id: '0', taken: 2 },
      { line: 1, id: '1', taken: 1 },
    ]);
  });

  it('gives the same report whatever the chunk boundaries', () => {
    const whole = parse(OPENCLOVER);
    for (const size of [1, 3, 17, 256]) expect(parse(OPENCLOVER, size).report).toEqual(whole.report);
  });
});

describe('clover: corrupt input is invalid, with report lines, and never throws', () => {
  it.each([
    ['<coverage clover="3.2.0"><project><file path="a.js">\n<line count="1" type="stmt"/></file></project></coverage>', 'CW_CLOVER_BAD_LINE', 2],
    ['<coverage clover="3.2.0"><project><file path="a.js">\n\n<line num="x" count="1" type="stmt"/></file></project></coverage>', 'CW_CLOVER_BAD_LINE', 3],
    ['<coverage clover="3.2.0"><project><file path="a.js">\n<line num="1" count="-1" type="stmt"/></file></project></coverage>', 'CW_CLOVER_BAD_LINE', 2],
    ['<coverage clover="3.2.0"><project><file path="a.js">\n<line num="1" count="1" type="cond" truecount="a" falsecount="0"/></file></project></coverage>', 'CW_CLOVER_BAD_LINE', 2],
    ['<coverage><project>\n<file><line num="1" count="1" type="stmt"/></file></project></coverage>', 'CW_CLOVER_BAD_FILE', 2],
    ['<coverage><project>\n<line num="1" count="1" type="stmt"/></project></coverage>', 'CW_CLOVER_OUTSIDE_FILE', 2],
    ['<report>\n</report>', 'CW_CLOVER_NOT_COVERAGE', 1],
    ['<coverage clover="3.2.0"><project><file path="a.js">\n<line num="1" count="1" type="stmt"/>', 'CW_XML_TRUNCATED', 2],
    ['<coverage><project>\n<file path="a.js"></fil></project></coverage>', 'CW_XML_MISMATCHED_TAG', 2],
    ['', 'CW_XML_NO_ROOT', 1],
  ])('%j -> %s at line %i', (xml, code, line) => {
    const out = parse(xml);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.find((d) => d.code === code)).toMatchObject({ severity: 'error', file: 'clover.xml', line });
  });

  it('keeps what could be read around a bad record', () => {
    const xml = `<coverage clover="3.2.0"><project><file path="a.js">
      <line num="1" count="1" type="stmt"/><line num="" count="1" type="stmt"/><line num="3" count="0" type="stmt"/>
    </file></project></coverage>`;
    const out = parse(xml);
    expect(out.status).toBe('invalid');
    expect(Array.from(out.report.files[0]!.lineNumbers)).toEqual([1, 3]);
  });

  it('warns about unknown line types and ignores them', () => {
    const out = parse('<coverage><project><file path="a"><line num="1" type="weird" count="1"/></file></project></coverage>');
    expect(out.status).toBe('ok');
    expect(codes(out)).toEqual(['CW_CLOVER_UNKNOWN_TYPE']);
    expect(out.report.files[0]!.lineNumbers.length).toBe(0);
  });

  it('bounds the branch outcomes a small report may declare', () => {
    const xml = '<coverage clover="3.2.0"><project><file path="a.js"><line num="1" count="1" type="cond" truecount="0" falsecount="999999999"/></file></project></coverage>';
    const out = parse(xml);
    expect(codes(out)).toContain('CW_CLOVER_TOO_MANY_BRANCHES');
    expect(out.report.files[0]!.branchLines.length).toBe(0);
    expect(out.report.files[0]!.lineNumbers.length).toBe(1);
  });

  it('never throws on truncations and byte garbage of a real report', () => {
    const real = readFileSync(path.join(fixturesDir(), 'js-express-c8-clover/clover.xml'));
    for (const cut of [1, 10, 100, 1000, 5000, 40_000]) expect(() => parse(real.subarray(0, cut))).not.toThrow();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 20; k++) {
      const bytes = real.slice(0, 4000);
      for (let j = 0; j < 20; j++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      expect(() => parse(bytes, 97)).not.toThrow();
    }
  });
});

describe('clover: real reports', () => {
  const root = fixturesDir();
  const expected = (c: string) => JSON.parse(readFileSync(path.join(root, c, 'expected.json'), 'utf8')) as { totals: Record<'lines' | 'lines_covered' | 'branches' | 'branches_covered' | 'functions' | 'functions_covered', number> };

  it('c8 (js-express): lines, covered lines and branches equal the tool; functions are not identifiable', () => {
    const out = parse(readFileSync(path.join(root, 'js-express-c8-clover/clover.xml')));
    const e = expected('js-express-c8-clover').totals;
    const { totals } = reportTotals(out.report);
    expect(out.status).toBe('ok');
    expect([totals.lines, totals.hits + totals.partials, totals.branches, totals.branches_hit]).toEqual([e.lines, e.lines_covered, e.branches, e.branches_covered]);
    expect(totals.functions).toBeNull();
    expect(out.diagnostics.find((d) => d.code === 'CW_CLOVER_FUNCTIONS_UNAVAILABLE')?.message).toContain(`${e.functions} methods (${e.functions_covered} covered)`);
  });

  it('nyc (js-qs): lines equal the tool; branches are the 575 the <line> elements hold, not the 675 nyc counted', () => {
    const out = parse(readFileSync(path.join(root, 'js-qs-nyc-clover/clover.xml')));
    const e = expected('js-qs-nyc-clover').totals;
    const { totals } = reportTotals(out.report);
    expect(out.status).toBe('ok');
    expect([totals.lines, totals.hits + totals.partials]).toEqual([e.lines, e.lines_covered]);
    // istanbul's clover reporter writes a branch only on a line where a statement starts: 100 of
    // nyc's 675 outcomes (99 covered) sit on other lines and are not in the file at all.
    expect([totals.branches, totals.branches_hit]).toEqual([575, 575]);
    expect([e.branches - 100, e.branches_covered - 99]).toEqual([575, 575]);
    expect(codes(out)).toEqual(['CW_CLOVER_FUNCTIONS_UNAVAILABLE', 'CW_CLOVER_CONDITIONALS_MISMATCH']);
  });
});

describe('clover: detection', () => {
  const root = fixturesDir();
  const head = (file: string) => decodeUtf8(readFileSync(file).subarray(0, DETECT_HEAD_BYTES));

  it('recognises istanbul, PHPUnit and OpenClover reports', () => {
    expect(detectClover(head(path.join(root, 'js-qs-nyc-clover/clover.xml')), 'clover.xml')).toBe(1);
    expect(detectClover(head(path.join(root, 'js-express-c8-clover/clover.xml')), 'clover.xml')).toBe(1);
    expect(detectClover(PHPUNIT, 'clover.xml')).toBeGreaterThanOrEqual(0.9);
    expect(detectClover(OPENCLOVER, 'clover.xml')).toBe(1);
  });

  it('scores 0 on every other fixture (Cobertura, SonarQube, JaCoCo, LCOV, JSON...)', () => {
    for (const c of readdirSync(root)) {
      if (c.endsWith('-clover') || c.includes('.')) continue;
      for (const n of readdirSync(path.join(root, c))) {
        if (n === 'expected.json' || n === '_oracle' || n.endsWith('.gz')) continue;
        expect(detectClover(head(path.join(root, c, n)), n), `${c}/${n}`).toBe(0);
      }
    }
  });

  it('scores 0 on a Cobertura or SonarQube root and on non-XML', () => {
    expect(detectClover('<?xml version="1.0"?><coverage line-rate="1" version="1"><packages/></coverage>', 'coverage.xml')).toBe(0);
    expect(detectClover('<coverage version="1"><file path="a"><lineToCover lineNumber="1" covered="true"/></file></coverage>', 'x.xml')).toBe(0);
    expect(detectClover('TN:\nSF:a.c\n', 'clover.xml')).toBe(0);
  });
});
