import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import type { ParseOutcome } from '../types.js';
import { coveragepyJsonFormat } from './index.js';
import { comparable } from '../../../test/comparable.js';

function parse(doc: unknown, chunk = 5): ParseOutcome {
  const bytes = encodeUtf8(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const p = coveragepyJsonFormat.createParser({ fileName: 'coverage.json', limits: DEFAULT_LIMITS });
  for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const META = { version: '7.6.1', timestamp: '2024-01-01T00:00:00', branch_coverage: true, show_contexts: false };

describe('coveragepy-json parser', () => {
  it('executed lines are hits (1), missing lines misses (0), excluded lines are not lines; no function metric', () => {
    const r = parse({
      meta: { ...META, branch_coverage: false },
      files: { 'pkg/mod.py': { executed_lines: [1, 2, 5], missing_lines: [3, 7], excluded_lines: [9], summary: { covered_lines: 3, num_statements: 5 } } },
    });
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('pkg/mod.py');
    expect([...f.lineNumbers]).toEqual([1, 2, 3, 5, 7]);
    expect([...f.lineHits]).toEqual([1, 1, 0, 1, 0]);
    expect(f.functions).toBeNull();
    const { totals } = reportTotals(r.report);
    expect([totals.lines, totals.hits, totals.misses, totals.branches, totals.functions]).toEqual([5, 3, 2, 0, null]);
  });

  it('arcs: one outcome per arc on its "from" line, id = destination (negative = exit); a run line with a missing arc is partial', () => {
    const r = parse({
      meta: META,
      files: {
        'a.py': {
          executed_lines: [1, 2, 3, 5],
          missing_lines: [4],
          excluded_lines: [],
          executed_branches: [[2, 3], [5, -1]],
          missing_branches: [[2, 4], [5, 6]],
          summary: { covered_lines: 4, num_statements: 5, num_branches: 4, covered_branches: 2 },
        },
      },
    });
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect([...branchRecords(f)]).toEqual([
      { line: 2, id: '3', taken: 1 },
      { line: 2, id: '4', taken: 0 },
      { line: 5, id: '-1', taken: 1 },
      { line: 5, id: '6', taken: 0 },
    ]);
    expect([...lineRecords(f)].map((l) => l.kind)).toEqual(['hit', 'partial', 'hit', 'miss', 'partial']);
    const { totals } = reportTotals(r.report);
    // coverage.py's covered lines (executed) = hits + partials here.
    expect([totals.hits + totals.partials, totals.branches, totals.branches_hit]).toEqual([4, 4, 2]);
  });

  it('coverage.py 6.x artefacts: repeated arcs are one outcome, an executed arc from a line to itself is dropped', () => {
    const r = parse({
      meta: META,
      files: { 'b.py': { executed_lines: [10, 11], missing_lines: [], executed_branches: [[10, 10], [10, 10], [10, 11], [10, 11], [10, -3]], missing_branches: [] } },
    });
    const f = r.report.files[0]!;
    expect([...branchRecords(f)].map((b) => [b.line, b.id])).toEqual([[10, '-3'], [10, '11']]);
  });

  it('records that disagree with the file summary give an info diagnostic, not an error', () => {
    const r = parse({
      meta: META,
      // coverage.py 6.5 lists the executed docstring line 1 that it does not count as a statement.
      files: { 'c.py': { executed_lines: [1, 3, 4], missing_lines: [5], executed_branches: [[4, 5], [4, 9]], missing_branches: [], summary: { covered_lines: 2, num_statements: 3, num_branches: 1, covered_branches: 1 } } },
    });
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'CW_COVERAGEPY_SUMMARY_MISMATCH', severity: 'info', file: 'coverage.json' });
    expect(r.diagnostics[0]!.message).toContain('3 executed lines but covered_lines 2');
    expect(r.diagnostics[0]!.message).toContain('2 taken arcs but covered_branches 1');
  });

  it('unsorted input (hand-made files) reads the same as sorted input', () => {
    const sorted = { executed_lines: [1, 2, 6], missing_lines: [3, 4], executed_branches: [[2, 3], [6, -1]], missing_branches: [[2, 4], [6, 7]] };
    const shuffled = { executed_lines: [6, 1, 2], missing_lines: [4, 3], executed_branches: [[6, -1], [2, 3]], missing_branches: [[6, 7], [2, 4]] };
    const a = parse({ meta: META, files: { 'x.py': sorted } }).report;
    const b = parse({ meta: META, files: { 'x.py': shuffled } }).report;
    expect(comparable(b)).toEqual(comparable(a));
  });

  it('hostile values give diagnostics, never exceptions, and keep what can be read', () => {
    const r = parse(
      JSON.stringify({
        meta: META,
        files: {
          'ok.py': { executed_lines: [1, 'two', null, 3.5, 0, 123456789], missing_lines: 'nope', executed_branches: [[1], [1, 'x'], 'arc', [1, 2]], missing_branches: {} },
          'bad.py': null,
          'none.py': {},
        },
      }).replace('123456789', '1e400'), // JSON.parse makes 1e400 Infinity
    );
    expect(r.status).toBe('invalid');
    const codes = r.diagnostics.map((d) => d.code);
    for (const c of ['CW_COVERAGEPY_BAD_LINE', 'CW_COVERAGEPY_BAD_FIELD', 'CW_COVERAGEPY_BAD_ARC', 'CW_COVERAGEPY_BAD_FILE', 'CW_LINE_INVALID']) expect(codes, c).toContain(c);
    const ok = r.report.files.find((f) => f.path === 'ok.py')!;
    expect([...ok.lineNumbers]).toEqual([1]);
    expect([...branchRecords(ok)]).toEqual([{ line: 1, id: '2', taken: 1 }]);
    const badLine = r.diagnostics.find((d) => d.code === 'CW_COVERAGEPY_BAD_LINE')!;
    expect(badLine.message).toContain('files["ok.py"].executed_lines: 2 entries are not a line number (first: [1], a string "two")');
  });

  it('not a coverage.py report: invalid', () => {
    for (const input of ['[]', '{"meta": {}}', '{"files": []}', 'not json', '']) {
      const r = parse(input);
      expect(r.status, input).toBe('invalid');
    }
  });
});

