import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { ReportBuilder } from '../../model/report.js';
import { parseCount, parseUint } from '../../text/numbers.js';
import { RecordColumns } from '../../xml/record-columns.js';
import { ABSENT, XmlTokenizer, type XmlAttributes, type XmlRecordSpec } from '../../xml/xml-tokenizer.js';
import { anchorParse } from '../shape-anchor.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/**
 * Branch outcomes a report may declare beyond one per input byte. `condition-coverage="0% (0/N)"`
 * costs a few bytes whatever N is, so without a budget a small hostile report could demand billions
 * of branch records; real reports declare far fewer outcomes than they have bytes.
 */
const CONDITION_SLACK = 65_536;

/** Branch ids "0".."255", allocated once: Cobertura only numbers a line's outcomes. */
const BRANCH_IDS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const branchId = (i: number): string => (i < BRANCH_IDS.length ? BRANCH_IDS[i]! : String(i));

/**
 * `<line>` (nearly every element of a report) read as a record of numbers: v[0] number, v[1] hits,
 * v[2] branch, v[3]/v[4] condition-coverage's taken/total. A `<line>` with `<conditions>` children
 * is no self-closing tag and is never a record.
 */
const RECORDS: readonly XmlRecordSpec[] = [
  { element: 'line', attributes: ['number', 'hits', { name: 'branch', choices: ['false', 'true'] }, { name: 'condition-coverage', fraction: true }] },
];

/** The summary attributes of `<coverage>` (-1 where absent or not a count). */
interface Declared {
  readonly at: number;
  readonly linesValid: number;
  readonly linesCovered: number;
  readonly branchesValid: number;
  readonly branchesCovered: number;
  readonly functionsValid: number;
}

/**
 * Cobertura XML parser: Cobertura itself, coverage.py `coverage xml`, gcovr `--xml`, istanbul/nyc/c8
 * `--reporter=cobertura`, coverlet and others. The rules, and why they reproduce each producer's
 * own numbers, are in docs/formats/cobertura.md. In short:
 *
 * - Every `<class filename=...>` is (part of) a source file; classes with the same filename (Java
 *   inner classes) merge. The path is `filename` exactly as written; `<sources>` is not prepended.
 * - Lines come only from the class's own `<lines>`; `<method><lines>` repeat class lines (Cobertura,
 *   coverlet) or name a declaration line (istanbul) and would double count.
 * - `condition-coverage="P% (a/b)"` gives the line b branch outcomes, a of them taken. Which ones is
 *   not said, so outcomes 0..a-1 are recorded as taken once and the rest as never taken.
 * - `<method>` gives a function (name, first line of its `<lines>`) with hits from its `hits`
 *   attribute (istanbul) or else its most-run line. A document without any `<method>` has no
 *   function metric (coverage.py, gcovr 5.x).
 * - The summary attributes of `<coverage>` are never data; where they disagree with the records (nyc
 *   drops branches from `<line>` but counts them in `branches-valid`) an info diagnostic says so.
 */
export function createCoberturaParser(options: ParseOptions, fastRecords = true): StreamParser {
  shapeAnchor ??= anchorParse(newCoberturaParser({ fileName: 'anchor.xml', limits: DEFAULT_LIMITS }, true), ANCHOR_HEAD, ANCHOR_BODY, ANCHOR_TAIL);
  return newCoberturaParser(options, fastRecords);
}

/** A small parse kept alive for the life of the process (formats/shape-anchor.ts says why). */
let shapeAnchor: unknown = null;
const ANCHOR_HEAD = '<coverage lines-valid="1"><packages><package name="p"><classes>';
const ANCHOR_BODY =
  '<class name="a" filename="a.js"><methods><method name="f" hits="1" signature="()V"><lines><line number="1" hits="1"/></lines></method></methods>\n' +
  '<lines><line number="1" hits="1" branch="false"/>\n<line number="2" hits="3" branch="true" condition-coverage="50% (1/2)"/></lines></class>';
const ANCHOR_TAIL = '</classes></package></packages></coverage>';

