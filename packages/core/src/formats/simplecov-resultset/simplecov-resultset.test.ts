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
import { simplecovResultsetFormat } from './index.js';
import { rubyWord, tailIntegers } from './ruby-tuple.js';

function parse(doc: unknown, chunk = 6): ParseOutcome {
  const bytes = encodeUtf8(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const p = simplecovResultsetFormat.createParser({ fileName: '.resultset.json', limits: DEFAULT_LIMITS });
  for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const command = (coverage: object, timestamp = 1700000000) => ({ coverage, timestamp });

describe('simplecov-resultset parser', () => {
  it('lines[i] is line i + 1; null and "ignored" are not lines; no function metric without methods', () => {
    const r = parse({ RSpec: command({ '/app/lib/a.rb': { lines: [1, null, 0, 'ignored', 'ignored', 5] } }) });
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('/app/lib/a.rb');
    expect([...f.lineNumbers]).toEqual([1, 3, 6]);
    expect([...f.lineHits]).toEqual([1, 0, 5]);
    expect(f.functions).toBeNull();
  });

  it('branch arms are outcomes on SimpleCov\'s report line: the condition\'s line when inline, else the line before the arm', () => {
    const r = parse({
      'Unit Tests': command({
        'a.rb': {
          lines: [1, 1, 1, null, 0, null, 1],
          branches: {
            // if x (line 2) / then body on 3 / else body on 5
            '[:if, 0, 2, 4, 6, 7]': { '[:then, 1, 3, 6, 3, 10]': 1, '[:else, 2, 5, 6, 5, 10]': 0 },
            // safe navigation a&.b on line 7: both arms on the condition's line
            '[:"&.", 3, 7, 0, 7, 20]': { '[:then, 4, 7, 0, 7, 20]': 2, '[:else, 5, 7, 0, 7, 20]': 0 },
          },
        },
      }),
    });
    expect(r.status).toBe('ok');
    const f = r.report.files[0]!;
    expect([...branchRecords(f)]).toEqual([
      { line: 2, id: 'then:1', taken: 1 },
      { line: 4, id: 'else:2', taken: 0 },
      { line: 7, id: 'else:5', taken: 0 },
      { line: 7, id: 'then:4', taken: 2 },
    ]);
    expect([...lineRecords(f)].find((l) => l.line === 7)?.kind).toBe('partial');
    const { totals } = reportTotals(r.report);
    expect([totals.branches, totals.branches_hit]).toEqual([4, 2]);
  });

  it('an arm overlapping a skipped ("ignored") line is skipped, as SimpleCov skips branches in :nocov: chunks', () => {
    const r = parse({
      RSpec: command({
        'n.rb': {
          lines: [1, 'ignored', 'ignored', 'ignored', 1],
          branches: {
            '[:if, 0, 2, 2, 4, 5]': { '[:then, 1, 3, 4, 3, 9]': 0, '[:else, 2, 2, 2, 4, 5]': 1 },
            '[:if, 3, 5, 0, 5, 9]': { '[:then, 4, 5, 0, 5, 9]': 0, '[:else, 5, 5, 0, 5, 9]': 1 },
          },
        },
      }),
    });
    const f = r.report.files[0]!;
    expect([...branchRecords(f)].map((b) => b.id)).toEqual(['else:5', 'then:4']);
  });

  it('several commands merge the way SimpleCov merges them: sums, but null + 0 stays not relevant', () => {
    const r = parse({
      RSpec: command({ 'a.rb': { lines: [1, 0, null, 0, 2], branches: { '[:if, 0, 1, 0, 1, 9]': { '[:then, 1, 1, 0, 1, 4]': 0, '[:else, 2, 1, 0, 1, 9]': 1 } } } }),
      Cucumber: command({
        'a.rb': { lines: [2, null, 3, 0], branches: { '[:if, 0, 1, 0, 1, 9]': { '[:then, 1, 1, 0, 1, 4]': 4, '[:else, 2, 1, 0, 1, 9]': 0 } } },
        'b.rb': { lines: [0] },
      }),
    });
    expect(r.status).toBe('ok');
    const [a, b] = r.report.files;
    // line 1: 1+2; line 2: 0+null -> null; line 3: null+3 -> 3; line 4: 0+0 -> 0; line 5: 2+nothing -> 2.
    expect([...a!.lineNumbers]).toEqual([1, 3, 4, 5]);
    expect([...a!.lineHits]).toEqual([3, 3, 0, 2]);
    expect([...branchRecords(a!)].map((x) => [x.id, x.taken])).toEqual([['else:2', 1], ['then:1', 4]]);
    expect([...b!.lineHits]).toEqual([0]);
  });

  it('merges counts past 32 bits and fractions exactly as small ones (kept as values, not coded in 32 bits)', () => {
    const r = parse({
      RSpec: command({ 'a.rb': { lines: [3_000_000_000, null, 'ignored', 1, 0] } }),
      Cucumber: command({ 'a.rb': { lines: [3_000_000_000, 0, null, 2.5, null] } }),
    });
    expect(r.status).toBe('ok');
    const a = r.report.files[0]!;
    expect([...a.lineNumbers]).toEqual([1, 4]);
    expect([...a.lineHits]).toEqual([6_000_000_000, 3]);
  });

  it('older SimpleCov: a file maps straight to its lines array', () => {
    const r = parse({ RSpec: command({ '/x.rb': [null, 1, 0] }) });
    expect([...r.report.files[0]!.lineNumbers]).toEqual([2, 3]);
  });

  it('method coverage becomes functions "Class#method" with start and end lines', () => {
    const r = parse({
      RSpec: command({ 'm.rb': { lines: [1, 1, 0], methods: { '[Greeter, :hello, 2, 2, 4, 5]': 3, '["Greeter::Inner", :bye, 5, 2, 6, 5]': 0 } } }),
    });
    expect(r.status).toBe('ok');
    expect(r.report.files[0]!.functions).toEqual([
      { name: 'Greeter#hello', line: 2, endLine: 4, hits: 3 },
      { name: 'Greeter::Inner#bye', line: 5, endLine: 6, hits: 0 },
    ]);
  });

  it('hostile values give diagnostics, never exceptions, and keep what can be read', () => {
    const r = parse({
      RSpec: command({
        'a.rb': {
          lines: [1, 'skipped', true, {}, -2],
          branches: { '[:if, 0, 1]': { '[:then, 1, 1, 0, 1, 1]': 1 }, '[:if, 1, 1, 0, 1, 9]': { 'then': 1, '[:else, 3, 1, 0, 1, 9]': 'x', '[:then, 2, 1, 0, 1, 4]': 1 }, '[:if, 4, 1, 0, 1, 9]': 5 },
          methods: { '[:hello, 1, 1, 1]': 1, '[A, :b, 1, 1, 2, 2]': null },
        },
        'b.rb': 'x',
        'c.rb': { lines: 'x', branches: [], methods: [] },
      }),
      Broken: { coverage: [] },
      Other: 3,
    });
    expect(r.status).toBe('invalid');
    const codes = r.diagnostics.map((d) => d.code);
    for (const c of ['CW_SIMPLECOV_BAD_LINES', 'CW_SIMPLECOV_BAD_BRANCHES', 'CW_SIMPLECOV_BAD_METHODS', 'CW_SIMPLECOV_BAD_FILE', 'CW_SIMPLECOV_BAD_COMMAND', 'CW_HITS_INVALID']) {
      expect(codes, c).toContain(c);
    }
    const a = r.report.files.find((f) => f.path === 'a.rb')!;
    expect([...a.lineNumbers]).toEqual([1]);
    expect(a.branchIds).toEqual(['then:2']);
    expect(a.functions).toEqual([]);
    const lines = r.diagnostics.find((d) => d.code === 'CW_SIMPLECOV_BAD_LINES')!;
    expect(lines.message).toBe('"RSpec": coverage["a.rb"].lines: 3 entries are not a count, null or "ignored" (first: [1], a string "skipped")');
  });

  it('not a resultset: invalid', () => {
    for (const input of ['[]', '{"RSpec": []}', '{"RSpec": {"coverage": 1}}', '{"RSpec": {', '']) expect(parse(input).status, input).toBe('invalid');
    expect(parse('{}').status).toBe('ok');
  });
});

describe('Ruby-inspect keys', () => {
  it('reads the trailing integers and the leading words', () => {
    const out = [0, 0, 0, 0, 0];
    const s = '[:"&.", 3, 71, 28, 71, 52]';
    const end = tailIntegers(s, 5, out);
    expect(out).toEqual([3, 71, 28, 71, 52]);
    expect(rubyWord(s, 1, end)).toBe('&.');
    expect(tailIntegers('[:if,0,1,2,3,-4]', 5, out)).toBeGreaterThan(0);
    expect(out).toEqual([0, 1, 2, 3, -4]);
    for (const bad of ['', '[]', '[:if, 0, 1, 2, 3]', ':if, 0, 1, 2, 3, 4]', '[:if, 0, 1, 2, 3, x]', '[:if, 0, 1, 2, 3, 4', '[:if, 0, 1, 2, 3, 9999999999999999]']) {
      expect(tailIntegers(bad, 5, out), bad).toBe(-1);
    }
  });
});

describe('simplecov-resultset: the mustache fixture', () => {
  it('reproduces SimpleCov\'s own numbers', () => {
    const dir = path.join(fixturesDir(), 'ruby-mustache-simplecov-resultset');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { totals: Record<string, number> };
    const { totals: t } = reportTotals(parse(readFileSync(path.join(dir, '.resultset.json'), 'utf8'), 4096).report);
    const e = expected.totals;
    expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions]).toEqual([e.lines, e.lines_covered, e.branches, e.branches_covered, null]);
  });
});

