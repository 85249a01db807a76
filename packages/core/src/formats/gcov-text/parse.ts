import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { LineSplitter } from '../../text/line-splitter.js';
import { parseUint } from '../../text/numbers.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/** gcov's `-H/--human-readable` unit letters, in powers of 1000 (gcc `format_count`). */
const UNITS = ' kMGTPEZY';

/**
 * A copy of a string cut from a line: V8 keeps a slice of 13 or more characters as a view of the
 * decoded chunk it came from, and a function or instance name kept in the report would then keep
 * that whole chunk alive (at 5M lines every chunk stayed: 1.5 GB for a 505 MB report).
 */
const ownCopy = (s: string): string => (' ' + s).slice(1);

/** The separator gcov prints around the per-instance sections of a function group. */
const SEPARATOR = '------------------';

interface PendingFunction {
  name: string;
  hits: number;
  at: number;
}

/**
 * Classic `.gcov` text parser (gcov from gcc 4.x to current, `llvm-cov gcov`), streaming line by line.
 * The format, as gcov writes it (gcc manual, "Invoking Gcov"):
 *
 * ```
 *         -:    0:Source:tmp.c          header lines are line 0: Source, Graph, Data, Runs...
 * function main called 1 returned 100% blocks executed 75%     (-b) before the function's first line
 *         1:    3:int main (void)       <count>:<line>:<source>
 *        1*:    4:  if (x || y)         * = the line ran but one of its blocks did not
 * branch  0 taken 1 (fallthrough)       (-b) outcomes of the line above; taken as % without -c
 * branch  1 never executed              the branch's block never ran
 * call    0 returned 1                  calls are not branches: ignored
 *     #####:    5:    abort ();         executable, never executed (===== : only on exception paths)
 *         -:    6:}                     not executable: no record
 * ```
 *
 * Function groups (C++ templates, gcc >= 8) repeat their lines per instance between
 * `------------------` separators after the summed line; those repeats add no line records (the summed
 * line has them), but their branches and `function` summaries are read, with ids prefixed by the
 * instance name. See docs/formats/gcov-text.md.
 */
