import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { createJsonFormatParser } from '../json-format.js';

/** Branch ids "0".."255", allocated once: gcovr numbers a line's branches by position. */
const BRANCH_IDS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * gcovr JSON parser (`gcovr --json` / `--json-pretty`, format versions 0.1 to 0.x of gcovr 4.2 to 8).
 *
 * `files[]` entries `{file, lines, functions}`; the path is `file` as gcovr wrote it (relative to
 * gcovr's `--root`). Counting follows gcovr's own summary (`FileCoverage.line_coverage` and friends):
 * - A line entry is a line unless `gcovr/noncode` (gcovr 5.x writes non-code lines with count 0) or
 *   `gcovr/excluded` (exclusion markers) is true; those lines and their branches are not counted.
 * - Each entry of a line's `branches` is one outcome, taken = `count`, unless the branch itself is
 *   `gcovr/excluded` (gcovr 8). Its id is its position in the list, prefixed with the line's
 *   `function_name` where gcovr 8 writes one entry per (line, function): gcovr counts those branches
 *   separately, so they must not merge.
 * - `functions[]`: `{name, lineno, execution_count}`, skipped when `gcovr/excluded`; the end line comes
 *   from gcovr 8's `pos` ("line:column"). A file entry without `functions` (never written by gcovr,
 *   but possible in hand-made files) has no function metric.
 * Decisions, conditions and calls (gcovr 7+/8 extras) are not modelled.
 */
export function createGcovrJsonParser(options: ParseOptions): StreamParser {
  return createJsonFormatParser(options, (root, report, sink) => readDocument(root, report, sink), { key: 'files', entry: (e, i, report, sink) => readEntry(e, i, report, sink) });
}

function readDocument(root: unknown, report: ReportBuilder, sink: DiagnosticSink): void {
  const files = isObject(root) ? own(root, 'files') : undefined;
  if (!Array.isArray(files)) {
    sink.error(
      'CW_GCOVR_NO_FILES',
      isObject(root)
        ? `expected "files" to be an array of {file, lines, functions}, found ${describeJson(files)}`
        : `expected a JSON object with "gcovr/format_version" and "files" (gcovr --json), found ${describeJson(root)}`,
    );
    return;
  }
  for (let i = 0; i < files.length; i++) readEntry(files[i], i, report, sink);
}

function readEntry(entry: unknown, i: number, report: ReportBuilder, sink: DiagnosticSink): void {
  if (!isObject(entry) || typeof entry.file !== 'string') {
    sink.error('CW_GCOVR_BAD_FILE', `files[${i}]: expected an object {file, lines, functions} with "file" a path, found ${describeJson(isObject(entry) ? entry.file : entry)}`);
    return;
  }
  const file = report.file(entry.file);
  if (file === null) return;
  const where = `files[${i}] (${quoteKey(entry.file)})`;
  readLines(entry, file, where, sink);
  readFunctions(entry, file, where, sink);
}

/**
 * A gcovr boolean flag: absent (false), true or false; anything else is malformed. Read directly (not
 * through `own`): this runs for every line, and a `gcovr/…` key cannot name an Object.prototype member.
 */
function flag(o: JsonObject, key: 'gcovr/noncode' | 'gcovr/excluded'): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === false) return false;
  if (v === true) return true;
  return undefined;
}