function newCoberturaParser(options: ParseOptions, fastRecords: boolean): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const limits = options.limits;
  const report = new ReportBuilder(sink, options.limits);
  /** Files that came from a `<class>`: all get a function metric when the document has methods. */
  const classFiles = new Set<FileCoverageBuilder>();

  let rootSeen = false;
  /** Set when the root is not `<coverage>`: the document is diagnosed once and otherwise ignored. */
  let foreign = false;
  let declared: Declared | null = null;
  let inClass = false;
  let file: FileCoverageBuilder | null = null;
  /** The class's line and branch records, handed to `file` in bulk. */
  const cols = new RecordColumns(limits);
  let classCount = 0;
  let bytesSeen = 0;

  // The <method> being read.
  let inMethod = false;
  let sawMethod = false;
  let methodName: string | null = null;
  let methodHits = 0;
  let methodHasHits = false;
  let methodFirstLine = 0;
  let methodLastLine = 0;
  let methodMaxLineHits = 0;

  // What the records add up to, to cross-check the summary attributes.
  let lineElements = 0;
  let lineElementsCovered = 0;
  let outcomes = 0;
  let outcomesTaken = 0;
  /** The line number of the `<line>` whose `<condition>` children give its branches (0: none). */
  let conditionLine = 0;
  let strayLineWarned = false;

  // readConditionCoverage's result (no allocation per line).
  let condTaken = 0;
  let condTotal = 0;

  const openTag = (name: string, attrs: XmlAttributes) => {
    if (foreign) return;
    if (!rootSeen) {
      rootSeen = true;
      const at = tokenizer.line;
      if (name !== 'coverage') {
        sink.error('CW_COBERTURA_NOT_COBERTURA', `line ${at}: expected the root element <coverage>, found <${name.slice(0, 40)}>`, at);
        foreign = true;
        return;
      }
      declared = readDeclared(attrs, at);
      return;
    }
    switch (name) {
      case 'line':
        if (inMethod) methodLine(attrs);
        else if (inClass) classLine(attrs);
        else if (!strayLineWarned) {
          strayLineWarned = true;
          const at = tokenizer.line;
          sink.warn('CW_COBERTURA_STRAY_LINE', `line ${at}: <line> outside any <class>; ignored (and any further ones)`, at);
        }
        return;
      case 'class':
        openClass(attrs);
        return;
      case 'method':
        if (inClass) openMethod(attrs);
        return;
      case 'condition':
        if (conditionLine > 0) readCondition(attrs);
        return;
      default:
        // <sources>, <packages>, <package>, <classes>, <methods>, <lines>, <conditions>... carry no
        // data we read; unknown elements are extensions and are ignored.
        return;
    }
  };

  const closeTag = (name: string) => {
    if (name === 'line') {
      conditionLine = 0;
    } else if (name === 'method') {
      if (inMethod) finishMethod();
      inMethod = false;
    } else if (name === 'class') {
      inClass = false;
      inMethod = false;
      file = null;
      cols.start(null);
    }
  };

  const openClass = (attrs: XmlAttributes) => {
    const at = tokenizer.line;
    if (inClass) sink.error('CW_COBERTURA_NESTED_CLASS', `line ${at}: <class> inside another <class>; expected </class> first`, at);
    inClass = true;
    inMethod = false;
    classCount++;
    const path = attrs.get('filename');
    if (path === undefined || path.length === 0) {
      sink.error('CW_COBERTURA_BAD_CLASS', `line ${at}: expected <class> with a filename="<source path>" attribute; class skipped`, at);
      file = null;
      cols.start(null);
      return;
    }
    file = report.file(path, at);
    cols.start(file);
    if (file !== null) classFiles.add(file);
  };

  /** A `<line>` of the class: the line's hits, and its branch outcomes from condition-coverage. */
  const classLine = (attrs: XmlAttributes) => {
    // Integers are read in place (no string); decimals ("1.0") and negatives take the slow path.
    const number = numberAttr(attrs, 'number');
    const hits = numberAttr(attrs, 'hits');
    if (Number.isNaN(number) || Number.isNaN(hits)) {
      const at = tokenizer.line;
      const numberText = attrs.get('number');
      const hitsText = attrs.get('hits');
      const found =
        numberText === undefined ? 'no number attribute'
        : hitsText === undefined ? 'no hits attribute'
        : Number.isNaN(number) ? `number="${numberText.slice(0, 40)}"`
        : `hits="${hitsText.slice(0, 40)}"`;
      sink.error('CW_COBERTURA_BAD_LINE', `line ${at}: expected <line number="<line number>" hits="<count>">, found ${found}`, at);
      return;
    }
    if (!lineData(number, hits)) return;
    const cc = attrs.get('condition-coverage');
    if (cc === undefined) {
      // No per-line counts: the line's <condition> children, if any, give its branches.
      conditionLine = number;
      return;
    }
    if (!readConditionCoverage(cc)) {
      const at = tokenizer.line;
      sink.error('CW_COBERTURA_BAD_CONDITION', `line ${at}: expected condition-coverage="<percent>% (<taken>/<total>)" with taken <= total, found "${cc.slice(0, 60)}"`, at);
      return;
    }
    conditionCoverage(number, condTaken, condTotal);
  };

  /** A class line's counts: false when the line is not recorded (and its branches are not either). */
  const lineData = (number: number, hits: number): boolean => {
    lineElements++;
    if (hits > 0) lineElementsCovered++;
    if (file === null) return false;
    // The report line is only needed for a diagnostic, and finding it costs a newline scan, so it is
    // computed when the builder would warn (out-of-range numbers) or we report a problem.
    const inRange = Number.isInteger(number) && number >= 1 && number <= limits.maxLineNumber && hits >= 0 && hits <= limits.maxHits;
    if (inRange) {
      if (!cols.line(number, hits)) file.line(number, hits);
      return true;
    }
    return file.line(number, hits, tokenizer.line);
  };

  /** condition-coverage's `taken/total` of a recorded line: its branch outcomes. */
  const conditionCoverage = (number: number, taken: number, total: number) => {
    if (outcomes + total > bytesSeen + CONDITION_SLACK) {
      const at = tokenizer.line;
      sink.error(
        'CW_COBERTURA_TOO_MANY_CONDITIONS',
        `line ${at}: condition-coverage declares ${total} branch outcomes, more than a report of this size can hold; branches of this line ignored`,
        at,
      );
      return;
    }
    outcomes += total;
    outcomesTaken += taken;
    // Same line number and counts of 0 or 1: the builder has nothing to warn about, so no `at`.
    for (let i = 0; i < total; i++) {
      const id = branchId(i);
      const t = i < taken ? 1 : 0;
      if (!cols.branch(number, id, t)) file!.branch(number, id, t);
    }
  };

  /**
   * A regular self-closing `<line>` read as a record (see XmlHandler.record): the steps of
   * openTag + closeTag for it; anything those would diagnose goes to them (false).
   */
  const record = (_kind: number, v: Float64Array): boolean => {
    if (foreign) return false;
    const number = v[0]!;
    const hits = v[1]!;
    if (number < 1 || hits < 0) return false;
    if (inMethod) {
      methodLineData(number, hits);
    } else if (inClass) {
      const taken = v[3]!;
      const total = v[4]!;
      if (taken > total) return false;
      if (lineData(number, hits) && taken !== ABSENT) conditionCoverage(number, taken, total);
    } else {
      return false;
    }
    // (What closeTag does for </line>.)
    conditionLine = 0;
    return true;
  };

  /**
   * `<condition number="0" type="jump" coverage="50%"/>` inside a `<line>` that has no
   * condition-coverage (coverlet and JaCoCo-converted reports write both; only this case needs it).
   * A condition is a two-way decision: 2 outcomes, `round(coverage × 2)` of them taken, with ids
   * `<number>:0` and `<number>:1` so the same condition merges across reports.
   */
  const readCondition = (attrs: XmlAttributes) => {
    const cov = attrs.get('coverage');
    const num = attrs.get('number') ?? '0';
    const m = cov === undefined ? null : /^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$/.exec(cov);
    const pct = m === null ? NaN : Number(m[1]);
    if (!(pct >= 0 && pct <= 100) || num.length > 32) {
      const at = tokenizer.line;
      sink.error('CW_COBERTURA_BAD_CONDITION', `line ${at}: expected <condition number="<n>" coverage="<percent>%">, found coverage="${(cov ?? '').slice(0, 40)}"`, at);
      return;
    }
    if (file === null || outcomes + 2 > bytesSeen + CONDITION_SLACK) return;
    const taken = Math.round((pct * 2) / 100);
    outcomes += 2;
    outcomesTaken += taken;
    file.branch(conditionLine, `${num}:0`, taken >= 1 ? 1 : 0);
    file.branch(conditionLine, `${num}:1`, taken >= 2 ? 1 : 0);
  };

  const openMethod = (attrs: XmlAttributes) => {
    sawMethod = true;
    inMethod = true;
    methodFirstLine = 0;
    methodLastLine = 0;
    methodMaxLineHits = 0;
    methodHasHits = false;
    methodName = attrs.get('name') ?? null;
    if (methodName === null) {
      const at = tokenizer.line;
      sink.error('CW_COBERTURA_BAD_METHOD', `line ${at}: expected <method> with a name="<function name>" attribute; method skipped`, at);
    }
    const n = numberAttr(attrs, 'hits');
    if (Number.isNaN(n)) {
      const h = attrs.get('hits');
      if (h !== undefined) {
        const at = tokenizer.line;
        sink.error('CW_COBERTURA_BAD_METHOD', `line ${at}: expected <method hits="<count>">, found hits="${h.slice(0, 40)}"`, at);
      }
    } else {
      methodHits = n;
      methodHasHits = true;
    }
  };

  /** A `<line>` inside `<method><lines>`: it places the method, and never adds line data. */
  const methodLine = (attrs: XmlAttributes) => {
    const n = attrs.uint('number');
    if (n < 1) {
      const text = attrs.get('number');
      const at = tokenizer.line;
      sink.error('CW_COBERTURA_BAD_LINE', `line ${at}: expected a method's <line number="<positive line number>">, found ${text === undefined ? 'none' : `"${text.slice(0, 40)}"`}`, at);
      return;
    }
    let h = attrs.uint('hits');
    if (h === -2) h = 0;
    else if (h === -1) h = parseCount(attrs.get('hits') ?? '');
    methodLineData(n, h);
  };

  const methodLineData = (n: number, hits: number) => {
    if (methodFirstLine === 0 || n < methodFirstLine) methodFirstLine = n;
    if (n > methodLastLine) methodLastLine = n;
    if (hits > methodMaxLineHits) methodMaxLineHits = hits;
  };

  /** At `</method>` (or the end of input): records the function. */
  const finishMethod = () => {
    if (file === null || methodName === null) return;
    if (methodFirstLine === 0) {
      const at = tokenizer.line;
      sink.warn('CW_COBERTURA_METHOD_WITHOUT_LINE', `line ${at}: <method name="${methodName.slice(0, 80)}"> (ending here) has no <line>, so it cannot be placed; ignored`, at);
      return;
    }
    // Cobertura and coverlet write no method hits: a method ran when any of its lines ran.
    const hits = methodHasHits ? methodHits : methodMaxLineHits;
    // A one-line method (istanbul lists only the declaration line) says nothing about where it ends.
    const end = methodLastLine > methodFirstLine ? methodLastLine : null;
    // As for lines, the report line (here: of </method>) is only worked out when the builder may warn.
    const inRange = methodFirstLine <= limits.maxLineNumber && hits >= 0 && hits <= limits.maxHits;
    file.fn(methodName, methodFirstLine, hits, end, inRange ? undefined : tokenizer.line);
  };

  /** "50% (1/2)" -> condTaken 1, condTotal 2. The percentage is redundant and not read. */
  const readConditionCoverage = (s: string): boolean => {
    const open = s.indexOf('(');
    const slash = s.indexOf('/', open + 1);
    const close = s.indexOf(')', open + 1);
    if (open < 0 || slash < 0 || close < 0 || slash > close) return false;
    const a = parseUintTrimmed(s, open + 1, slash);
    const b = parseUintTrimmed(s, slash + 1, close);
    if (a < 0 || b < 0 || a > b) return false;
    condTaken = a;
    condTotal = b;
    return true;
  };

  const tokenizer = new XmlTokenizer({ openTag, closeTag, record }, sink, {
    maxTokenLength: options.limits.maxRecordLength,
    records: fastRecords ? RECORDS : [],
  });

  const crossCheck = (d: Declared) => {
    const diffs: string[] = [];
    const cmp = (what: string, attr: number, ours: number) => {
      if (attr >= 0 && attr !== ours) diffs.push(`${what}="${attr}" (records: ${ours})`);
    };
    cmp('lines-valid', d.linesValid, lineElements);
    cmp('lines-covered', d.linesCovered, lineElementsCovered);
    cmp('branches-valid', d.branchesValid, outcomes);
    cmp('branches-covered', d.branchesCovered, outcomesTaken);
    if (diffs.length > 0) {
      sink.add('CW_COBERTURA_SUMMARY_MISMATCH', 'info', `<coverage> declares ${diffs.join(', ')}; Coverwatch counts the records`, d.at);
    }
    if (d.functionsValid > 0 && !sawMethod) {
      sink.add(
        'CW_COBERTURA_NO_METHODS',
        'info',
        `<coverage> declares functions-valid="${d.functionsValid}" but lists no <method> (gcovr 5.x writes empty <methods/>): this report has no per-file function coverage`,
        d.at,
      );
    }
  };

  return {
    write(chunk) {
      bytesSeen += chunk.length;
      tokenizer.write(chunk);
    },
    end(): ParseOutcome {
      tokenizer.end();
      // (A truncated report ends inside a class: keep what was read of it.)
      cols.start(null);
      if (inMethod) finishMethod();
      // A document with methods has a function metric in every file (an istanbul file without
      // functions has 0 of them); one without any <method> has none (coverage.py, gcovr 5.x).
      if (sawMethod) for (const f of classFiles) f.enableFunctions();
      if (declared !== null && !sink.hasErrors) {
        // (A truncated or corrupt report disagrees with its summary for that reason alone.)
        if (classCount === 0) sink.warn('CW_COBERTURA_NO_CLASSES', 'the report has no <class> elements: it covers no source files');
        crossCheck(declared);
      }
      const diagnostics = sink.finish();
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics };
    },
  };
}

