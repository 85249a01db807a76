import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { ReportBuilder } from '../../model/report.js';
import { RecordColumns } from '../../xml/record-columns.js';
import { XmlTokenizer, type XmlAttributes, type XmlRecordSpec } from '../../xml/xml-tokenizer.js';
import { anchorParse } from '../shape-anchor.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/** Synthesized branch ids "0".."n-1", built once: a JaCoCo line rarely has more than a few branches. */
const BRANCH_IDS: readonly string[] = Array.from({ length: 64 }, (_, i) => String(i));
function branchId(i: number): string {
  return i < BRANCH_IDS.length ? BRANCH_IDS[i]! : String(i);
}

/**
 * Most branch outcomes one `<line>` may claim. A JVM method is at most 65,535 bytes of bytecode, so
 * no real line has more; a larger mb + cb is a hostile record that would expand into millions.
 */
const MAX_BRANCHES_PER_LINE = 65_536;
/** Most outcomes synthesized from mb/cb counts per report, so memory stays proportional to sanity. */
const MAX_SYNTHESIZED_BRANCHES = 10_000_000;

/** JaCoCo's counter types (`<counter type>`), by index; only the first four are read. */
const COUNTER_TYPES = ['INSTRUCTION', 'BRANCH', 'LINE', 'METHOD', 'COMPLEXITY', 'CLASS'] as const;
const INSTRUCTION = 0;
const BRANCH = 1;
const LINE = 2;
const METHOD = 3;

/** `<line>` and `<counter>`, nearly every element of a report, read as records of numbers. */
const LINE_RECORD = 0;
const RECORDS: readonly XmlRecordSpec[] = [
  { element: 'line', attributes: ['nr', 'mi', 'ci', 'mb', 'cb'] },
  // (Another type takes the general path, where it is read and ignored.)
  { element: 'counter', attributes: [{ name: 'type', choices: COUNTER_TYPES }, 'missed', 'covered'] },
];

/**
 * JaCoCo XML report parser (`jacoco:report`, `jacococli report --xml`, Gradle `jacocoTestReport`,
 * Kover's JaCoCo-compatible XML). Rules, and why they reproduce JaCoCo's own counters, are in
 * docs/formats/jacoco.md; in short:
 *
 * - path = `<package name>` + `/` + `<sourcefile name>` (the XML holds no source root);
 * - `<sourcefile><line nr mi ci mb cb>`: a line with ci > 0 is covered (hits 1: JaCoCo records
 *   whether an instruction ran, never how often), ci = 0 and mi > 0 is missed; mb + cb branch
 *   outcomes with synthesized ids "0".."n-1", the first cb taken (count 1);
 * - `<class><method>`: one function per method, named `<class>.<name><desc>` at its `line`, hit when
 *   its METHOD counter is covered; it belongs to the file named by its class's `sourcefilename`.
 *
 * `<group>` (multi-module reports) and `<sessioninfo>` are accepted and carry no coverage. The DOCTYPE
 * (`report.dtd`) is skipped by the tokenizer and never fetched.
 *
 * `fastRecords` false reads `<line>` and `<counter>` through `openTag` too (tests compare both paths).
 */
export function createJacocoParser(options: ParseOptions, fastRecords = true): StreamParser {
  shapeAnchor ??= anchorParse(newJacocoParser({ fileName: 'anchor.xml', limits: DEFAULT_LIMITS }, true), ANCHOR_HEAD, ANCHOR_BODY, ANCHOR_TAIL);
  return newJacocoParser(options, fastRecords);
}

