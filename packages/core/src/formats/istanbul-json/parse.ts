import type { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import type { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import { createJsonFormatParser } from '../json-format.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { IstanbulEntryBytes } from './entry-bytes.js';
import { IstanbulScratch } from './scratch.js';

/**
 * istanbul `coverage-final.json` parser (the `json` reporter of nyc, c8, jest, karma-coverage; old
 * istanbul 0.x `coverage.json`).
 *
 * The document maps a file key to `{path, statementMap, fnMap, branchMap, s, f, b}`: each map gives
 * locations by id and `s`/`f`/`b` the counts by the same id. Rules (docs/formats/istanbul-json.md):
 * - Statements: one per entry of `s`, identity (start line, start column) from `statementMap`.
 * - Lines: a line's count is the largest count of the statements that start on it, as istanbul
 *   itself reports lines (istanbul-lib-coverage `getLineCoverage`). Lines without a statement are
 *   absent. c8 writes one statement per physical line, so there lines == statements.
 * - Branches: one outcome per entry of `b[k]`, on the line `branchMap[k].line` (the line istanbul's
 *   own lcov reporter writes in BRDA), id `k,i` (istanbul's lcov `block,branch`).
 * - Functions: one per entry of `f`, named `fnMap[k].name`, on the line of its declaration
 *   (`decl.start.line`, as istanbul's lcov FN record), ending at `loc.end.line`.
 * - Totals iterate the count maps (`s`, `f`, `b`) as istanbul does; an id with a count but no
 *   location cannot be placed and is an error.
 * Producer extras (c8 `all`, nyc `_coverageSchema`/`hash`/`contentHash`, `inputSourceMap`, `bT`) are
 * ignored. Old istanbul may wrap a file under `data`, and marks ignored code `skip: true`.
 */
export function createIstanbulJsonParser(options: ParseOptions, fastPath = true): StreamParser {
  const scratch = new IstanbulScratch(options.limits.maxHits);
  // One file at a time, as its bytes arrive: each file's objects die young, and memory follows the
  // largest file rather than the map. What stays for `readCoverageMap` is the emptied map, or a
  // document of another shape (an array, a scalar) as it was.
  return createJsonFormatParser(options, (root, report, sink) => readCoverageMap(root, report, sink, scratch), {
    key: null,
    kind: 'object',
    entry: (value, _i, report, sink, _limits, key) => readEntry(key!, value, report, sink, scratch),
    fast: fastPath ? (report, limits) => new IstanbulEntryBytes(report, limits, scratch) : undefined,
  });
}

function readCoverageMap(root: unknown, report: ReportBuilder, sink: DiagnosticSink, scratch: IstanbulScratch): void {
  if (!isObject(root)) {
    sink.error('CW_ISTANBUL_NOT_OBJECT', `expected a JSON object keyed by file path (coverage-final.json), found ${describeJson(root)}`);
    return;
  }
  for (const key of Object.keys(root)) readEntry(key, root[key], report, sink, scratch);
}

function readEntry(key: string, value: unknown, report: ReportBuilder, sink: DiagnosticSink, scratch: IstanbulScratch): void {
  if (!isObject(value)) {
    sink.error('CW_ISTANBUL_BAD_FILE', `${quoteKey(key)}: expected a file coverage object with statementMap/fnMap/branchMap/s/f/b, found ${describeJson(value)}`);
    return;
  }
  // istanbul 0.x serialised FileCoverage objects as {"data": {...}}.
  const inner = Object.hasOwn(value, 'statementMap') ? undefined : own(value, 'data');
  const fc = isObject(inner) ? inner : value;
  const p = own(fc, 'path');
  const path = typeof p === 'string' && p.length > 0 ? p : key;
  const file = report.file(path);
  if (file === null) return;
  readFile(fc, file, quoteKey(path), sink, scratch);
}

function readFile(fc: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink, scratch: IstanbulScratch): void {
  // istanbul always has all three metrics, possibly empty (index.js of qs has 0 functions, not null).
  file.enableStatements();
  file.enableFunctions();
  readStatements(fc, file, where, sink, scratch);
  readBranches(fc, file, where, sink, scratch);
  readFunctions(fc, file, where, sink);
}

function missingMaps(sink: DiagnosticSink, where: string, map: string, counts: string, fc: JsonObject): void {
  sink.error(
    'CW_ISTANBUL_BAD_FIELD',
    `${where}: expected objects "${map}" and "${counts}", found ${describeJson(own(fc, map))} and ${describeJson(own(fc, counts))}`,
  );
}

function flush(sink: DiagnosticSink, code: string, where: string, field: string, bad: BadEntries, expected: string): void {
  const text = bad.summary(expected);
  if (text !== null) sink.error(code, `${where}: ${field}: ${text}`);
}

/** `{line}` of a location `{start: {line, column}, end: ...}`, or undefined when unusable. */
function startLine(loc: unknown): number | undefined {
  if (!isObject(loc)) return undefined;
  const start = loc.start;
  if (!isObject(start)) return undefined;
  return isNumber(start.line) ? start.line : undefined;
}

function readStatements(fc: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink, scratch: IstanbulScratch): void {
  const map = own(fc, 'statementMap');
  const counts = own(fc, 's');
  if (!isObject(map) || !isObject(counts)) return missingMaps(sink, where, 'statementMap', 's', fc);
  const badCount = new BadEntries();
  const badLoc = new BadEntries();
  for (const id of Object.keys(counts)) {
    const raw = counts[id];
    if (typeof raw !== 'number') {
      badCount.add(id, raw);
      continue;
    }
    let n = raw;
    const st = Object.hasOwn(map, id) ? map[id] : undefined;
    const start = isObject(st) ? st.start : undefined;
    if (!isObject(st) || !isObject(start) || typeof start.line !== 'number') {
      badLoc.add(id, st);
      continue;
    }
    // istanbul 0.x counts an ignored (`skip`) statement as covered, in statements and in lines.
    if (n === 0 && st.skip === true) n = 1;
    const line = start.line;
    const column = start.column;
    if (!file.statement(line, typeof column === 'number' ? column : 0, n)) continue;
    // The builder accepted the statement: `line` is an integer >= 1 within the limit, n >= 0.
    scratch.statementLine(line, n);
  }
  scratch.emitLines(file);
  flush(sink, 'CW_ISTANBUL_BAD_COUNT', where, 's', badCount, 'a statement count');
  flush(sink, 'CW_ISTANBUL_BAD_LOCATION', where, 'statementMap', badLoc, 'a statement location {start: {line, column}} for an id of "s"');
}

function readBranches(fc: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink, scratch: IstanbulScratch): void {
  const map = own(fc, 'branchMap');
  const counts = own(fc, 'b');
  if (!isObject(map) || !isObject(counts)) return missingMaps(sink, where, 'branchMap', 'b', fc);
  const badArray = new BadEntries();
  const badCount = new BadEntries();
  const badLoc = new BadEntries();
  for (const id of Object.keys(counts)) {
    const outcomes = counts[id];
    if (!Array.isArray(outcomes)) {
      badArray.add(id, outcomes);
      continue;
    }
    const meta = own(map, id);
    if (!isObject(meta)) {
      badLoc.add(id, meta);
      continue;
    }
    const locations = Array.isArray(meta.locations) ? (meta.locations as unknown[]) : null;
    // `line` is what istanbul's lcov reporter writes in BRDA; producers without it have `loc`.
    const line = isNumber(meta.line) ? meta.line : (startLine(meta.loc) ?? (locations !== null ? startLine(locations[0]) : undefined));
    if (line === undefined) {
      badLoc.add(id, meta);
      continue;
    }
    for (let i = 0; i < outcomes.length; i++) {
      const raw: unknown = outcomes[i];
      if (!isNumber(raw)) {
        badCount.add(id, raw, badCount.count === 0 ? `[${i}]` : undefined);
        continue;
      }
      let n = raw;
      // istanbul 0.x: an ignored branch location counts as covered.
      if (n === 0 && locations !== null) {
        const loc = locations[i];
        if (isObject(loc) && loc.skip === true) n = 1;
      }
      file.branch(line, scratch.branchId(id, i), n);
    }
  }
  flush(sink, 'CW_ISTANBUL_BAD_COUNT', where, 'b', badArray, 'an array of branch counts');
  flush(sink, 'CW_ISTANBUL_BAD_COUNT', where, 'b', badCount, 'a branch count');
  flush(sink, 'CW_ISTANBUL_BAD_LOCATION', where, 'branchMap', badLoc, 'a branch location {line | loc | locations} for an id of "b"');
}

function readFunctions(fc: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  const map = own(fc, 'fnMap');
  const counts = own(fc, 'f');
  if (!isObject(map) || !isObject(counts)) return missingMaps(sink, where, 'fnMap', 'f', fc);
  const badCount = new BadEntries();
  const badLoc = new BadEntries();
  for (const id of Object.keys(counts)) {
    const raw = counts[id];
    if (!isNumber(raw)) {
      badCount.add(id, raw);
      continue;
    }
    let n = raw;
    const meta = own(map, id);
    if (!isObject(meta) || typeof meta.name !== 'string') {
      badLoc.add(id, meta);
      continue;
    }
    // The declaration line, as istanbul's lcov reporter writes FN, so one run read from lcov.info
    // and from coverage-final.json names its functions identically; old istanbul has only `line`.
    const line = startLine(meta.decl) ?? startLine(meta.loc) ?? (isNumber(meta.line) ? meta.line : undefined);
    if (line === undefined) {
      badLoc.add(id, meta);
      continue;
    }
    const loc = meta.loc;
    const end = isObject(loc) && isObject(loc.end) && isNumber(loc.end.line) ? loc.end.line : null;
    if (n === 0 && meta.skip === true) n = 1;
    file.fn(meta.name, line, n, end);
  }
  flush(sink, 'CW_ISTANBUL_BAD_COUNT', where, 'f', badCount, 'a function count');
  flush(sink, 'CW_ISTANBUL_BAD_LOCATION', where, 'fnMap', badLoc, 'a function {name, decl | loc | line} for an id of "f"');
}
