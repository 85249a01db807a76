import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { createJsonFormatParser } from '../json-format.js';
import { rubyWord, tailIntegers } from './ruby-tuple.js';

/** A line value after SimpleCov's merge: a count, not relevant (null), or skipped (`"ignored"`). */
type LineValue = number | null | 'ignored';

const IGNORED = 'ignored';

/**
 * A file's `lines`: an Int32Array where every value is null, "ignored" or a count below 2^31 (the
 * rule; 4 bytes a line instead of a JS array's 8, kept until the end for the merge), coded as
 * NULL_CODE / IGNORED_CODE; else the values as they are.
 */
type LineColumn = Int32Array | LineValue[];
const NULL_CODE = -1;
const IGNORED_CODE = -2;

function valueAt(lines: LineColumn, i: number): LineValue {
  if (!(lines instanceof Int32Array)) return lines[i]!;
  const v = lines[i]!;
  return v >= 0 ? v : v === NULL_CODE ? null : IGNORED;
}

/** The values as a column, coded where they all fit. */
function toColumn(values: readonly unknown[]): LineColumn {
  const n = values.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) out[i] = NULL_CODE;
    else if (typeof v === 'number' && v >= 0 && v <= 0x7fffffff && (v | 0) === v) out[i] = v;
    else if (v === IGNORED) out[i] = IGNORED_CODE;
    else return values as LineValue[];
  }
  return out;
}

/**
 * SimpleCov `.resultset.json` parser (SimpleCov 0.x and later; Ruby's `Coverage` data as SimpleCov
 * stores it between runs).
 *
 * The document maps a command name ("RSpec", "Unit Tests", one per test suite or parallel worker) to
 * `{coverage: {path: fileData}, timestamp}`. Rules (docs/formats/simplecov-resultset.md):
 * - Commands merge the way SimpleCov's `ResultMerger` combines them (Combine::LinesCombiner): per
 *   line, counts add up, but a line that one command marks not relevant (null) and another counts 0
 *   stays not relevant; null + N>0 is N. Branch and method counts add up.
 * - `lines[i]` is line i + 1: a number is a count, `null` is a line that is never relevant (comment,
 *   blank), `"ignored"` a skipped line (`:nocov:`): neither is a line of the report.
 * - `branches`: `{"[:if, id, line, col, end_line, end_col]": {"[:then, id, line, ...]": count}}`: each
 *   arm is one outcome, on SimpleCov's report line (the condition's line when the arm starts there,
 *   else the line before the arm: the `else`/`when` line), id `<type>:<id>` (e.g. `then:9`). An arm
 *   overlapping a skipped line is skipped, as SimpleCov skips branches inside `:nocov:` chunks.
 * - `methods` (SimpleCov with `enable_coverage :method`): `{"[Class, :name, line, col, end_line,
 *   end_col]": count}` -> function `Class#name`. Without any `methods`, functions stay null.
 * - Older resultsets map a path straight to the lines array.
 * SimpleCov drops commands older than `merge_timeout` when it merges; a parser has no clock to judge
 * that by, so every command in the file is merged.
 * The document streams (text/json-item-stream.ts): each file of each command's "coverage" is parsed
 * on its own as it completes and reduced at once (ResultMerger), so memory follows the report's
 * lines, not the document.
 */
export function createSimplecovResultsetParser(options: ParseOptions): StreamParser {
  const merger = new ResultMerger();
  return createJsonFormatParser(options, (root, report, sink, limits) => merger.finish(root, report, sink, limits.maxLineNumber), {
    key: [null, 'coverage'],
    kind: 'object',
    entry: (data, _i, _report, sink, _limits, path, place) => {
      // A null step also takes array elements: only an object root is keyed by command name.
      if (typeof place.at[0] === 'string') merger.add(place.at[0], path!, data, sink);
    },
  });
}

/** One command's data for one file, reduced to what the merge needs (the entry itself is not kept). */
interface FilePart {
  readonly command: string;
  readonly lines: LineColumn | null;
  readonly branches: BranchArms | null;
  readonly methods: Methods | null;
}

