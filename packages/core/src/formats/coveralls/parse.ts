import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { createJsonFormatParser } from '../json-format.js';
import { pairId } from '../../model/id-strings.js';

/**
 * Coveralls API JSON parser (the job payload of https://docs.coveralls.io/api-reference, as gcovr
 * `--coveralls`, coveralls-python, node-coveralls and cargo-tarpaulin write it).
 *
 * - `source_files[].name` is the path; the same name twice merges (counts add up, as Coveralls
 *   merges parallel jobs).
 * - `coverage[i]` is the hit count of line i + 1; `null` means the line is not relevant (no data).
 * - `branches` is a flat array of quadruples `[line, block, branch, hits]`: one outcome each, id
 *   `block,branch` (lcov's BRDA identity, which is where the quadruple comes from). A `null` hit
 *   count is read as 0 (never taken).
 * - No function metric: the API has none, so functions stay null (not 0).
 * Job metadata (`repo_token`, `service_*`, `git`, `run_at`, `source_digest`, `source`) is ignored.
 */
export function createCoverallsParser(options: ParseOptions): StreamParser {
  return createJsonFormatParser(options, (root, report, sink, limits) => readDocument(root, report, sink, limits.maxLineNumber), {
    key: 'source_files',
    entry: (sf, i, report, sink, limits) => readSourceFile(sf, i, report, sink, limits.maxLineNumber),
  });
}

function readDocument(root: unknown, report: ReportBuilder, sink: DiagnosticSink, maxLine: number): void {
  const sources = isObject(root) ? own(root, 'source_files') : undefined;
  if (!Array.isArray(sources)) {
    sink.error(
      'CW_COVERALLS_NO_SOURCE_FILES',
      isObject(root)
        ? `expected "source_files" to be an array of {name, coverage}, found ${describeJson(sources)}`
        : `expected a JSON object with "source_files" (Coveralls API JSON), found ${describeJson(root)}`,
    );
    return;
  }
  for (let i = 0; i < sources.length; i++) readSourceFile(sources[i], i, report, sink, maxLine);
}

function readSourceFile(sf: unknown, i: number, report: ReportBuilder, sink: DiagnosticSink, maxLine: number): void {
  if (!isObject(sf)) {
    sink.error('CW_COVERALLS_BAD_SOURCE_FILE', `source_files[${i}]: expected an object {name, coverage}, found ${describeJson(sf)}`);
    return;
  }
  const name = own(sf, 'name');
  if (typeof name !== 'string') {
    sink.error('CW_COVERALLS_BAD_SOURCE_FILE', `source_files[${i}]: expected "name" to be the file path, found ${describeJson(name)}`);
    return;
  }
  const file = report.file(name);
  if (file === null) return;
  const where = `source_files[${i}] (${quoteKey(name)})`;
  readCoverage(sf, file, where, sink, maxLine);
  readBranches(sf, file, where, sink);
}

function readCoverage(sf: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink, maxLine: number): void {
  const coverage = own(sf, 'coverage');
  if (!Array.isArray(coverage)) {
    sink.error('CW_COVERALLS_BAD_COVERAGE', `${where}: expected "coverage" to be an array of hit counts or null, found ${describeJson(coverage)}`);
    return;
  }
  const bad = new BadEntries();
  // Index i is line i + 1. Past the line limit only look for data, so a hostile array of ten million
  // counts costs one warning, not ten million.
  const n = Math.min(coverage.length, maxLine);
  for (let i = 0; i < n; i++) {
    const v: unknown = coverage[i];
    if (v === null) continue;
    if (isNumber(v)) file.line(i + 1, v);
    else bad.add(i, v);
  }
  for (let i = n; i < coverage.length; i++) {
    if (coverage[i] !== null) {
      sink.warn('CW_LINE_TOO_LARGE', `${where}: "coverage" has data past line ${maxLine}, the line limit; ignored`);
      break;
    }
  }
  const text = bad.summary('a hit count or null');
  if (text !== null) sink.error('CW_COVERALLS_BAD_COVERAGE', `${where}.coverage: ${text}`);
}

function readBranches(sf: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  if (!Object.hasOwn(sf, 'branches')) return;
  const branches = sf.branches;
  if (!Array.isArray(branches)) {
    sink.error('CW_COVERALLS_BAD_BRANCHES', `${where}: expected "branches" to be a flat array of [line, block, branch, hits] quadruples, found ${describeJson(branches)}`);
    return;
  }
  if (branches.length % 4 !== 0) {
    sink.error('CW_COVERALLS_BAD_BRANCHES', `${where}: "branches" has ${branches.length} numbers, not a multiple of 4 ([line, block, branch, hits] quadruples); the incomplete last one is ignored`);
  }
  const bad = new BadEntries();
  for (let i = 0; i + 3 < branches.length; i += 4) {
    const line: unknown = branches[i];
    const block: unknown = branches[i + 1];
    const branch: unknown = branches[i + 2];
    const hits: unknown = branches[i + 3];
    if (!isNumber(line) || !isId(block) || !isId(branch) || !(hits === null || isNumber(hits))) {
      // Only the first bad quadruple is described: build its array only then.
      bad.add(i, bad.count === 0 ? [line, block, branch, hits] : null);
      continue;
    }
    file.branch(line, pairId(block, branch), hits === null ? 0 : hits);
  }
  const text = bad.summary('a quadruple [line, block, branch, hits] of numbers (hits may be null)');
  if (text !== null) sink.error('CW_COVERALLS_BAD_BRANCHES', `${where}.branches: ${text}`);
}

/** Block and branch numbers only name the outcome; producers write numbers (a string is accepted). */
function isId(v: unknown): v is number | string {
  return typeof v === 'number' || (typeof v === 'string' && v.length > 0 && v.length <= 200);
}