/** A small parse kept alive for the life of the process (formats/shape-anchor.ts says why). */
let shapeAnchor: unknown = null;
const ANCHOR_HEAD = '<report name="a">';
const ANCHOR_BODY = '<package name="p"><class name="p/A" sourcefilename="A.java"><method name="f" desc="()V" line="1"><counter type="INSTRUCTION" missed="0" covered="2"/><counter type="METHOD" missed="0" covered="1"/></method></class><sourcefile name="A.java"><line nr="1" mi="0" ci="1" mb="1" cb="1"/><line nr="2" mi="1" ci="0" mb="0" cb="0"/><line nr="3" mi="0" ci="1" mb="0" cb="0" /><counter type="LINE" missed="1" covered="1"/></sourcefile></package>';
const ANCHOR_TAIL = '</report>';

function newJacocoParser(options: ParseOptions, fastRecords: boolean): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  const maxLine = options.limits.maxLineNumber;

  let rootChecked = false;
  let isJacoco = false;
  let sawPackage = false;

  // <package>
  let inPackage = false;
  let pkgName = '';
  // <class>
  let inClass = false;
  let classFile: FileCoverageBuilder | null = null;
  let classLabel = '';
  // <method>
  let inMethod = false;
  let methodName = '';
  let methodDesc = '';
  let methodLine = -1;
  let methodAt = 0;
  let methodCovered = -1;
  let instructionCovered = -1;
  // <sourcefile>
  let inSourcefile = false;
  let file: FileCoverageBuilder | null = null;
  /** The sourcefile's line and branch records, handed to `file` in bulk. */
  const cols = new RecordColumns(options.limits);
  let sourceAt = 0;
  let linesCovered = 0;
  let linesMissed = 0;
  let branchesCovered = 0;
  let branchesMissed = 0;
  let counterLine: [number, number] | null = null;
  let counterBranch: [number, number] | null = null;

  // Methods that cannot be placed in a file; summarized once at the end instead of one warning each.
  let methodsWithoutFile = 0;
  let methodsWithoutLine = 0;
  let synthesized = 0;
  let warnedBranches = false;

  const pathOf = (sourceName: string) => (pkgName === '' ? sourceName : `${pkgName}/${sourceName}`);

  /**
   * This package's files by source file name: every class names its file, then the sourcefile does
   * again, and looking a name up here (the same short string, its hash kept) is cheaper than making
   * and looking up its path. Only builders are kept: a refused path is refused (and diagnosed) at
   * each mention, as by `report.file` alone.
   */
  const packageFiles = new Map<string, FileCoverageBuilder>();
  const fileOf = (sourceName: string, at: number | undefined): FileCoverageBuilder | null => {
    const known = packageFiles.get(sourceName);
    if (known !== undefined) return known;
    const f = report.file(pathOf(sourceName), at ?? tok.line);
    if (f !== null) packageFiles.set(sourceName, f);
    return f;
  };

  const bad = (code: string, message: string) => sink.error(code, message, tok.line);

  const openRoot = (name: string) => {
    rootChecked = true;
    isJacoco = name === 'report';
    if (!isJacoco) bad('CW_JACOCO_NOT_JACOCO', `expected the root element <report> of a JaCoCo XML report, found <${name.slice(0, 40)}>`);
  };

  const openPackage = (attrs: XmlAttributes) => {
    const name = attrs.get('name');
    if (name === undefined) bad('CW_JACOCO_BAD_PACKAGE', '<package> without a name attribute; its files are read as if in the default package');
    inPackage = true;
    sawPackage = true;
    pkgName = name ?? '';
    packageFiles.clear();
  };

  const openClass = (attrs: XmlAttributes) => {
    inClass = true;
    const name = attrs.get('name') ?? '';
    // Class names are JVM internal names (`a/b/Outer$Inner`); the package part repeats the
    // package's name, so drop it to keep function names short but unambiguous within the file.
    classLabel = pkgName !== '' && name.startsWith(pkgName) && name.charCodeAt(pkgName.length) === 47 ? name.slice(pkgName.length + 1) : name;
    const source = attrs.get('sourcefilename');
    // Nested and anonymous classes name their outer class's file, so their methods land there too.
    classFile = source === undefined || source === '' ? null : fileOf(source, undefined);
  };

  const openMethod = (attrs: XmlAttributes) => {
    inMethod = true;
    methodLine = -1;
    methodCovered = -1;
    instructionCovered = -1;
    methodAt = 0;
    methodName = attrs.get('name') ?? '';
    methodDesc = attrs.get('desc') ?? '';
    if (methodName === '') {
      bad('CW_JACOCO_BAD_METHOD', `<method> in class ${classLabel.slice(0, 120)} without a name attribute; ignored`);
      inMethod = false;
      return;
    }
    const line = attrs.uint('line');
    if (line !== -2) {
      methodLine = line;
      if (methodLine < 0) {
        bad('CW_JACOCO_BAD_METHOD', `<method name="${methodName.slice(0, 80)}"> has line="${(attrs.get('line') ?? '').slice(0, 20)}"; expected a non-negative integer`);
        inMethod = false;
        return;
      }
      if (methodLine < 1 || methodLine > maxLine) methodAt = tok.line;
    }
  };

  const closeMethod = () => {
    inMethod = false;
    if (classFile === null) {
      methodsWithoutFile++;
      return;
    }
    // JaCoCo omits `line` for classes compiled without line numbers (javac -g:none): such a method
    // has no place in the file, so it cannot become a (name, line) function.
    if (methodLine < 0) {
      methodsWithoutLine++;
      return;
    }
    // The METHOD counter is JaCoCo's own "method covered" (covered=1 when any instruction ran);
    // the INSTRUCTION counter is the same fact for producers that omit METHOD.
    const covered = methodCovered >= 0 ? methodCovered > 0 : instructionCovered > 0;
    classFile.fn(`${classLabel}.${methodName}${methodDesc}`, methodLine, covered ? 1 : 0, null, methodAt === 0 ? undefined : methodAt);
  };

  const openSourcefile = (attrs: XmlAttributes) => {
    inSourcefile = true;
    linesCovered = linesMissed = branchesCovered = branchesMissed = 0;
    counterLine = counterBranch = null;
    const name = attrs.get('name');
    sourceAt = tok.line;
    if (name === undefined || name === '') {
      bad('CW_JACOCO_BAD_SOURCEFILE', `<sourcefile> in package "${pkgName.slice(0, 120)}" without a name attribute; its lines are ignored`);
      file = null;
      return;
    }
    file = fileOf(name, sourceAt);
    cols.start(file);
    // JaCoCo always has a method metric: a file whose classes have no methods has 0 functions, not null.
    file?.enableFunctions();
  };

  const closeSourcefile = () => {
    inSourcefile = false;
    cols.start(null);
    if (file === null) return;
    // The sourcefile's own LINE and BRANCH counters are computed by JaCoCo from the same <line>
    // elements; a difference means the file was edited or truncated, so say so.
    if (counterLine !== null && (counterLine[0] !== linesMissed || counterLine[1] !== linesCovered)) {
      sink.warn(
        'CW_JACOCO_COUNTER_MISMATCH',
        `${file.path}: the LINE counter says ${counterLine[1]} covered / ${counterLine[0]} missed but the <line> elements give ${linesCovered} / ${linesMissed}; Coverwatch counts the <line> elements`,
        sourceAt,
      );
    }
    if (counterBranch !== null && (counterBranch[0] !== branchesMissed || counterBranch[1] !== branchesCovered)) {
      sink.warn(
        'CW_JACOCO_COUNTER_MISMATCH',
        `${file.path}: the BRANCH counter says ${counterBranch[1]} covered / ${counterBranch[0]} missed but the <line> elements give ${branchesCovered} / ${branchesMissed}; Coverwatch counts the <line> elements`,
        sourceAt,
      );
    }
    file = null;
  };

  const onLine = (attrs: XmlAttributes) => {
    if (!inSourcefile) {
      bad('CW_JACOCO_BAD_LINE', '<line> outside a <sourcefile>; ignored');
      return;
    }
    // Absent counts read as 0 (JaCoCo always writes all five; other producers may not).
    const nr = attrs.uint('nr');
    const mi = orZero(attrs.uint('mi'));
    const ci = orZero(attrs.uint('ci'));
    const mb = orZero(attrs.uint('mb'));
    const cb = orZero(attrs.uint('cb'));
    if (nr < 0 || mi < 0 || ci < 0 || mb < 0 || cb < 0) {
      bad('CW_JACOCO_BAD_LINE', `expected <line nr="<line>" mi="<n>" ci="<n>" mb="<n>" cb="<n>"> with non-negative integers, found ${describeAttrs(attrs)}`);
      return;
    }
    lineCounts(nr, mi, ci, mb, cb);
  };

  /** The counts of a valid `<line>` in a `<sourcefile>` (from `onLine` or a record). */
  const lineCounts = (nr: number, mi: number, ci: number, mb: number, cb: number) => {
    if (file === null) return;
    const at = nr < 1 || nr > maxLine ? tok.line : undefined;
    // A line exists for JaCoCo's LINE counter only when it has instructions (JaCoCo never writes
    // others); covered = at least one instruction ran.
    if (ci > 0) {
      linesCovered++;
      if (!cols.line(nr, 1)) file.line(nr, 1, at);
    } else if (mi > 0) {
      linesMissed++;
      if (!cols.line(nr, 0)) file.line(nr, 0, at);
    }
    // JaCoCo gives only counts per line: mb + cb outcomes, ids "0".."n-1", the first cb taken.
    const n = mb + cb;
    if (n > 0) {
      branchesCovered += cb;
      branchesMissed += mb;
      if (n > MAX_BRANCHES_PER_LINE || synthesized + n > MAX_SYNTHESIZED_BRANCHES) {
        if (!warnedBranches) {
          warnedBranches = true;
          sink.warn(
            'CW_JACOCO_TOO_MANY_BRANCHES',
            `${file.path}: line ${nr} claims ${n} branches; lines with more than ${MAX_BRANCHES_PER_LINE}, or past ${MAX_SYNTHESIZED_BRANCHES} per report, keep no branch data`,
            tok.line,
          );
        }
        return;
      }
      synthesized += n;
      // (An out-of-range line fails for every outcome alike: the builder reports it once.)
      for (let i = 0; i < n; i++) if (!cols.branch(nr, branchId(i), i < cb ? 1 : 0) && !file.branch(nr, branchId(i), i < cb ? 1 : 0, at)) break;
    }
  };

  const onCounter = (attrs: XmlAttributes) => {
    // Only method and sourcefile counters are read; class, package, group and report counters
    // are sums of those.
    if (!inMethod && !inSourcefile) return;
    const missed = attrs.uint('missed');
    const covered = attrs.uint('covered');
    if (missed < 0 || covered < 0 || !attrs.has('type')) {
      bad('CW_JACOCO_BAD_COUNTER', `expected <counter type="<TYPE>" missed="<n>" covered="<n>"> with non-negative integers, found ${describeAttrs(attrs)}`);
      return;
    }
    // The type is compared in place (no string).
    let type = COUNTER_TYPES.length - 1;
    while (type >= 0 && !attrs.is('type', COUNTER_TYPES[type]!)) type--;
    counterCounts(type, missed, covered);
  };

  /** A valid `<counter>` of a method or sourcefile; `type` indexes COUNTER_TYPES (-1: another type). */
  const counterCounts = (type: number, missed: number, covered: number) => {
    if (inMethod) {
      if (type === METHOD) methodCovered = covered;
      else if (type === INSTRUCTION) instructionCovered = covered;
    } else if (type === LINE) counterLine = [missed, covered];
    else if (type === BRANCH) counterBranch = [missed, covered];
  };

  /**
   * `<line>` and `<counter>` read as records (see XmlHandler.record): the same functions as their
   * `openTag` path, which still reads whatever a record cannot say (diagnostics quote attributes).
   */
  const record = (kind: number, v: Float64Array): boolean => {
    if (!isJacoco) return false;
    if (kind === LINE_RECORD) {
      const nr = v[0]!;
      if (!inSourcefile || nr < 0) return false;
      lineCounts(nr, orZero(v[1]!), orZero(v[2]!), orZero(v[3]!), orZero(v[4]!));
      return true;
    }
    if (!inMethod && !inSourcefile) return true;
    const type = v[0]!;
    const missed = v[1]!;
    const covered = v[2]!;
    if (type < 0 || missed < 0 || covered < 0) return false;
    counterCounts(type, missed, covered);
    return true;
  };

  const tok = new XmlTokenizer(
    {
      openTag(name, attrs) {
        if (!rootChecked) openRoot(name);
        if (!isJacoco) return;
        // Most frequent first: <line> and <counter> are nearly every element of a report.
        if (name === 'line') onLine(attrs);
        else if (name === 'counter') onCounter(attrs);
        else if (name === 'method') {
          if (inClass) openMethod(attrs);
          else bad('CW_JACOCO_BAD_METHOD', '<method> outside a <class>; ignored');
        } else if (name === 'class') {
          if (inPackage) openClass(attrs);
          else bad('CW_JACOCO_BAD_CLASS', '<class> outside a <package>; ignored');
        } else if (name === 'sourcefile') {
          if (inPackage) openSourcefile(attrs);
          else bad('CW_JACOCO_BAD_SOURCEFILE', '<sourcefile> outside a <package>; ignored');
        } else if (name === 'package') openPackage(attrs);
        // <report>, <group>, <sessioninfo>: containers and metadata without coverage of their own.
      },
      record,
      closeTag(name) {
        // <line> and <counter> (nearly every element) close nothing we track.
        if (!isJacoco || name === 'line' || name === 'counter') return;
        if (name === 'method') {
          if (inMethod) closeMethod();
        } else if (name === 'sourcefile') {
          if (inSourcefile) closeSourcefile();
        } else if (name === 'class') {
          inClass = false;
          classFile = null;
        } else if (name === 'package') {
          inPackage = false;
          pkgName = '';
          packageFiles.clear();
        }
      },
    },
    sink,
    { maxTokenLength: options.limits.maxRecordLength, records: fastRecords ? RECORDS : [] },
  );

  return {
    write: (chunk) => tok.write(chunk),
    end(): ParseOutcome {
      tok.end();
      // (A truncated report ends inside a sourcefile: keep what was read of it.)
      cols.start(null);
      if (isJacoco && !tok.hasFailed && !sawPackage) sink.warn('CW_JACOCO_EMPTY', 'the JaCoCo report holds no <package>: no class matched the report task');
      if (methodsWithoutFile > 0) {
        sink.warn('CW_JACOCO_METHOD_WITHOUT_FILE', `${methodsWithoutFile} method(s) belong to classes without a sourcefilename attribute (compiled without -g:source?); not counted as functions`);
      }
      if (methodsWithoutLine > 0) {
        sink.warn('CW_JACOCO_METHOD_WITHOUT_LINE', `${methodsWithoutLine} method(s) have no line attribute (compiled without line numbers?); not counted as functions`);
      }
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

/** An absent count (`uint` gives -2) reads as 0; an invalid one (-1) stays invalid. */
function orZero(n: number): number {
  return n === -2 ? 0 : n;
}

function describeAttrs(attrs: XmlAttributes): string {
  const parts: string[] = [];
  for (let i = 0; i < attrs.count && i < 8; i++) parts.push(`${attrs.nameAt(i).slice(0, 20)}="${attrs.valueAt(i).slice(0, 20)}"`);
  return parts.length === 0 ? 'no attributes' : parts.join(' ');
}
