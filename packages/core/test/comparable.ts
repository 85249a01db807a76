import { expect } from 'vitest';
import type { FileCoverage, ParseOutcome, Report, StreamParser } from '../src/index.js';

/**
 * A report with every column as a plain array, for comparing values: a count column may be a
 * Uint32Array or a Float64Array (model/file-coverage.ts, CountColumn) depending on how it was built,
 * which toEqual would count as a difference.
 */
export function comparable(r: Report): unknown {
  return { files: r.files.map(comparableFile) };
}

export function comparableFile(f: FileCoverage): unknown {
  return {
    ...f,
    lineNumbers: [...f.lineNumbers],
    lineHits: [...f.lineHits],
    branchLines: [...f.branchLines],
    branchTaken: [...f.branchTaken],
    statements: f.statements === null ? null : { lines: [...f.statements.lines], columns: [...f.statements.columns], hits: [...f.statements.hits] },
  };
}

/** Everything a parse produced (status, diagnostics, report), in a form toEqual compares exactly. */
export function outcomeSnapshot(r: ParseOutcome): unknown {
  return { status: r.status, diagnostics: r.diagnostics, files: r.report.files.map(comparableFile) };
}

/** Feeds `bytes` to `parser` in chunks of `chunk` bytes and ends it. */
export function parseInChunks(parser: StreamParser, bytes: Uint8Array, chunk: number): ParseOutcome {
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  return parser.end();
}

/**
 * Asserts that a parser's fast path gives exactly what its general path gives (status, diagnostics
 * and their order, report) for `text`, read whole and in pieces of `chunk` bytes.
 */
export function expectFastPathAgrees(parse: (text: string, fastPath: boolean, chunk: number) => ParseOutcome, text: string, chunk: number): void {
  const general = outcomeSnapshot(parse(text, false, text.length + 1));
  expect(outcomeSnapshot(parse(text, true, text.length + 1))).toEqual(general);
  expect(outcomeSnapshot(parse(text, true, chunk))).toEqual(general);
}