function readLines(entry: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  const lines = own(entry, 'lines');
  if (!Array.isArray(lines)) {
    sink.error('CW_GCOVR_BAD_FIELD', `${where}: expected "lines" to be an array of {line_number, count, branches}, found ${describeJson(lines)}`);
    return;
  }
  const badLine = new BadEntries();
  const badBranch = new BadEntries();
  // gcovr 8 writes one entry per (line, function), sorted, so repeats of a line are adjacent.
  let prevLine = NaN;
  let repeated = 0;
  for (let i = 0; i < lines.length; i++) {
    const l: unknown = lines[i];
    if (!isObject(l) || !isNumber(l.line_number) || !isNumber(l.count)) {
      badLine.add(i, l);
      continue;
    }
    const noncode = flag(l, 'gcovr/noncode');
    const excluded = flag(l, 'gcovr/excluded');
    if (noncode === undefined || excluded === undefined) {
      badLine.add(i, l);
      continue;
    }
    if (noncode || excluded) continue;
    const line = l.line_number;
    if (!file.line(line, l.count)) continue;
    if (line === prevLine) repeated++;
    prevLine = line;
    // Fixed key names that are not Object.prototype members: plain reads are safe (hot path).
    const branches = l.branches;
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) {
      badBranch.add(i, branches, '.branches');
      continue;
    }
    const fn = l.function_name;
    const prefix = typeof fn === 'string' ? `${fn}#` : '';
    for (let j = 0; j < branches.length; j++) {
      const b: unknown = branches[j];
      if (!isObject(b) || !isNumber(b.count)) {
        badBranch.add(i, b, badBranch.count === 0 ? `.branches[${j}]` : undefined);
        continue;
      }
      const bExcluded = flag(b, 'gcovr/excluded');
      if (bExcluded === undefined) {
        badBranch.add(i, b, badBranch.count === 0 ? `.branches[${j}]` : undefined);
        continue;
      }
      if (bExcluded) continue;
      const id = j < BRANCH_IDS.length ? BRANCH_IDS[j]! : String(j);
      file.branch(line, prefix === '' ? id : prefix + id, b.count);
    }
  }
  if (repeated > 0) {
    sink.add(
      'CW_GCOVR_LINE_PER_FUNCTION',
      'info',
      `${where}: ${repeated} line entr${repeated === 1 ? 'y repeats a line' : 'ies repeat lines'} for another function (gcovr 8 templates/inlining); ` +
        'gcovr counts each entry as a line, Coverwatch counts each line once',
    );
  }
  const lineText = badLine.summary('a line {line_number, count} with boolean gcovr/noncode and gcovr/excluded');
  if (lineText !== null) sink.error('CW_GCOVR_BAD_LINE', `${where}.lines: ${lineText}`);
  const branchText = badBranch.summary('an array of branches {count}');
  if (branchText !== null) sink.error('CW_GCOVR_BAD_BRANCH', `${where}.lines: ${branchText}`);
}

function readFunctions(entry: JsonObject, file: FileCoverageBuilder, where: string, sink: DiagnosticSink): void {
  if (!Object.hasOwn(entry, 'functions')) return;
  const fns = entry.functions;
  if (!Array.isArray(fns)) {
    sink.error('CW_GCOVR_BAD_FIELD', `${where}: expected "functions" to be an array of {name, lineno, execution_count}, found ${describeJson(fns)}`);
    return;
  }
  file.enableFunctions();
  const bad = new BadEntries();
  for (let i = 0; i < fns.length; i++) {
    const f: unknown = fns[i];
    if (!isObject(f) || typeof f.name !== 'string' || !isNumber(f.lineno) || !isNumber(f.execution_count)) {
      bad.add(i, f);
      continue;
    }
    const excluded = flag(f, 'gcovr/excluded');
    if (excluded === undefined) {
      bad.add(i, f);
      continue;
    }
    if (excluded) continue;
    file.fn(f.name, f.lineno, f.execution_count, endLine(own(f, 'pos')));
  }
  const text = bad.summary('a function {name, lineno, execution_count}');
  if (text !== null) sink.error('CW_GCOVR_BAD_FUNCTION', `${where}.functions: ${text}`);
}

/** The end line of gcovr 8's `pos: ["start:col", "end:col"]`, or null. */
function endLine(pos: unknown): number | null {
  if (!Array.isArray(pos) || typeof pos[1] !== 'string') return null;
  const s = pos[1];
  const colon = s.indexOf(':');
  const n = Number.parseInt(colon < 0 ? s : s.slice(0, colon), 10);
  return Number.isInteger(n) && n > 0 ? n : null;
}