describe('coveragepy-json: coverage.py 6.5 contradicts itself (docs/formats/coveragepy-json.md)', () => {
  const dir = path.join(fixturesDir(), 'python-click-coveragepy-coveragepy-json');
  const text = readFileSync(path.join(dir, 'coverage.json'), 'utf8');
  const doc = JSON.parse(text) as { files: Record<string, { executed_lines: number[]; missing_lines: number[]; executed_branches: number[][]; missing_branches: number[][]; summary: Record<string, number> }> };
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { totals: Record<string, number>; files: Record<string, Record<string, number>> };
  const r = parse(text, 65536);
  const { totals, files } = reportTotals(r.report);

  it('misses and missed arcs equal the tool, file by file; every surplus is a listed line or arc the summary leaves out', () => {
    expect(r.status).toBe('ok');
    expect(totals.misses).toBe(expected.totals.lines! - expected.totals.lines_covered!);
    expect(totals.branches - totals.branches_hit).toBe(expected.totals.branches! - expected.totals.branches_covered!);
    let surplusLines = 0;
    let surplusArcs = 0;
    for (const [p, f] of Object.entries(doc.files)) {
      const t = files.get(p)!;
      const e = expected.files[p]!;
      expect(t.misses, p).toBe(e.lines! - e.lines_covered!);
      expect(t.branches - t.branches_hit, p).toBe(e.branches! - e.branches_covered!);
      // The only lines beyond the tool's are executed lines it does not count (docstrings).
      expect(t.hits + t.partials, p).toBe(f.executed_lines.length);
      surplusLines += f.executed_lines.length - f.summary.covered_lines!;
      surplusArcs += new Set(f.executed_branches.filter(([a, b]) => a !== b).map(([a, b]) => `${a},${b}`)).size - f.summary.covered_branches!;
    }
    expect(surplusLines).toBe(67);
    expect(totals.lines).toBe(expected.totals.lines! + surplusLines);
    // Exception exits and test-parametrisation jumps coverage.py 6.5 executed but never predicted.
    expect(surplusArcs).toBe(11);
    expect(totals.branches_hit).toBe(expected.totals.branches_covered! + surplusArcs);
  });

  it('says so: one info diagnostic per disagreeing file', () => {
    const mismatched = Object.values(doc.files).filter((f) => f.executed_lines.length !== f.summary.covered_lines || f.summary.covered_branches !== new Set(f.executed_branches.filter(([a, b]) => a !== b).map(String)).size).length;
    expect(r.diagnostics.filter((d) => d.code === 'CW_COVERAGEPY_SUMMARY_MISMATCH')).toHaveLength(mismatched);
    expect(r.diagnostics.every((d) => d.severity === 'info')).toBe(true);
  });
});

describe('coveragepy-json detection', () => {
  const root = fixturesDir();
  const ownDir = 'python-click-coveragepy-coveragepy-json';

  it('claims its fixture, also from a truncated head', () => {
    const text = readFileSync(path.join(root, ownDir, 'coverage.json'), 'utf8');
    expect(coveragepyJsonFormat.detect(text.slice(0, 64 * 1024), 'coverage.json')).toBeGreaterThanOrEqual(0.9);
    expect(coveragepyJsonFormat.detect(text.slice(0, 300), 'x')).toBeGreaterThan(0.5);
    const d = detectFormat(text.slice(0, 64 * 1024), 'coverage.json');
    expect(d.kind === 'detected' && d.format.id).toBe('coveragepy-json');
  });

  it('gives 0 for every other fixture', () => {
    for (const dir of readdirSync(root)) {
      if (dir === ownDir || !statSync(path.join(root, dir)).isDirectory()) continue;
      for (const name of readdirSync(path.join(root, dir))) {
        const p = path.join(root, dir, name);
        if (name.endsWith('.gz') || statSync(p).isDirectory()) continue;
        const head = readFileSync(p).subarray(0, 64 * 1024).toString('utf8');
        expect(coveragepyJsonFormat.detect(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
