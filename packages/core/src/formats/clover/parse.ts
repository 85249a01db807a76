import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { ReportBuilder } from '../../model/report.js';
import { parseCount } from '../../text/numbers.js';
import { RecordColumns } from '../../xml/record-columns.js';
import { XmlTokenizer, type XmlAttributes, type XmlRecordSpec } from '../../xml/xml-tokenizer.js';
import { anchorParse } from '../shape-anchor.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/**
 * Branch outcomes a report may declare beyond one per input byte. `truecount="1000000000"` costs a few
 * bytes, so without a budget a tiny hostile istanbul-flavoured report could demand a billion branch
 * records; real reports declare far fewer outcomes than they have bytes.
 */
const BRANCH_SLACK = 65_536;

/** Branch ids "0".."255", allocated once (istanbul flavour: only counts, so ids are positions). */
const BRANCH_IDS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const branchId = (i: number): string => (i < BRANCH_IDS.length ? BRANCH_IDS[i]! : String(i));

/**
 * istanbul-reports hard-codes `<coverage clover="3.2.0">` (lib/clover/index.js); OpenClover writes its
 * own version (4.x) and PHPUnit none. It is the one marker that tells how to read `truecount` /
 * `falsecount`, whose meaning differs between the two writers (see `onCond`).
 */
const ISTANBUL_CLOVER_VERSION = '3.2.0';

/** `<line type>` values read as record choices, by index. */
const LINE_TYPES = ['stmt', 'cond'] as const;
const STMT = 0;
const COND = 1;
/**
 * `<line>` (nearly every element of a report) read as a record of numbers. Method lines carry a
 * name, and any other type a warning: those take the general path.
 */
const RECORDS: readonly XmlRecordSpec[] = [{ element: 'line', attributes: ['num', 'count', { name: 'type', choices: LINE_TYPES }, 'truecount', 'falsecount'] }];

/** Sums of the per-file `<metrics>` a report declares, to say where its records fall short. */
interface Declared {
  methods: number;
  coveredMethods: number;
  conditionals: number;
  conditionalsRead: number;
  conditionalFiles: number;
}

/**
 * Clover XML parser: istanbul/nyc/c8/jest/vitest `clover` reporter, PHPUnit `--coverage-clover`,
 * OpenClover (Java/Groovy).
 *
 * - Path: `<file path>` when present (istanbul, OpenClover: absolute), else `<file name>` (PHPUnit
 *   writes the absolute path there; istanbul's `name` is only the basename).
 * - `<line type="stmt"|"cond" count>` is a line record with `count` hits. Several elements for one
 *   line (OpenClover: one per statement and per condition) keep the largest count, not the sum: they
 *   are the same executions of that line.
 * - `type="cond"` branches: istanbul writes `truecount` = covered branches and `falsecount` = missed
 *   branches of the line (istanbul-reports lib/clover), so outcomes "0".."t+f-1" are synthesized,
 *   the first t taken. Clover proper (OpenClover, the format's definition) writes how often the
 *   condition evaluated true and false: two real outcomes, "k:true" and "k:false" (k-th condition of
 *   the line), with those counts.
 * - `type="method"` is a function (name from `name`, else `signature`) at that line with `count`
 *   calls; it is not a line record (PHPUnit puts it on the declaration line and counts it apart from
 *   statements). A document without any method line has no function metric: istanbul declares only
 *   per-file counts in `<metrics methods=... coveredmethods=...>`, with no name or line to identify a
 *   function by, so those counts are reported in a diagnostic and functions stay null.
 * See docs/formats/clover.md.
 *
 * `fastRecords` false reads every `<line>` through `openTag` (tests compare both paths).
 */
export function createCloverParser(options: ParseOptions, fastRecords = true): StreamParser {
  shapeAnchor ??= anchorParse(newCloverParser({ fileName: 'anchor.xml', limits: DEFAULT_LIMITS }, true), ANCHOR_HEAD, ANCHOR_BODY, ANCHOR_TAIL);
  return newCloverParser(options, fastRecords);
}

/** A small parse kept alive for the life of the process (formats/shape-anchor.ts says why). */
let shapeAnchor: unknown = null;
const ANCHOR_HEAD = '<coverage clover="3.2.0"><project>';
const ANCHOR_BODY = '<package name="p"><file name="a.js" path="/p/a.js">\n  <metrics conditionals="2"/>\n  <line num="1" count="1" type="stmt"/>\n  <line num="2" count="1" type="cond" truecount="1" falsecount="1"/>\n</file></package>';
const ANCHOR_TAIL = '</project></coverage>';

