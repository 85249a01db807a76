/**
 * Every real report in ../shared/fixtures, read through format detection, must reproduce the numbers
 * the producing tool printed itself (expected.json), in total and per file. Two producers contradict
 * themselves; those cases assert the documented reading instead (docs/coverage-semantics.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMATS, mergeReports, parseReport, reportTotals, type FormatId, type Totals } from '../src/index.js';
import { fixturesDir } from './fixtures-dir.js';

interface Expected {
  format: string;
  totals: Record<string, number | null>;
  files: Record<string, Record<string, number | null>>;
}

/** expected.json format names that differ from our format ids. */
const FORMAT_ALIASES: Record<string, FormatId> = { 'jacoco-xml': 'jacoco' };

/**
 * Report files of a case: everything but expected.json and _oracle/. Where a gzip file has an
 * uncompressed twin, the gzip one is the tool's own output (gcov writes *.gcov.json.gz; the twins
 * came from `--stdout` without `-b`, so they lack branches) and the twin is left out.
 */
function reportFiles(dir: string): string[] {
  const names = readdirSync(dir).filter((n) => n !== 'expected.json' && n !== '_oracle');
  return names.filter((n) => !names.includes(`${n}.gz`)).map((n) => path.join(dir, n));
}

/** The bytes core sees: the CLI and server decompress gzip before parsing, so the test does too. */
function reportBytes(file: string): Uint8Array {
  const raw = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** Matches report paths to expected keys the way path resolution does: exact, else a unique suffix. */
function matchPath(ours: string, keys: string[]): string | undefined {
  if (keys.includes(ours)) return ours;
  const hits = keys.filter((k) => k.endsWith('/' + ours) || ours.endsWith('/' + k));
  return hits.length === 1 ? hits[0] : undefined;
}

/** Formats with no function metric at all: their function totals are null, never compared. */
const NO_FUNCTION_METRIC = new Set<string>(['coveralls', 'sonarqube-generic']);
/** Formats with a statement metric: where the tool printed statements, these must match them. */
const STATEMENT_METRIC = new Set<string>(['istanbul-json', 'go-coverprofile']);

function compare(actual: Totals, expected: Record<string, number | null>, where: string, format: string) {
  if (NO_FUNCTION_METRIC.has(format)) expect(actual.functions, `${where}: ${format} has no function metric`).toBeNull();
  if (STATEMENT_METRIC.has(format) && expected.statements != null) expect(actual.statements, `${where}: statements`).not.toBeNull();
  const pairs: [string, number | null, number | null][] = [];
  if (expected.lines != null) {
    pairs.push(['lines', actual.lines, expected.lines]);
    pairs.push(['lines_covered', actual.hits + actual.partials, expected.lines_covered ?? null]);
  }
  if (expected.branches != null) {
    pairs.push(['branches', actual.branches, expected.branches]);
    pairs.push(['branches_covered', actual.branches_hit, expected.branches_covered ?? null]);
  }
  if (expected.functions != null && !NO_FUNCTION_METRIC.has(format)) {
    pairs.push(['functions', actual.functions, expected.functions]);
    pairs.push(['functions_covered', actual.functions_hit, expected.functions_covered ?? null]);
  }
  // Statements are compared where our reading of the format has them (LCOV, for one, has none).
  if (expected.statements != null && actual.statements !== null) {
    pairs.push(['statements', actual.statements, expected.statements]);
    pairs.push(['statements_covered', actual.statements_hit, expected.statements_covered ?? null]);
  }
  const got = Object.fromEntries(pairs.map(([k, a]) => [k, a]));
  const want = Object.fromEntries(pairs.map(([k, , e]) => [k, e]));
  expect(got, where).toEqual(want);
}

/**
 * Numbers a tool printed that its report file does not contain (checked against the same run's
 * richer outputs). For these we assert what the file holds instead, and that the gap is reported.
 * Documented in docs/formats/cobertura.md and docs/formats/clover.md.
 */
const NOT_IN_FILE: Record<string, { functions?: null; branches?: [number, number]; why: string; reported?: false }> = {
  'c-cjson-gcovr-coveralls': { branches: [0, 0], reported: false, why: "gcovr 5.2's Coveralls output has only name, source_digest and coverage: no branch data, and no summary to compare with" },
  'c-cjson-gcovr-cobertura': { functions: null, why: 'gcovr 5.2 writes empty <methods/>; function counts exist only as root functions-valid/-covered' },
  'js-qs-nyc-cobertura': { branches: [575, 575], why: "istanbul's XML writers emit branches only on lines where a statement starts: 100 outcomes (99 taken) are absent" },
  'js-qs-nyc-clover': { branches: [575, 575], functions: null, why: 'as nyc Cobertura for branches; istanbul Clover has per-file method counts but no functions' },
  'go-pflag-coverprofile-count': { functions: null, why: '`go tool cover -func` finds functions by reading the Go source; the profile holds only blocks' },
  'js-express-c8-clover': { functions: null, why: 'istanbul Clover has per-file method counts but no functions (no names, no lines)' },
};

function applyNotInFile(name: string, expected: Record<string, number | null>): Record<string, number | null> {
  const gap = NOT_IN_FILE[name];
  if (gap === undefined) return expected;
  const out = { ...expected };
  if (gap.functions === null) {
    out.functions = null;
    out.functions_covered = null;
  }
  return out;
}

/** Cases whose producer contradicts itself; handled in their own tests below. */
const SELF_CONTRADICTING = new Set(['python-click-coveragepy-lcov', 'python-click-coveragepy-coveragepy-json']);

const root = fixturesDir();
const cases = readdirSync(root).filter((d) => {
  try {
    readFileSync(path.join(root, d, 'expected.json'));
    return true;
  } catch {
    return false;
  }
});
const supported = new Set<string>(FORMATS.map((f) => f.id));

function load(dir: string) {
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const format = FORMAT_ALIASES[expected.format] ?? (expected.format as FormatId);
  const results = reportFiles(dir).map((f) => ({ file: f, result: parseReport(reportBytes(f), { fileName: path.basename(f) }) }));
  return { expected, format, results };
}

describe('real reports reproduce their tool\'s own numbers', () => {
  for (const name of cases) {
    const dir = path.join(root, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const format = FORMAT_ALIASES[expected.format] ?? expected.format;
    // Self-contradicting producers have their own tests below.
    if (SELF_CONTRADICTING.has(name)) continue;
    it(`${name} (${format})`, () => {
      expect(supported.has(format), `format ${format} is not implemented`).toBe(true);
      const { results } = load(dir);
      for (const { file, result } of results) {
        expect(result.format, `${file} detected as`).toBe(format);
        expect(result.status, JSON.stringify(result.diagnostics.slice(0, 5))).toBe('ok');
      }
      const merged = mergeReports(results.map((r) => r.result.report));
      const { totals, files } = reportTotals(merged);
      const gap = NOT_IN_FILE[name];
      if (gap?.functions === null) expect(totals.functions, `${name}: ${gap.why}`).toBeNull();
      if (gap?.branches !== undefined) {
        expect([totals.branches, totals.branches_hit], `${name}: ${gap.why}`).toEqual(gap.branches);
        if (gap.reported !== false) {
          expect(results.some((r) => r.result.diagnostics.some((d) => d.severity === 'info' && /MISMATCH/.test(d.code))), 'the gap is reported').toBe(true);
        }
      }
      const totalsExpected = applyNotInFile(name, expected.totals);
      if (gap?.branches !== undefined) {
        totalsExpected.branches = null;
      }
      compare(totals, totalsExpected, `${name} totals`, format);
      const keys = Object.keys(expected.files);
      const seen = new Set<string>();
      for (const [p, t] of files) {
        const key = matchPath(p, keys);
        expect(key, `${name}: report path ${p} matches no expected file`).toBeDefined();
        expect(seen.has(key!), `${name}: two report paths map to ${key}`).toBe(false);
        seen.add(key!);
        const fileExpected = applyNotInFile(name, expected.files[key!]!);
        if (gap?.branches !== undefined) fileExpected.branches = null;
        compare(t, fileExpected, `${name} file ${key}`, format);
      }
      expect([...seen].sort()).toEqual(keys.slice().sort());
    });
  }
});

describe('coverage.py 6.5 lcov: DA records win over LF/LH (documented in docs/coverage-semantics.md)', () => {
  const name = 'python-click-coveragepy-lcov';
  it('counts every DA line; misses equal the tool, the surplus is exactly the docstring DA lines', () => {
    const dir = path.join(root, name);
    const { expected, results } = load(dir);
    expect(results).toHaveLength(1);
    const r = results[0]!.result;
    expect(r.format).toBe('lcov');
    expect(r.status).toBe('ok');
    const text = readFileSync(results[0]!.file, 'utf8');
    let lf = 0;
    let da = 0;
    let brda = 0;
    let brdaTaken = 0;
    for (const l of text.split('\n')) {
      if (l.startsWith('LF:')) lf += Number(l.slice(3));
      else if (l.startsWith('DA:')) da++;
      else if (l.startsWith('BRDA:')) {
        brda++;
        if (!l.endsWith(',-') && !l.endsWith(',0')) brdaTaken++;
      }
    }
    const { totals } = reportTotals(r.report);
    expect(lf).toBe(expected.totals.lines);
    expect(totals.lines).toBe(da);
    expect(totals.lines).toBeGreaterThan(expected.totals.lines!);
    // Every surplus DA line is a covered docstring line: the missed lines are exactly the tool's.
    expect(totals.misses).toBe(expected.totals.lines! - expected.totals.lines_covered!);
    // BRDA lines carry the arc's destination line, 0 for arcs that exit the code object: those 424
    // cannot be placed on a line and are dropped with a warning; every other BRDA counts.
    const exits = (text.match(/^BRDA:0,/gm) ?? []).length;
    expect(exits).toBe(424);
    expect(r.diagnostics.some((d) => d.code === 'CW_LINE_INVALID')).toBe(true);
    expect(totals.branches).toBe(brda - exits);
    expect(totals.branches_hit).toBe(brdaTaken - (text.match(/^BRDA:0,\d+,\d+,[1-9]/gm) ?? []).length);
    // The disagreement is surfaced, file by file, never silent.
    expect(r.diagnostics.filter((d) => d.code === 'CW_LCOV_SUMMARY_MISMATCH').length).toBeGreaterThan(0);
  });
});

describe('coverage.py 6.5 json: records win over its summary (documented in docs/coverage-semantics.md)', () => {
  it('misses and missed arcs equal the tool in total and per file; the surplus is reported', () => {
    const name = 'python-click-coveragepy-coveragepy-json';
    const { expected, results } = load(path.join(root, name));
    const r = results[0]!.result;
    expect([r.format, r.status]).toEqual(['coveragepy-json', 'ok']);
    const { totals, files } = reportTotals(r.report);
    expect([totals.lines, totals.hits + totals.partials, totals.branches, totals.branches_hit]).toEqual([11325, 10403, 5554, 5053]);
    expect(totals.misses).toBe(expected.totals.lines! - expected.totals.lines_covered!);
    expect(totals.branches - totals.branches_hit).toBe(expected.totals.branches! - expected.totals.branches_covered!);
    for (const [p, t] of files) {
      const e = expected.files[p]!;
      expect(t.misses, p).toBe(e.lines! - e.lines_covered!);
      expect(t.branches - t.branches_hit, p).toBe(e.branches! - e.branches_covered!);
    }
    expect(r.diagnostics.some((d) => d.code === 'CW_COVERAGEPY_SUMMARY_MISMATCH')).toBe(true);
  });
});

describe('gzip twins parse identically', () => {
  const name = 'c-cjson-gcov-json-lib';
  it('the --stdout twins (made without -b) give the same lines and functions as the .gz files, and no branches', () => {
    const dir = path.join(root, name);
    for (const gz of readdirSync(dir).filter((n) => n.endsWith('.gz'))) {
      const plain = reportTotals(parseReport(readFileSync(path.join(dir, gz.slice(0, -3))), { fileName: gz.slice(0, -3) }).report).totals;
      const unzipped = reportTotals(parseReport(gunzipSync(readFileSync(path.join(dir, gz))), { fileName: gz }).report).totals;
      expect(plain.branches).toBe(0);
      expect(unzipped.branches).toBeGreaterThan(0);
      const pick = (t: typeof plain) => [t.lines, t.hits + t.partials, t.misses, t.functions, t.functions_hit];
      expect(pick(plain)).toEqual(pick(unzipped));
    }
  });
});
