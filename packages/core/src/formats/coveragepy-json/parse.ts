import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { createJsonFormatParser } from '../json-format.js';
import { intId } from '../../model/id-strings.js';

/**
 * coverage.py JSON report parser (`coverage json`, coverage.py 5.0 and later).
 *
 * Each entry of `files` (keyed by the path as coverage.py reports it, relative to the working
 * directory) gives line numbers, not counts: coverage.py records whether a line ran, never how often.
 * - `executed_lines` -> hits 1; `missing_lines` -> hits 0; `excluded_lines` are not code we count.
 * - With branch coverage, `executed_branches` / `missing_branches` are arcs `[from, to]`: one branch
 *   outcome per arc on line `from`, id = `to` (negative `to` = exit from the code object that starts
 *   on line |to|), taken 1 / 0. A line that ran with a missing arc is partial.
 * - No function metric: coverage.py has none (functions stay null, not 0).
 * - `summary` is the tool's own count; it is never used as data. coverage.py 6.x (and early 7.x)
 *   lists more than it counts (docstring lines in `executed_lines`, unpredicted arcs in
 *   `executed_branches`), so where the records and `summary` disagree an info diagnostic says so,
 *   file by file (docs/formats/coveragepy-json.md, "Self-contradiction").
 * - An executed arc from a line to itself is dropped: coverage.py 6.x writes such arcs when it folds
 *   an arc between two lines of one multi-line statement onto the statement's first line; they are
 *   not branches (current coverage.py asserts they cannot occur; no summary counts them).
 */
export function createCoveragepyJsonParser(options: ParseOptions): StreamParser {
  return createJsonFormatParser(options, (root, report, sink) => readDocument(root, report, sink), { key: 'files', kind: 'object', entry: (e, _i, report, sink, _l, path) => readEntry(path!, e, report, sink) });
}

function readDocument(root: unknown, report: ReportBuilder, sink: DiagnosticSink): void {
  const files = isObject(root) ? own(root, 'files') : undefined;
  if (!isObject(files)) {
    sink.error(
      'CW_COVERAGEPY_NO_FILES',
      isObject(root)
        ? `expected a "files" object (coverage.py JSON report), found ${describeJson(files)}`
        : `expected a JSON object with "meta" and "files" (coverage.py JSON report), found ${describeJson(root)}`,
    );
    return;
  }
  for (const path of Object.keys(files)) readEntry(path, files[path], report, sink);
}

function readEntry(path: string, entry: unknown, report: ReportBuilder, sink: DiagnosticSink): void {
  const where = quoteKey(path);
  if (!isObject(entry)) {
    sink.error('CW_COVERAGEPY_BAD_FILE', `files[${where}]: expected an object with executed_lines/missing_lines, found ${describeJson(entry)}`);
    return;
  }
  // The path is a key JSON.parse made (a string of its own, never a slice of the document): kept as
  // is, it is one string shared with the stream's repeated-key check rather than two.
  const file = report.file(path, undefined, true);
  if (file === null) return;
  readFile(entry, file, where, sink);
}

/** What the records say, to compare with the tool's `summary`. */
interface Counted {
  executed: number;
  missing: number;
  arcsTaken: number;
  arcsMissing: number;
}

function readFile(entry: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  const counted: Counted = { executed: 0, missing: 0, arcsTaken: 0, arcsMissing: 0 };
  const executed = lineArray(entry, 'executed_lines', where, sink);
  const missing = lineArray(entry, 'missing_lines', where, sink);
  if (executed !== null && missing !== null) readLines(executed, missing, file, where, counted, sink);
  else if (executed !== null) readLines(executed, [], file, where, counted, sink);
  else if (missing !== null) readLines([], missing, file, where, counted, sink);
  readArcs(entry, file, where, counted, sink);
  checkSummary(entry, counted, where, sink);
}

function lineArray(entry: JsonObject, field: string, where: string, sink: DiagnosticSink): unknown[] | null {
  const lines = own(entry, field);
  if (Array.isArray(lines)) return lines;
  sink.error('CW_COVERAGEPY_BAD_FIELD', `files[${where}]: expected "${field}" to be an array of line numbers, found ${describeJson(lines)}`);
  return null;
}

/**
 * Records executed lines (hits 1) and missing lines (hits 0). coverage.py writes both lists sorted,
 * so they are merged in line order: the builder then takes its already-sorted fast path instead of
 * sorting every file (a measurable part of the parse time otherwise).
 */
function readLines(executed: unknown[], missing: unknown[], file: FileCoverageBuilder, where: string, c: Counted, sink: DiagnosticSink): void {
  const badExecuted = new BadEntries();
  const badMissing = new BadEntries();
  let i = 0;
  let j = 0;
  while (i < executed.length || j < missing.length) {
    const e: unknown = i < executed.length ? executed[i] : undefined;
    const m: unknown = j < missing.length ? missing[j] : undefined;
    if (e !== undefined && !isNumber(e)) {
      badExecuted.add(i++, e);
      continue;
    }
    if (m !== undefined && !isNumber(m)) {
      badMissing.add(j++, m);
      continue;
    }
    if (e !== undefined && (m === undefined || e <= (m as number))) {
      i++;
      if (file.line(e, 1)) c.executed++;
    } else {
      j++;
      if (file.line(m as number, 0)) c.missing++;
    }
  }
  const e = badExecuted.summary('a line number');
  if (e !== null) sink.error('CW_COVERAGEPY_BAD_LINE', `files[${where}].executed_lines: ${e}`);
  const m = badMissing.summary('a line number');
  if (m !== null) sink.error('CW_COVERAGEPY_BAD_LINE', `files[${where}].missing_lines: ${m}`);
}