/** A file's branch arms: report line, last line (for the skipped test), id and count of each. */
interface BranchArms {
  readonly lines: number[];
  readonly ends: number[];
  readonly ids: string[];
  readonly counts: number[];
}

interface Methods {
  readonly names: string[];
  readonly lines: number[];
  readonly counts: number[];
  readonly endLines: number[];
}

/**
 * Collects every command's files as their entries stream in (`*.coverage`), grouped by path: a
 * file covered by several commands must be merged with SimpleCov's rules before it reaches the
 * builder, whose merge would simply add, and a later command may still cover any file. Each entry
 * is reduced to its lines array and its arms and methods in columns at once.
 */
export class ResultMerger {
  private readonly byPath = new Map<string, FilePart[]>();

  add(command: string, path: string, data: unknown, sink: DiagnosticSink): void {
    const where = quoteKey(path);
    // Older SimpleCov: the file maps straight to its lines array (SimpleCov's ResultAdapter).
    const part: JsonObject | null = Array.isArray(data) ? { lines: data } : isObject(data) ? data : null;
    if (part === null) {
      sink.error('CW_SIMPLECOV_BAD_FILE', `${quoteKey(command)}: coverage[${where}]: expected {lines, branches} or a lines array, found ${describeJson(data)}`);
      return;
    }
    // Copied: strings out of JSON.parse may be slices of the entry's text, which they would keep alive.
    const reduced: FilePart = { command: copy(command), lines: readLineArray(part, command, where, sink), branches: readBranches(part, command, where, sink), methods: readMethods(part, command, where, sink) };
    const list = this.byPath.get(path);
    if (list === undefined) this.byPath.set(copy(path), [reduced]);
    else list.push(reduced);
  }

  /** Checks the rest of the document (each command's "coverage" now empty, unless it was not streamed) and writes the merged files. */
  finish(root: unknown, report: ReportBuilder, sink: DiagnosticSink, maxLine: number): void {
    if (!isObject(root)) {
      sink.error('CW_SIMPLECOV_NOT_OBJECT', `expected a JSON object keyed by command name (SimpleCov .resultset.json), found ${describeJson(root)}`);
      return;
    }
    for (const command of Object.keys(root)) {
      const result = root[command];
      const coverage = isObject(result) ? own(result, 'coverage') : undefined;
      if (!isObject(coverage)) {
        sink.error('CW_SIMPLECOV_BAD_COMMAND', `${quoteKey(command)}: expected {"coverage": {path: {lines, branches}}, "timestamp": N}, found ${describeJson(isObject(result) ? coverage : result)} for "coverage"`);
        continue;
      }
      // Files of a "coverage" that did not stream (a command named twice: JSON.parse keeps the last).
      for (const path of Object.keys(coverage)) this.add(command, path, coverage[path], sink);
    }
    for (const [path, list] of this.byPath) {
      const file = report.file(path, undefined, true);
      if (file === null) continue;
      writeFile(path, list, file, sink, maxLine);
    }
    this.byPath.clear();
  }
}

/** A flat copy of `s` (see ReportBuilder.file on V8 sliced strings). */
const copy = (s: string) => (s.length < 13 ? s : (' ' + s).slice(1));

function writeFile(path: string, list: readonly FilePart[], file: FileCoverageBuilder, sink: DiagnosticSink, maxLine: number): void {
  let lines: LineColumn | null = null;
  for (const part of list) if (part.lines !== null) lines = lines === null ? part.lines : mergeLines(lines, part.lines);
  const skipped = lines === null ? null : recordLines(lines, file, quoteKey(path), sink, maxLine);
  for (const { branches, methods } of list) {
    if (branches !== null) {
      for (let i = 0; i < branches.ids.length; i++) {
        const line = branches.lines[i]!;
        if (skipped !== null && overlapsSkipped(skipped, line, Math.max(line, branches.ends[i]!))) continue;
        file.branch(line, branches.ids[i]!, branches.counts[i]!);
      }
    }
    if (methods !== null) {
      file.enableFunctions();
      for (let i = 0; i < methods.names.length; i++) file.fn(methods.names[i]!, methods.lines[i]!, methods.counts[i]!, methods.endLines[i]!);
    }
  }
}