describe('simplecov-resultset detection', () => {
  const root = fixturesDir();
  const ownDir = 'ruby-mustache-simplecov-resultset';

  it('claims its fixture, also from a truncated head and under another name', () => {
    const text = readFileSync(path.join(root, ownDir, '.resultset.json'), 'utf8');
    expect(simplecovResultsetFormat.detect(text.slice(0, 64 * 1024), '.resultset.json')).toBeGreaterThanOrEqual(0.9);
    expect(simplecovResultsetFormat.detect(text.slice(0, 200), 'upload.json')).toBeGreaterThan(0.9);
    expect(simplecovResultsetFormat.detect('{"RSpec": {"coverage": {"/a.rb": [1, null', 'x')).toBeGreaterThan(0.9);
    const d = detectFormat(text.slice(0, 64 * 1024), '.resultset.json');
    expect(d.kind === 'detected' && d.format.id).toBe('simplecov-resultset');
    // simplecov_json_formatter's coverage.json is another format.
    expect(simplecovResultsetFormat.detect('{"meta": {"simplecov_version": "0.22.0"}, "coverage": {"/a.rb": {"lines": [1]}}}', 'coverage.json')).toBe(0);
  });

  it('gives 0 for every other fixture', () => {
    for (const dir of readdirSync(root)) {
      if (dir === ownDir || !statSync(path.join(root, dir)).isDirectory()) continue;
      for (const name of readdirSync(path.join(root, dir))) {
        const p = path.join(root, dir, name);
        if (name.endsWith('.gz') || statSync(p).isDirectory()) continue;
        const head = readFileSync(p).subarray(0, 64 * 1024).toString('utf8');
        expect(simplecovResultsetFormat.detect(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