/** The valid arcs of one list as parallel columns (from, to); bad entries are diagnosed. */
interface ArcColumns {
  from: Int32Array;
  to: Int32Array;
  length: number;
}

const NO_ARCS: ArcColumns = { from: new Int32Array(0), to: new Int32Array(0), length: 0 };

/** The arcs of `entry[field]`, absent (no branch coverage) giving none. */
function arcColumns(entry: JsonObject, field: string, where: string, sink: DiagnosticSink): ArcColumns {
  if (!Object.hasOwn(entry, field)) return NO_ARCS;
  const arcs = entry[field];
  if (!Array.isArray(arcs)) {
    sink.error('CW_COVERAGEPY_BAD_FIELD', `files[${where}]: expected "${field}" to be an array of [from, to] arcs, found ${describeJson(arcs)}`);
    return NO_ARCS;
  }
  const bad = new BadEntries();
  const out: ArcColumns = { from: new Int32Array(arcs.length), to: new Int32Array(arcs.length), length: 0 };
  for (let i = 0; i < arcs.length; i++) {
    const arc: unknown = arcs[i];
    // Line numbers are integers; anything else (or out of int32 range) is not an arc we can place.
    if (!Array.isArray(arc) || arc.length !== 2 || !isInt32(arc[0]) || !isInt32(arc[1])) {
      bad.add(i, arc);
      continue;
    }
    out.from[out.length] = arc[0];
    out.to[out.length] = arc[1];
    out.length++;
  }
  const text = bad.summary('an arc [from, to] of two integer line numbers');
  if (text !== null) sink.error('CW_COVERAGEPY_BAD_ARC', `files[${where}].${field}: ${text}`);
  return out;
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v;
}

/** One outcome of the line being assembled. */
interface Outcome {
  id: string;
  taken: number;
}

/**
 * Records executed arcs (taken 1) and missing arcs (taken 0) as branch outcomes of their `from` line,
 * counting distinct arcs for the summary check. coverage.py writes both lists sorted by (from, to);
 * they are merged line by line and each line's outcomes emitted in id order, repeats folded, so the
 * builder takes its sorted fast path. Unsorted (hand-made) input is still read correctly: the builder
 * sorts and merges whatever it gets.
 */
function readArcs(entry: JsonObject, file: FileCoverageBuilder, where: string, c: Counted, sink: DiagnosticSink): void {
  const ex = arcColumns(entry, 'executed_branches', where, sink);
  const mi = arcColumns(entry, 'missing_branches', where, sink);
  const group: Outcome[] = [];
  let i = 0;
  let j = 0;
  while (i < ex.length || j < mi.length) {
    const from = j >= mi.length || (i < ex.length && ex.from[i]! <= mi.from[j]!) ? ex.from[i]! : mi.from[j]!;
    group.length = 0;
    for (; i < ex.length && ex.from[i] === from; i++) {
      if (ex.to[i] !== from) addOutcome(group, intId(ex.to[i]!), 1);
    }
    for (; j < mi.length && mi.from[j] === from; j++) addOutcome(group, intId(mi.to[j]!), 0);
    for (const o of group) {
      if (!file.branch(from, o.id, o.taken)) break;
      if (o.taken > 0) c.arcsTaken++;
      else c.arcsMissing++;
    }
  }
}

/** Inserts an outcome keeping `group` sorted by id; a repeated arc adds up (it is one outcome). */
function addOutcome(group: Outcome[], id: string, taken: number): void {
  let k = group.length;
  while (k > 0 && group[k - 1]!.id > id) k--;
  if (k > 0 && group[k - 1]!.id === id) {
    group[k - 1]!.taken += taken;
    return;
  }
  group.splice(k, 0, { id, taken });
}

/** An info diagnostic where the records disagree with the tool's own per-file `summary`. */
function checkSummary(entry: JsonObject, c: Counted, where: string, sink: DiagnosticSink): void {
  const s = own(entry, 'summary');
  if (!isObject(s)) return;
  const parts: string[] = [];
  const statements = s.num_statements;
  const covered = s.covered_lines;
  if (isNumber(covered) && covered !== c.executed) parts.push(`${c.executed} executed lines but covered_lines ${covered}`);
  if (isNumber(statements) && statements !== c.executed + c.missing) parts.push(`${c.executed + c.missing} lines but num_statements ${statements}`);
  const branches = s.num_branches;
  const coveredBranches = s.covered_branches;
  if (isNumber(coveredBranches) && coveredBranches !== c.arcsTaken) parts.push(`${c.arcsTaken} taken arcs but covered_branches ${coveredBranches}`);
  if (isNumber(branches) && branches !== c.arcsTaken + c.arcsMissing) parts.push(`${c.arcsTaken + c.arcsMissing} arcs but num_branches ${branches}`);
  if (parts.length === 0) return;
  sink.add(
    'CW_COVERAGEPY_SUMMARY_MISMATCH',
    'info',
    `files[${where}]: the records give ${parts.join(', ')}; Coverwatch counts the records ` +
      '(coverage.py 6.x lists executed docstring lines and unpredicted arcs that its summary leaves out)',
  );
}