/**
 * The `lines` array as line values, or null if absent. Valid arrays (the normal case) are returned as
 * they are, without a copy; bad entries are diagnosed and read as null in a copy.
 */
function readLineArray(part: JsonObject, command: string, where: string, sink: DiagnosticSink): LineColumn | null {
  if (!Object.hasOwn(part, 'lines')) return null;
  const raw = part.lines;
  if (!Array.isArray(raw)) {
    sink.error('CW_SIMPLECOV_BAD_LINES', `${quoteKey(command)}: coverage[${where}]: expected "lines" to be an array of counts, null or "ignored", found ${describeJson(raw)}`);
    return null;
  }
  let out: LineValue[] | null = null;
  const bad = new BadEntries();
  for (let i = 0; i < raw.length; i++) {
    const v: unknown = raw[i];
    if (v === null || isNumber(v) || v === IGNORED) continue;
    bad.add(i, v);
    if (out === null) out = (raw as unknown[]).slice() as LineValue[];
    out[i] = null;
  }
  const text = bad.summary('a count, null or "ignored"');
  if (text !== null) sink.error('CW_SIMPLECOV_BAD_LINES', `${quoteKey(command)}: coverage[${where}].lines: ${text}`);
  return toColumn(out ?? (raw as LineValue[]));
}

/**
 * SimpleCov's Combine::LinesCombiner: both counted -> sum; one not relevant (null) and the other 0 ->
 * not relevant; null + N -> N. A skipped line stays skipped (nocov markers are in the source, so every
 * command agrees on them). Arrays of different lengths (the file changed between runs) keep every line.
 */
function mergeLines(a: LineColumn, b: LineColumn): LineColumn {
  const n = Math.max(a.length, b.length);
  const out: LineValue[] = new Array<LineValue>(n);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? valueAt(a, i) : null;
    const y = i < b.length ? valueAt(b, i) : null;
    if (x === IGNORED || y === IGNORED) out[i] = IGNORED;
    else if (x !== null && y !== null) out[i] = x + y;
    else if (x !== null) out[i] = x === 0 ? null : x;
    else if (y !== null) out[i] = y === 0 ? null : y;
    else out[i] = null;
  }
  return out;
}

/**
 * Records the counted lines; returns prefix sums of skipped lines (`skipped[l]` = skipped lines
 * among 1..l) when the file has any, for the branch overlap test, else null.
 */
function recordLines(lines: LineColumn, file: FileCoverageBuilder, where: string, sink: DiagnosticSink, maxLine: number): Int32Array | null {
  let skipped: Int32Array | null = null;
  const n = Math.min(lines.length, maxLine);
  for (let i = 0; i < n; i++) {
    const v = valueAt(lines, i);
    if (v === null) continue;
    if (v === IGNORED) {
      if (skipped === null) skipped = new Int32Array(n + 1);
      skipped[i + 1] = 1;
      continue;
    }
    file.line(i + 1, v);
  }
  for (let i = n; i < lines.length; i++) {
    if (valueAt(lines, i) !== null) {
      sink.warn('CW_LINE_TOO_LARGE', `coverage[${where}]: "lines" has data past line ${maxLine}, the line limit; ignored`);
      break;
    }
  }
  if (skipped !== null) for (let l = 1; l < skipped.length; l++) skipped[l]! += skipped[l - 1]!;
  return skipped;
}

/** True when any line in [from, to] is skipped. */
function overlapsSkipped(skipped: Int32Array, from: number, to: number): boolean {
  const last = skipped.length - 1;
  const lo = Math.max(1, from);
  const hi = Math.min(last, to);
  return hi >= lo && skipped[hi]! - skipped[lo - 1]! > 0;
}

