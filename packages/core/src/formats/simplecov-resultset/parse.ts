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
 */
export function createSimplecovResultsetParser(options: ParseOptions): StreamParser {
  return createJsonFormatParser(options, (root, report, sink, limits) => readDocument(root, report, sink, limits.maxLineNumber));
}

/** One command's data for one file, and the command it came from (for messages). */
interface FileData {
  readonly command: string;
  readonly data: unknown;
}

function readDocument(root: unknown, report: ReportBuilder, sink: DiagnosticSink, maxLine: number): void {
  if (!isObject(root)) {
    sink.error('CW_SIMPLECOV_NOT_OBJECT', `expected a JSON object keyed by command name (SimpleCov .resultset.json), found ${describeJson(root)}`);
    return;
  }
  // Group by path first: a file covered by several commands must be merged with SimpleCov's rules
  // before it reaches the builder, whose merge would simply add.
  const byPath = new Map<string, FileData[]>();
  for (const command of Object.keys(root)) {
    const result = root[command];
    const coverage = isObject(result) ? own(result, 'coverage') : undefined;
    if (!isObject(coverage)) {
      sink.error('CW_SIMPLECOV_BAD_COMMAND', `${quoteKey(command)}: expected {"coverage": {path: {lines, branches}}, "timestamp": N}, found ${describeJson(isObject(result) ? coverage : result)} for "coverage"`);
      continue;
    }
    for (const path of Object.keys(coverage)) {
      const entry: FileData = { command, data: coverage[path] };
      const list = byPath.get(path);
      if (list === undefined) byPath.set(path, [entry]);
      else list.push(entry);
    }
  }
  for (const [path, list] of byPath) {
    const file = report.file(path);
    if (file === null) continue;
    readFile(path, list, file, sink, maxLine);
  }
}

function readFile(path: string, list: readonly FileData[], file: FileCoverageBuilder, sink: DiagnosticSink, maxLine: number): void {
  const where = quoteKey(path);
  const parts: JsonObject[] = [];
  let lines: LineValue[] | null = null;
  for (const { command, data } of list) {
    // Older SimpleCov: the file maps straight to its lines array (SimpleCov's ResultAdapter).
    const part: JsonObject | null = Array.isArray(data) ? { lines: data } : isObject(data) ? data : null;
    if (part === null) {
      sink.error('CW_SIMPLECOV_BAD_FILE', `${quoteKey(command)}: coverage[${where}]: expected {lines, branches} or a lines array, found ${describeJson(data)}`);
      continue;
    }
    parts.push(part);
    const arr = readLineArray(part, command, where, sink);
    if (arr !== null) lines = lines === null ? arr : mergeLines(lines, arr);
  }
  const skipped = lines === null ? null : recordLines(lines, file, where, sink, maxLine);
  for (let i = 0; i < parts.length; i++) {
    readBranches(parts[i]!, list[i]!.command, skipped, file, where, sink);
    readMethods(parts[i]!, list[i]!.command, file, where, sink);
  }
}

/**
 * The `lines` array as line values, or null if absent. Valid arrays (the normal case) are returned as
 * they are, without a copy; bad entries are diagnosed and read as null in a copy.
 */
function readLineArray(part: JsonObject, command: string, where: string, sink: DiagnosticSink): LineValue[] | null {
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
  return out ?? (raw as LineValue[]);
}

/**
 * SimpleCov's Combine::LinesCombiner: both counted -> sum; one not relevant (null) and the other 0 ->
 * not relevant; null + N -> N. A skipped line stays skipped (nocov markers are in the source, so every
 * command agrees on them). Arrays of different lengths (the file changed between runs) keep every line.
 */
function mergeLines(a: LineValue[], b: LineValue[]): LineValue[] {
  const n = Math.max(a.length, b.length);
  const out: LineValue[] = new Array<LineValue>(n);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i]! : null;
    const y = i < b.length ? b[i]! : null;
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
function recordLines(lines: LineValue[], file: FileCoverageBuilder, where: string, sink: DiagnosticSink, maxLine: number): Int32Array | null {
  let skipped: Int32Array | null = null;
  const n = Math.min(lines.length, maxLine);
  for (let i = 0; i < n; i++) {
    const v = lines[i]!;
    if (v === null) continue;
    if (v === IGNORED) {
      if (skipped === null) skipped = new Int32Array(n + 1);
      skipped[i + 1] = 1;
      continue;
    }
    file.line(i + 1, v);
  }
  for (let i = n; i < lines.length; i++) {
    if (lines[i] !== null) {
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

function readBranches(part: JsonObject, command: string, skipped: Int32Array | null, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  if (!Object.hasOwn(part, 'branches')) return;
  const branches = part.branches;
  const at = `${quoteKey(command)}: coverage[${where}].branches`;
  // Ruby's Coverage without branch mode gives no key; some writers give [] for "none".
  if (Array.isArray(branches) && branches.length === 0) return;
  if (!isObject(branches)) {
    sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: expected an object keyed by "[:if, id, line, col, end_line, end_col]", found ${describeJson(branches)}`);
    return;
  }
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
      if (skipped !== null && overlapsSkipped(skipped, line, Math.max(line, end))) continue;
      file.branch(line, `${rubyWord(arm, 1, headEnd)}:${nums[0]!}`, count);
    }
  }
  const c = badCondition.summary('a condition "[:type, id, line, col, end_line, end_col]" mapping to its arms');
  if (c !== null) sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: ${c}`);
  const a = badArm.summary('an arm "[:type, id, line, col, end_line, end_col]" with a count');
  if (a !== null) sink.error('CW_SIMPLECOV_BAD_BRANCHES', `${at}: ${a}`);
}

function readMethods(part: JsonObject, command: string, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  if (!Object.hasOwn(part, 'methods')) return;
  const methods = part.methods;
  const at = `${quoteKey(command)}: coverage[${where}].methods`;
  if (!isObject(methods)) {
    sink.error('CW_SIMPLECOV_BAD_METHODS', `${at}: expected an object keyed by "[Class, :method, line, col, end_line, end_col]", found ${describeJson(methods)}`);
    return;
  }
  file.enableFunctions();
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
    const name = `${rubyWord(key, 1, sep)}#${rubyWord(key, sep + 1, headEnd)}`;
    file.fn(name, nums[0]!, count, nums[2]!);
  }
  const text = bad.summary('a method "[Class, :method, line, col, end_line, end_col]" with a count');
  if (text !== null) sink.error('CW_SIMPLECOV_BAD_METHODS', `${at}: ${text}`);
}
