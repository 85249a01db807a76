import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../packages/core/test/fixtures-dir.js';
import { runCli } from './run-cli.js';

const fx = fixturesDir();
const lcov = path.join(fx, 'c-cjson-gcc-lcov/coverage.info');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'cw-cli-'));

describe('coverwatch report', () => {
  it('prints exactly totals, files and diagnostics with --json, matching the tool', async () => {
    const r = await runCli(['report', lcov, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['totals', 'files', 'diagnostics']);
    expect(out.totals).toMatchObject({ files: 27, lines: 5041, branches: 2990, branches_hit: 1732, functions: 415, functions_hit: 386 });
    expect(out.totals.hits + out.totals.partials).toBe(4249);
    expect(out.totals.lines).toBe(out.totals.hits + out.totals.partials + out.totals.misses);
    const cjson = out.files.find((f: { path: string }) => f.path === '/home/runner/work/gcc-cjson/cJSON.c');
    expect(cjson).toMatchObject({ lines: 1405, functions: 113 });
    expect(Object.keys(cjson)).toEqual(['path', 'lines', 'hits', 'partials', 'misses', 'coverage', 'branches', 'branches_hit', 'functions', 'functions_hit', 'statements', 'statements_hit']);
  });

  it('prints a readable table', async () => {
    const r = await runCli(['report', lcov]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^File\s+Lines\s+Hits\s+Partials\s+Misses\s+Coverage\s+Branches\s+Functions/);
    expect(r.stdout).toMatch(/TOTAL \(27 files\)\s+5041/);
  });

  it('names the partials_as_hits policy when used', async () => {
    const r = await runCli(['report', lcov, '--json', '--partials-as-hits']);
    const out = JSON.parse(r.stdout);
    expect(out.totals.policy).toBe('partials_as_hits');
    expect(out.totals.partials).toBe(0);
    expect(out.totals.hits).toBe(4249);
  });

  it('reads gzip reports', async () => {
    const dir = tmp();
    const gz = path.join(dir, 'lcov.info.gz');
    writeFileSync(gz, gzipSync(readFileSync(lcov)));
    const r = await runCli(['report', gz, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.lines).toBe(5041);
  });

  it('finds reports by their usual names when none is given, skipping node_modules', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'coverage'));
    mkdirSync(path.join(dir, 'node_modules/dep/coverage'), { recursive: true });
    writeFileSync(path.join(dir, 'coverage/lcov.info'), 'SF:a.js\nDA:1,1\nDA:2,0\nend_of_record\n');
    writeFileSync(path.join(dir, 'node_modules/dep/coverage/lcov.info'), 'SF:dep.js\nDA:1,1\nend_of_record\n');
    const r = await runCli(['report', '--json'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('found coverage/lcov.info');
    expect(JSON.parse(r.stdout).files.map((f: { path: string }) => f.path)).toEqual(['a.js']);
  });

  it('exits 3 when no report is found', async () => {
    const r = await runCli(['report'], tmp());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('CW_NO_REPORT');
  });

  it('exits 4 with file, line and what was expected for a corrupt report', async () => {
    const dir = tmp();
    const f = path.join(dir, 'lcov.info');
    writeFileSync(f, 'TN:\nSF:a.c\nDA:1,1\nDA:two,1\nend_of_record\n');
    const r = await runCli(['report', f]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${f}:4: error CW_LCOV_BAD_RECORD: line 4: expected "DA:<line>,<hits>[,<checksum>]"`);
  });

  it('exits 4 for an unrecognized file, a missing file and a summary-only file', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'notes.txt'), 'hello\n');
    writeFileSync(path.join(dir, 'coverage-summary.json'), '{"total": {"lines": {"total": 10, "covered": 5, "skipped": 0, "pct": 50}}}');
    for (const [file, code] of [['notes.txt', 'CW_FORMAT_UNRECOGNIZED'], ['missing.info', 'CW_REPORT_UNREADABLE'], ['coverage-summary.json', 'CW_SUMMARY_ONLY']] as const) {
      const r = await runCli(['report', path.join(dir, file)]);
      expect(r.code, file).toBe(4);
      expect(r.stderr).toContain(code);
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['report', '--format', 'nope'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['report', '--bogus'])).code).toBe(2);
    expect((await runCli(['convert', lcov])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['--help'])).code).toBe(0);
  });
});

describe('coverwatch convert', () => {
  it('round-trips through every output format with the same totals', async () => {
    const base = JSON.parse((await runCli(['report', lcov, '--json'])).stdout).totals;
    const dir = tmp();
    for (const to of ['lcov', 'json']) {
      const out = path.join(dir, `out.${to}`);
      const c = await runCli(['convert', lcov, '--to', to, '-o', out]);
      expect(c.code).toBe(0);
      const again = JSON.parse((await runCli(['report', out, '--json'])).stdout).totals;
      expect(again).toEqual(base);
    }
  });

  it('refuses to convert a corrupt report', async () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.info');
    writeFileSync(f, 'SF:a.c\nDA:x\n');
    const r = await runCli(['convert', f, '--to', 'lcov']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
  });
});