/** The arms of `branches`, or null if absent or empty; bad conditions and arms are diagnosed and left out. */
function readBranches(part: JsonObject, command: string, where: string, sink: DiagnosticSink): BranchArms | null {
  if (!Object.hasOwn(part, 'branches')) return null;
  const branches = part.branches;
  const at = `${quoteKey(command)}: coverage[${where}].branches`;
  // Ruby's Coverage without branch mode gives no key; some writers give [] for "none".
  if (Array.isArray(branches) && branches.length === 0) return null;
  if (!isObject(branches)) {
    sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: expected an object keyed by "[:if, id, line, col, end_line, end_col]", found ${describeJson(branches)}`);
    return null;
  }
  const out: BranchArms = { lines: [], ends: [], ids: [], counts: [] };
  const nums = [0, 0, 0, 0, 0];
  const badCondition = new BadEntries();
  const badArm = new BadEntries();
  for (const condition of Object.keys(branches)) {
    const arms = branches[condition];
    if (tailIntegers(condition, 5, nums) < 0 || !isObject(arms)) {
      badCondition.add(condition, arms);
      continue;
    }
    const conditionLine = nums[1]!;
    for (const arm of Object.keys(arms)) {
      const count = arms[arm];
      const headEnd = tailIntegers(arm, 5, nums);
      if (headEnd < 0 || !isNumber(count)) {
        badArm.add(condition, count, badArm.count === 0 ? `[${quoteKey(arm)}]` : undefined);
        continue;
      }
      const start = nums[1]!;
      const end = nums[3]!;
      // SimpleCov's Branch#report_line: an arm on the condition's line is reported there (inline),
      // any other arm on the line before its body (the `else` / `when` / `if` line).
      const line = start === conditionLine ? start : start - 1;
      out.lines.push(line);
      out.ends.push(end);
      out.ids.push(copy(`${rubyWord(arm, 1, headEnd)}:${nums[0]!}`));
      out.counts.push(count);
    }
  }
  const c = badCondition.summary('a condition "[:type, id, line, col, end_line, end_col]" mapping to its arms');
  if (c !== null) sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: ${c}`);
  const a = badArm.summary('an arm "[:type, id, line, col, end_line, end_col]" with a count');
  if (a !== null) sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: ${a}`);
  return out;
}

/** The methods of `methods` (null if absent; a present object turns the function metric on, even empty). */
function readMethods(part: JsonObject, command: string, where: string, sink: DiagnosticSink): Methods | null {
  if (!Object.hasOwn(part, 'methods')) return null;
  const methods = part.methods;
  const at = `${quoteKey(command)}: coverage[${where}].methods`;
  if (!isObject(methods)) {
    sink.error('CW_SIMPLECOV_BAD_METHODS', `${at}: expected an object keyed by "[Class, :method, line, col, end_line, end_col]", found ${describeJson(methods)}`);
    return null;
  }
  const out: Methods = { names: [], lines: [], counts: [], endLines: [] };
  const nums = [0, 0, 0, 0];
  const bad = new BadEntries();
  for (const key of Object.keys(methods)) {
    const count = methods[key];
    const headEnd = tailIntegers(key, 4, nums);
    const sep = headEnd < 0 ? -1 : key.lastIndexOf(',', headEnd - 1);
    if (sep < 1 || !isNumber(count)) {
      bad.add(key, count);
      continue;
    }
    out.names.push(copy(`${rubyWord(key, 1, sep)}#${rubyWord(key, sep + 1, headEnd)}`));
    out.lines.push(nums[0]!);
    out.counts.push(count);
    out.endLines.push(nums[2]!);
  }
  const text = bad.summary('a method "[Class, :method, line, col, end_line, end_col]" with a count');
  if (text !== null) sink.error('CW_SIMPLECOV_BAD_METHODS', `${at}: ${text}`);
  return out;
}
