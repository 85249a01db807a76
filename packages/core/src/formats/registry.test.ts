import { describe, expect, it } from 'vitest';
import { encodeUtf8 } from '../text/text-decoder.js';
import { createReportReader, detectFormat, FORMAT_IDS, FORMATS, parseReport } from '../index.js';

const bytes = (s: string) => encodeUtf8(s);

describe('format registry and detection', () => {
  it('registers every format id exactly once', () => {
    expect(FORMATS.map((f) => f.id).sort()).toEqual([...FORMAT_IDS].sort());
  });

  it('refuses summary-only files, saying which file to upload instead', () => {
    const istanbul = parseReport(bytes('{"total": {"lines": {"total": 3, "covered": 1, "skipped": 0, "pct": 33.3}}}'), { fileName: 'coverage-summary.json' });
    expect(istanbul.status).toBe('unrecognized');
    expect(istanbul.diagnostics[0]).toMatchObject({ code: 'CW_SUMMARY_ONLY', file: 'coverage-summary.json' });
    expect(istanbul.diagnostics[0]!.message).toContain('coverage-final.json');
    const gcovr = parseReport(bytes('{"root": ".", "files": [{"filename": "a.c", "line_total": 3, "line_covered": 1, "line_percent": 33.3}], "line_total": 3, "line_covered": 1, "line_percent": 33.3}'), { fileName: 'summary.json' });
    expect(gcovr.diagnostics[0]).toMatchObject({ code: 'CW_SUMMARY_ONLY' });
    expect(gcovr.diagnostics[0]!.message).toContain('gcovr --json');
  });

  it('says "empty" for an empty file and lists the known formats for an unknown one', () => {
    expect(parseReport(new Uint8Array(0), { fileName: 'x' }).diagnostics[0]!.code).toBe('CW_REPORT_EMPTY');
    const r = parseReport(bytes('hello world\n'), { fileName: 'notes.txt' });
    expect(r.status).toBe('unrecognized');
    expect(r.diagnostics[0]!.message).toContain('lcov');
  });

  it('lets an explicit format override detection, and rejects an unknown one', () => {
    const text = 'SF:a.c\nDA:1,1\nend_of_record\n';
    expect(parseReport(bytes(text), { fileName: 'x', format: 'lcov' }).status).toBe('ok');
    expect(parseReport(bytes(text), { fileName: 'x', format: 'jacoco' }).status).toBe('invalid');
    expect(parseReport(bytes(text), { fileName: 'x', format: 'nope' as never }).diagnostics[0]!.code).toBe('CW_FORMAT_UNKNOWN');
  });

  it('detects from the first 64 KiB even when the bytes arrive one at a time', () => {
    const text = 'TN:\n' + 'SF:a.c\n' + 'DA:1,1\n'.repeat(20_000) + 'end_of_record\n';
    const reader = createReportReader({ fileName: 'big.info' });
    const b = bytes(text);
    for (let i = 0; i < b.length; i += 4093) reader.write(b.subarray(i, i + 4093));
    const r = reader.end();
    expect([r.format, r.status]).toEqual(['lcov', 'ok']);
  });

  it('names weak candidates instead of guessing', () => {
    const d = detectFormat('SF:something\n', 'unknown.txt');
    expect(d.kind).toBe('unrecognized');
    if (d.kind === 'unrecognized') expect(d.candidates.map((c) => c.format)).toContain('lcov');
  });
});