export function createGcovTextParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  let file: FileCoverageBuilder | null = null;
  let sawSource = false;
  let sawAnything = false;
  let noSourceReported = false;
  // Group sections: after a separator we expect an instance header ("name:") or, after the last
  // section, the main flow again.
  let expectHeader = false;
  let instance: string | null = null;
  let lastLine = -1;
  let lastLineAt = 0;
  let pending: PendingFunction | null = null;

  const bad = (at: number, what: string, text: string) =>
    sink.error('CW_GCOV_BAD_LINE', `line ${at}: expected ${what}, found "${text.slice(0, 80)}"`, at);

  const needFile = (at: number): boolean => {
    if (file !== null) return true;
    if (!sawSource && !noSourceReported) {
      noSourceReported = true;
      sink.error('CW_GCOV_NO_SOURCE', `line ${at}: coverage data before the "-:    0:Source:<path>" header; lines up to the next Source header are ignored`, at);
    }
    return false;
  };

  const onHeader = (text: string, from: number, at: number) => {
    // `-:    0:<Key>:<value>`; only Source matters (it names the file; the rest describe the run).
    if (text.startsWith('Source:', from)) {
      if (pending !== null) dropPending();
      sawSource = true;
      file = report.file(text.slice(from + 7), at);
      instance = null;
      expectHeader = false;
      lastLine = -1;
    }
  };

  const dropPending = () => {
    if (pending !== null) sink.warn('CW_GCOV_FUNCTION_WITHOUT_LINE', `line ${pending.at}: function summary not followed by a source line; ignored`, pending.at);
    pending = null;
  };

  /** Returns true when `text` is a `<count>:<line>:...` (or `-block`) line, handling it. */
  const countLine = (text: string, at: number): boolean => {
    let i = 0;
    while (i < text.length && text.charCodeAt(i) === 32) i++;
    const c1 = text.indexOf(':', i);
    if (c1 <= i) return false;
    const count = parseCountField(text, i, c1);
    if (count === INVALID) return false;
    let j = c1 + 1;
    while (j < text.length && text.charCodeAt(j) === 32) j++;
    let k = j;
    while (k < text.length && isDigit(text.charCodeAt(k))) k++;
    if (k === j) return false;
    // ':' starts the source text (gcov writes it even for empty source lines); `-block N` is a
    // per-block line of gcov -a, which we do not count.
    if (k >= text.length) return false;
    const next = text.charCodeAt(k);
    if (next !== 58 && !(next === 45 && text.startsWith('-block', k))) return false;
    const line = parseUint(text, j, k);
    if (line === 0) {
      if (next === 58) onHeader(text, k + 1, at);
      return true;
    }
    if (expectHeader) {
      // A separator followed by a source line: the group's sections are over.
      expectHeader = false;
      instance = null;
    }
    if (!needFile(at)) return true;
    const f = file!;
    lastLine = line;
    lastLineAt = at;
    if (pending !== null) {
      f.enableFunctions();
      f.fn(pending.name, line, pending.hits, null, pending.at);
      pending = null;
    }
    if (next === 45 /* -block */) return true;
    if (count === NOT_EXECUTABLE) return true;
    // Instance sections repeat lines whose summed count the main flow already recorded.
    if (instance === null) f.line(line, count, at);
    return true;
  };

  const onBranch = (text: string, at: number) => {
    // `branch %2d taken <n>[%][ (fallthrough|throw)]` or `branch %2d never executed[ (...)]`.
    let i = 6;
    while (i < text.length && text.charCodeAt(i) === 32) i++;
    const idStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i === idStart) return bad(at, '"branch <n> taken <count>" or "branch <n> never executed"', text);
    const id = text.slice(idStart, i);
    while (i < text.length && text.charCodeAt(i) === 32) i++;
    let taken: number;
    if (text.startsWith('never executed', i)) {
      taken = 0;
    } else if (text.startsWith('taken ', i)) {
      const s = i + 6;
      let e = text.indexOf(' ', s);
      if (e < 0) e = text.length;
      if (text.charCodeAt(e - 1) === 37 /* % */) {
        // Without -c gcov prints percentages, never 0% unless the count is 0 (gcc format_gcov):
        // the count is unknown, so a taken branch records 1.
        const pct = parseDecimal(text, s, e - 1);
        if (pct < 0) return bad(at, 'a percentage after "taken"', text);
        taken = pct > 0 ? 1 : 0;
      } else {
        taken = parseCountField(text, s, e);
        if (taken < 0) return bad(at, 'a count after "taken"', text);
      }
    } else {
      return bad(at, '"taken <count>" or "never executed" after the branch number', text);
    }
    if (!needFile(at)) return;
    if (lastLine < 1) {
      sink.error('CW_GCOV_BAD_LINE', `line ${at}: branch line without a preceding source line`, at);
      return;
    }
    file!.branch(lastLine, instance === null ? id : `${instance}#${id}`, taken, lastLineAt);
  };

  const onFunction = (text: string, at: number) => {
    // `function <name> called <n> returned <p>% blocks executed <q>%`; demangled names may contain
    // spaces, so the name ends at the last " called ".
    const c = text.lastIndexOf(' called ');
    if (c <= 9) return bad(at, '"function <name> called <count> returned <p>% blocks executed <q>%"', text);
    const s = c + 8;
    let e = text.indexOf(' ', s);
    if (e < 0) e = text.length;
    const hits = parseCountField(text, s, e);
    if (hits < 0) return bad(at, 'a call count after "called"', text);
    if (pending !== null) dropPending();
    pending = { name: ownCopy(text.slice(9, c)), hits, at };
  };

  const onLine = (text: string, at: number) => {
    if (text.length === 0) return;
    sawAnything = true;
    if (countLine(text, at)) return;
    if (text === SEPARATOR) {
      expectHeader = true;
      return;
    }
    if (expectHeader && text.charCodeAt(text.length - 1) === 58 /* : */) {
      // `Foo<int>::inc():` opens one instance's section.
      if (pending !== null) dropPending();
      instance = ownCopy(text.slice(0, -1));
      expectHeader = false;
      return;
    }
    if (text.startsWith('branch ')) return onBranch(text, at);
    if (text.startsWith('function ')) return onFunction(text, at);
    // Calls (`call 0 returned 1`) are not branches; `unconditional` arcs (-u) neither.
    if (text.startsWith('call ') || text.startsWith('unconditional ')) return;
    if (text.trim().length === 0) return;
    bad(at, 'a gcov line "<count>:<line>:<source>", or a "branch", "call" or "function" line', text);
  };

  const splitter = new LineSplitter(onLine, sink, options.limits.maxRecordLength);
  return {
    write: (chunk) => splitter.write(chunk),
    end(): ParseOutcome {
      splitter.end();
      if (pending !== null) dropPending();
      if (!sawAnything) sink.error('CW_GCOV_EMPTY', 'the file is empty: expected gcov output starting with "-:    0:Source:<path>"');
      else if (!sawSource && !noSourceReported) sink.error('CW_GCOV_NO_SOURCE', 'no "-:    0:Source:<path>" header: not a .gcov file, or its header was cut off');
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

const INVALID = -1;
/** The count field `-`: a line with no executable code. */
const NOT_EXECUTABLE = -2;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses gcov's count field s[start, end): `-` (NOT_EXECUTABLE), `#####`/`=====` (0: never ran, `=====`
 * only on exception paths), `%%%%%`/`$$$$$` (gcov -a block markers, 0), a count with an optional
 * `*` (gcc 8+: some block of the line never ran), or a -H count such as `1.2k`. INVALID otherwise.
 */
export function parseCountField(s: string, start: number, end: number): number {
  const len = end - start;
  if (len === 1 && s.charCodeAt(start) === 45) return NOT_EXECUTABLE;
  if (len === 5) {
    const t = s.slice(start, end);
    if (t === '#####' || t === '=====' || t === '%%%%%' || t === '$$$$$') return 0;
  }
  if (len > 1 && s.charCodeAt(end - 1) === 42 /* * */) end--;
  const n = parseUint(s, start, end);
  if (n >= 0) return n;
  // -H/--human-readable: `%.1f%c` with units k, M, G... (gcc format_count), counts >= 1000 only.
  const unit = UNITS.indexOf(s.charAt(end - 1));
  if (unit < 1) return INVALID;
  const v = parseDecimal(s, start, end - 1);
  if (v < 0) return INVALID;
  const r = Math.round(v * 1000 ** unit);
  return Number.isFinite(r) ? r : INVALID;
}

/** A non-negative decimal `123` or `12.5` in s[start, end), or -1. */
function parseDecimal(s: string, start: number, end: number): number {
  const dot = s.indexOf('.', start);
  if (dot < 0 || dot >= end) return parseUint(s, start, end);
  const a = parseUint(s, start, dot);
  const b = parseUint(s, dot + 1, end);
  if (a < 0 || b < 0) return -1;
  return a + b / 10 ** (end - dot - 1);
}