function readDeclared(attrs: XmlAttributes, at: number): Declared {
  const num = (name: string) => {
    const v = attrs.get(name);
    return v === undefined ? -1 : parseUint(v);
  };
  return {
    at,
    linesValid: num('lines-valid'),
    linesCovered: num('lines-covered'),
    branchesValid: num('branches-valid'),
    branchesCovered: num('branches-covered'),
    functionsValid: num('functions-valid'),
  };
}

/**
 * Attribute `name` read as by readNumber (NaN when absent too), without making a string when it is a
 * plain non-negative integer (nearly always).
 */
function numberAttr(attrs: XmlAttributes, name: string): number {
  const n = attrs.uint(name);
  if (n >= 0) return n;
  if (n === -2) return Number.NaN;
  return readNumber(attrs.get(name) ?? '');
}

/**
 * A line number or hit count as written: a non-negative integer or decimal ("1.0"), or a negative
 * one returned as is so that the builder warns about it as out of range; NaN when it is no number.
 */
function readNumber(text: string): number {
  if (text.charCodeAt(0) === 45 /* - */) {
    const n = parseCount(text, 1);
    return n < 0 ? Number.NaN : -n;
  }
  const n = parseCount(text);
  return n < 0 ? Number.NaN : n;
}

/** parseUint of s[start, end) ignoring surrounding spaces; -1 when not a non-negative integer. */
function parseUintTrimmed(s: string, start: number, end: number): number {
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  return parseUint(s, start, end);
}