function newCloverParser(options: ParseOptions, fastRecords: boolean): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  const files = new Set<FileCoverageBuilder>();
  const declared: Declared = { methods: 0, coveredMethods: 0, conditionals: 0, conditionalsRead: 0, conditionalFiles: 0 };

  let sawRoot = false;
  let wrongRoot = false;
  let istanbul = false;
  let inFile = false;
  let file: FileCoverageBuilder | null = null;
  /** The current file's records, handed to `file` in bulk. */
  const cols = new RecordColumns(options.limits);
  /** Per-file `<metrics conditionals>` (-1 when absent) and outcomes read, for the cross-check. */
  let fileConditionals = -1;
  let fileOutcomes = 0;
  let sawMethod = false;
  let sawFile = false;
  // The line being accumulated (elements of one line are adjacent in every producer's output).
  let pendingLine = -1;
  let pendingHits = 0;
  let pendingAt: number | undefined;
  /** Which condition of its line a Clover-proper cond element is (its branch ids must differ). */
  let condLine = -1;
  let condIndex = 0;
  let bytesSeen = 0;
  let outcomes = 0;
  let warnedBudget = false;
  const warnedElements = new Set<string>();

  const flushLine = () => {
    if (pendingLine > 0 && file !== null && !cols.line(pendingLine, pendingHits)) file.line(pendingLine, pendingHits, pendingAt);
    pendingLine = -1;
  };

  /**
   * The report line of the element being read, for diagnostics only. Finding it costs a newline scan,
   * so the hot path asks for it only when a value is out of range and the builder will warn.
   */
  const atIf = (outOfRange: boolean): number | undefined => (outOfRange ? tok.line : undefined);

  /** Records that `line` ran `hits` times; elements of the same line keep the largest count. */
  const addLine = (line: number, hits: number) => {
    if (line === pendingLine) {
      if (hits > pendingHits) {
        pendingHits = hits;
        pendingAt = atIf(hits > options.limits.maxHits);
      }
      return;
    }
    flushLine();
    pendingLine = line;
    pendingHits = hits;
    pendingAt = atIf(hits > options.limits.maxHits);
  };

  const bad = (what: string) => {
    const at = tok.line;
    sink.error('CW_CLOVER_BAD_LINE', `line ${at}: expected ${what}`, at);
  };

  const withinBudget = (n: number): boolean => {
    if (outcomes + n > bytesSeen + BRANCH_SLACK) {
      if (!warnedBudget) {
        warnedBudget = true;
        const at = tok.line;
        sink.error('CW_CLOVER_TOO_MANY_BRANCHES', `line ${at}: the report declares more branch outcomes than it could plausibly hold; the rest are ignored`, at);
      }
      return false;
    }
    outcomes += n;
    return true;
  };

  const onLine = (attrs: XmlAttributes) => {
    if (!inFile) {
      const at = tok.line;
      sink.error('CW_CLOVER_OUTSIDE_FILE', `line ${at}: <line> must be inside a <file> element`, at);
      return;
    }
    if (file === null) return; // the <file> was refused (diagnosed there)
    // uint() reads a number in place (no string); -2 = absent, -1 = not a non-negative integer.
    const line = attrs.uint('num');
    if (line < 1) return bad(`<line num="..."> with a positive integer, found ${quote(attrs.get('num'))}`);
    if (line > options.limits.maxLineNumber) {
      // Let the builder report it with its standard code; nothing of this element is kept.
      file.line(line, 0, tok.line);
      return;
    }
    // The type is compared in place (no string) for the three known ones.
    const type = attrs.is('type', 'stmt') ? 'stmt' : attrs.is('type', 'cond') ? 'cond' : attrs.is('type', 'method') ? 'method' : attrs.get('type');
    const count = readCount(attrs, 'count');
    const countText = count === -1 ? attrs.get('count') : undefined;
    if (type === 'stmt') {
      if (count < 0) return bad(`<line type="stmt" count="..."> with a non-negative count, found ${quote(countText)}`);
      addLine(line, count);
      return;
    }
    if (type === 'cond') {
      const t = attrs.uint('truecount');
      const f = attrs.uint('falsecount');
      if (t >= 0 && f >= 0) return onCond(line, count, countText, t, f);
      bad(`<line type="cond" truecount="..." falsecount="..."> with non-negative integers, found ${quote(attrs.get('truecount'))} and ${quote(attrs.get('falsecount'))}`);
      // The line itself still ran `count` times.
      if (count >= 0) addLine(line, count);
      return;
    }
    if (type === 'method') {
      if (count < 0) return bad(`<line type="method" count="..."> with a non-negative count, found ${quote(countText)}`);
      sawMethod = true;
      const name = attrs.get('name') ?? attrs.get('signature') ?? '(method)';
      file.fn(name, line, count, null, tok.line);
      return;
    }
    const at = tok.line;
    if (type === undefined) {
      // The Clover DTD requires `type`; a count alone is still a line record.
      sink.warn('CW_CLOVER_NO_TYPE', `line ${at}: <line> without type; read as type="stmt"`, at);
      if (count < 0) return bad(`<line count="..."> with a non-negative count, found ${quote(countText)}`);
      addLine(line, count);
      return;
    }
    sink.warn('CW_CLOVER_UNKNOWN_TYPE', `line ${at}: <line type=${quote(type)}> is not stmt, cond or method; ignored`, at);
  };

  /** `count` is -2 when absent, -1 when malformed (then `countText` holds the text). */
  const onCond = (line: number, count: number, countText: string | undefined, t: number, f: number) => {
    if (istanbul) {
      // istanbul: truecount = covered branches, falsecount = missed branches (not evaluation counts).
      if (count < 0) return bad(`<line type="cond" count="..."> with a non-negative count, found ${quote(countText)}`);
      addLine(line, count);
      const n = t + f;
      if (!withinBudget(n)) return;
      fileOutcomes += n;
      for (let i = 0; i < n; i++) {
        const id = branchId(i);
        const taken = i < t ? 1 : 0;
        if (!cols.branch(line, id, taken)) file!.branch(line, id, taken);
      }
      return;
    }
    // Clover proper: the condition evaluated true t times and false f times. OpenClover writes no
    // count on cond lines; the condition was evaluated t + f times, so the line ran that often.
    if (count === -1) return bad(`<line type="cond" count="..."> with a non-negative count, found ${quote(countText)}`);
    addLine(line, count >= 0 ? count : t + f);
    if (line === condLine) condIndex++;
    else {
      condLine = line;
      condIndex = 0;
    }
    if (!withinBudget(2)) return;
    fileOutcomes += 2;
    const max = options.limits.maxHits;
    const idTrue = `${condIndex}:true`;
    const idFalse = `${condIndex}:false`;
    if (!cols.branch(line, idTrue, t)) file!.branch(line, idTrue, t, atIf(t > max));
    if (!cols.branch(line, idFalse, f)) file!.branch(line, idFalse, f, atIf(f > max));
  };

  /**
   * A regular `<line type="stmt"|"cond">` read as a record (see XmlHandler.record): the same steps
   * as `onLine`, which still reads whatever a record cannot say (diagnostics quote attributes).
   */
  const record = (_kind: number, v: Float64Array): boolean => {
    if (wrongRoot || file === null) return false;
    const line = v[0]!;
    const count = v[1]!;
    const type = v[2]!;
    if (line < 1 || line > options.limits.maxLineNumber) return false;
    if (type === STMT) {
      if (count < 0) return false;
      addLine(line, count);
      return true;
    }
    if (type !== COND) return false;
    const t = v[3]!;
    const f = v[4]!;
    if (t < 0 || f < 0) return false;
    onCond(line, count, undefined, t, f);
    return true;
  };

  const onMetrics = (attrs: XmlAttributes) => {
    // Only a file's own <metrics> (not a <class>'s, package's or project's) is cross-checked.
    const open = tok.openElements;
    if (!inFile || open[open.length - 2] !== 'file') return;
    const methods = countAttr(attrs, 'methods');
    if (methods > 0) {
      declared.methods += methods;
      declared.coveredMethods += Math.max(0, countAttr(attrs, 'coveredmethods'));
    }
    fileConditionals = countAttr(attrs, 'conditionals');
  };

  const closeFile = () => {
    flushLine();
    condLine = -1;
    if (fileConditionals >= 0 && fileConditionals !== fileOutcomes) {
      declared.conditionals += fileConditionals;
      declared.conditionalsRead += fileOutcomes;
      declared.conditionalFiles++;
    }
    inFile = false;
    file = null;
    cols.start(null);
  };

  const tok: XmlTokenizer = new XmlTokenizer(
    {
      openTag(name, attrs) {
        // Compare tag names with ===, most frequent first: this runs once per element.
        if (wrongRoot) return;
        if (name === 'line') return onLine(attrs);
        if (name === 'metrics') return onMetrics(attrs);
        if (name === 'file') {
          const at = tok.line;
          if (inFile) {
            sink.error('CW_CLOVER_BAD_FILE', `line ${at}: <file> inside another <file>`, at);
            closeFile();
          }
          sawFile = true;
          inFile = true;
          file = null;
          fileConditionals = -1;
          fileOutcomes = 0;
          // istanbul: name = basename, path = absolute; OpenClover: both; PHPUnit: name = absolute path.
          const path = attrs.get('path') ?? attrs.get('name');
          if (path === undefined || path.length === 0) {
            sink.error('CW_CLOVER_BAD_FILE', `line ${at}: expected <file path="..."> or <file name="..."> with a non-empty path`, at);
            return;
          }
          file = report.file(path, at);
          cols.start(file);
          if (file !== null) files.add(file);
          return;
        }
        if (name === 'class' || name === 'package' || name === 'project' || name === 'testproject') return;
        if (!sawRoot) {
          sawRoot = true;
          if (name !== 'coverage') {
            wrongRoot = true;
            const at = tok.line;
            sink.error('CW_CLOVER_NOT_COVERAGE', `line ${at}: expected the root element <coverage>, found <${name.slice(0, 40)}>`, at);
            return;
          }
          istanbul = attrs.get('clover') === ISTANBUL_CLOVER_VERSION;
          return;
        }
        if (!warnedElements.has(name) && warnedElements.size < 16) {
          warnedElements.add(name);
          const at = tok.line;
          sink.warn('CW_CLOVER_UNKNOWN_ELEMENT', `line ${at}: unexpected element <${name.slice(0, 40)}>; ignored`, at);
        }
      },
      closeTag(name) {
        if (name === 'file' && inFile) closeFile();
      },
      record,
    },
    sink,
    { maxTokenLength: options.limits.maxRecordLength, records: fastRecords ? RECORDS : [] },
  );

  return {
    write(chunk) {
      bytesSeen += chunk.length;
      tok.write(chunk);
    },
    end(): ParseOutcome {
      tok.end();
      if (inFile) closeFile();
      if (!sawRoot && !tok.hasFailed) sink.error('CW_CLOVER_NOT_COVERAGE', 'expected the root element <coverage>');
      else if (!sawFile && !wrongRoot && !tok.hasFailed) sink.add('CW_CLOVER_NO_FILES', 'info', 'the report holds no <file> element');
      if (sawMethod) for (const f of files) f.enableFunctions();
      else if (declared.methods > 0) {
        sink.add(
          'CW_CLOVER_FUNCTIONS_UNAVAILABLE',
          'info',
          `the report's <metrics> declare ${declared.methods} methods (${declared.coveredMethods} covered) but no <line type="method"> names or places them; ` +
            'functions are not reported (no function can be identified)',
        );
      }
      if (declared.conditionalFiles > 0) {
        sink.add(
          'CW_CLOVER_CONDITIONALS_MISMATCH',
          'info',
          `${declared.conditionalFiles} files declare ${declared.conditionals} conditionals in <metrics> but their <line> elements hold ${declared.conditionalsRead} branch outcomes; ` +
            'Coverwatch counts the outcomes on lines (istanbul drops branches whose line starts no statement)',
        );
      }
      const diagnostics = sink.finish();
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics };
    },
  };
}

/** A non-negative integer attribute, or -1 when absent or malformed. */
function countAttr(attrs: XmlAttributes, name: string): number {
  const n = attrs.uint(name);
  return n < 0 ? -1 : n;
}

/**
 * A hit count: an integer read in place, or a decimal some producers write ("1.0", "1e3"); -2 when
 * the attribute is absent, -1 when it is no count.
 */
function readCount(attrs: XmlAttributes, name: string): number {
  const n = attrs.uint(name);
  if (n !== -1) return n;
  return parseCount(attrs.get(name) ?? '');
}

function quote(v: string | undefined): string {
  return v === undefined ? 'nothing' : `"${v.slice(0, 40)}"`;
}
