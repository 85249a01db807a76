import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ParseLimits } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import type { ParseOutcome } from '../types.js';
import { coverallsFormat } from './index.js';

function parse(doc: unknown, chunk = 5, limits: ParseLimits = DEFAULT_LIMITS): ParseOutcome {
  const bytes = encodeUtf8(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const p = coverallsFormat.createParser({ fileName: 'coveralls.json', limits });
  for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

describe('coveralls parser', () => {
  it('coverage[i] is line i + 1; null is not a line; no function metric', () => {
    const r = parse({
      repo_token: 'x',
      service_name: 'github',
      source_files: [{ name: 'src/a.c', source_digest: 'abc', coverage: [null, 3, 0, null, 1] }],
    });
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('src/a.c');
    expect([...f.lineNumbers]).toEqual([2, 3, 5]);
    expect([...f.lineHits]).toEqual([3, 0, 1]);
    expect(f.functions).toBeNull();
    expect(reportTotals(r.report).totals.functions).toBeNull();
  });

  it('branches are flat [line, block, branch, hits] quadruples, id "block,branch"; null hits are never taken', () => {
    const r = parse({ source_files: [{ name: 'b.py', coverage: [1, 1, 0], branches: [2, 0, 0, 4, 2, 0, 1, 0, 3, 1, 0, null] }] });
    expect(r.status).toBe('ok');
    const f = r.report.files[0]!;
    expect([...branchRecords(f)]).toEqual([
      { line: 2, id: '0,0', taken: 4 },
      { line: 2, id: '0,1', taken: 0 },
      { line: 3, id: '1,0', taken: 0 },
    ]);
    expect([...lineRecords(f)].map((l) => l.kind)).toEqual(['hit', 'partial', 'miss']);
  });

  it('the same name twice merges by adding (parallel jobs)', () => {
    const r = parse({ source_files: [{ name: 'a', coverage: [1, 0] }, { name: 'a', coverage: [null, 2, 5] }] });
    const f = r.report.files[0]!;
    expect([...f.lineNumbers]).toEqual([1, 2, 3]);
    expect([...f.lineHits]).toEqual([1, 2, 5]);
  });

  it('hostile values give diagnostics, never exceptions, and keep what can be read', () => {
    const r = parse({
      source_files: [
        { name: 'ok', coverage: [1, 'x', true, -1, 2.5, {}], branches: [1, 0, 0, 1, 1, 'b', 0, 'x', 7] },
        { name: 5, coverage: [] },
        { coverage: [1] },
        'file',
        { name: 'nocov' },
        { name: 'badbranches', coverage: [1], branches: { a: 1 } },
      ],
    });
    expect(r.status).toBe('invalid');
    const codes = r.diagnostics.map((d) => d.code);
    for (const c of ['CW_COVERALLS_BAD_COVERAGE', 'CW_COVERALLS_BAD_BRANCHES', 'CW_COVERALLS_BAD_SOURCE_FILE', 'CW_HITS_INVALID']) expect(codes, c).toContain(c);
    const ok = r.report.files.find((f) => f.path === 'ok')!;
    expect([...ok.lineNumbers]).toEqual([1, 5]);
    expect([...ok.lineHits]).toEqual([1, 2]);
    expect(ok.branchIds).toEqual(['0,0']);
    expect(r.diagnostics.find((d) => d.message.includes('not a multiple of 4'))).toBeDefined();
    const bad = r.diagnostics.find((d) => d.code === 'CW_COVERALLS_BAD_COVERAGE' && d.message.includes('entries'))!;
    expect(bad.message).toBe('source_files[0] ("ok").coverage: 3 entries are not a hit count or null (first: [1], a string "x")');
  });

  it('data past the line limit costs one warning', () => {
    const limits = { ...DEFAULT_LIMITS, maxLineNumber: 3 };
    const r = parse({ source_files: [{ name: 'a', coverage: [1, 1, 1, 1, 1, 1, 1] }] }, 64, limits);
    expect(r.status).toBe('ok');
    expect(r.report.files[0]!.lineNumbers.length).toBe(3);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CW_LINE_TOO_LARGE']);
  });

  it('not a Coveralls payload: invalid', () => {
    for (const input of ['[]', '{"source_files": {}}', '{}', '{"source_files": ', '']) {
      expect(parse(input).status, input).toBe('invalid');
    }
    expect(parse('{"source_files": []}').status).toBe('ok');
  });
});

describe('coveralls: the gcovr 5.2 fixture', () => {
  it('reproduces gcovr\'s line numbers; the file carries no branches (gcovr 5.2 writes none), so none are read', () => {
    const dir = path.join(fixturesDir(), 'c-cjson-gcovr-coveralls');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { totals: Record<string, number> };
    const text = readFileSync(path.join(dir, 'coveralls.json'), 'utf8');
    const r = parse(text, 65536);
    const { totals } = reportTotals(r.report);
    expect([totals.lines, totals.hits + totals.partials]).toEqual([expected.totals.lines, expected.totals.lines_covered]);
    expect(text.includes('"branches"')).toBe(false);
    expect(totals.branches).toBe(0);
    expect(totals.functions).toBeNull();
  });
});

describe('coveralls detection', () => {
  const root = fixturesDir();
  const ownDir = 'c-cjson-gcovr-coveralls';

  it('claims its fixture, also from a truncated head', () => {
    const text = readFileSync(path.join(root, ownDir, 'coveralls.json'), 'utf8');
    expect(coverallsFormat.detect(text.slice(0, 64 * 1024), 'coveralls.json')).toBeGreaterThanOrEqual(0.9);
    expect(coverallsFormat.detect(text.slice(0, 200), 'x')).toBeGreaterThan(0.5);
    expect(coverallsFormat.detect('{"repo_token": "t", "service_name": "x", "source_files": [', 'x')).toBeGreaterThan(0.5);
    const d = detectFormat(text.slice(0, 64 * 1024), 'coveralls.json');
    expect(d.kind === 'detected' && d.format.id).toBe('coveralls');
  });

  it('gives 0 for every other fixture', () => {
    for (const dir of readdirSync(root)) {
      if (dir === ownDir || !statSync(path.join(root, dir)).isDirectory()) continue;
      for (const name of readdirSync(path.join(root, dir))) {
        const p = path.join(root, dir, name);
        if (name.endsWith('.gz') || statSync(p).isDirectory()) continue;
        const head = readFileSync(p).subarray(0, 64 * 1024).toString('utf8');
        expect(coverallsFormat.detect(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
