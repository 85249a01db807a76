import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { ReportBuilder } from '../../model/report.js';
import { parseCount } from '../../text/numbers.js';
import { RecordColumns } from '../../xml/record-columns.js';
import { ABSENT, XmlTokenizer, type XmlAttributes, type XmlRecordSpec } from '../../xml/xml-tokenizer.js';
import { anchorParse } from '../shape-anchor.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/**
 * The line number PDBs give "hidden" sequence points (compiler-generated code with no source, 0xFEEFEE).
 * OpenCover and coverlet normally drop them; any that slip through carry no source line.
 */
const HIDDEN_LINE = 0xfeefee;
/**
 * Longest sequence point expanded line by line. A statement spanning more lines than this (a huge
 * array initializer) counts only its first line, so one record cannot become millions of lines.
 */
const MAX_SPAN = 10_000;
/** Most extra line records that multi-line sequence points may add to one report (memory bound). */
const MAX_EXPANDED_LINES = 5_000_000;

/**
 * `<SequencePoint>` (most elements of a report) read as a record of numbers, with every attribute
 * OpenCover and coverlet write (a tag with any other goes through openTag).
 */
const SEQUENCE_POINT_ATTRS = ['vc', 'uspid', 'ordinal', 'offset', 'sl', 'sc', 'el', 'ec', 'bec', 'bev', 'fileid'];
const RECORDS: readonly XmlRecordSpec[] = [{ element: 'SequencePoint', attributes: SEQUENCE_POINT_ATTRS }];
const [VC, SL, EL, FILEID] = ['vc', 'sl', 'el', 'fileid'].map((a) => SEQUENCE_POINT_ATTRS.indexOf(a)) as [number, number, number, number];

/**
 * A file uid: a number when the uid is a decimal integer (always, for OpenCover and coverlet), so
 * reading one allocates no string; the text otherwise.
 */
type FileUid = number | string;

/** A `<File uid fullPath>`: its builder is created on first use, so files nothing points at stay absent. */
interface FileEntry {
  readonly path: string;
  builder: FileCoverageBuilder | null | undefined;
}

/** One `<Method>`'s points, collected until `</Method>` (FileRef, Name and MethodPoint may come in any order). */
class MethodData {
  name = '';
  fileRef: FileUid | undefined = undefined;
  /** `visited` attribute: 1, 0, or -1 when absent (coverlet does not write it). */
  visited = -1;
  /** MethodPoint vc, or -1 when there is no MethodPoint. */
  mpVc = -1;
  mpLine = -1;
  mpFile: FileUid | undefined = undefined;
  /** Sequence points: [sl, el, vc, at] per point (at = report line when the point needs a diagnostic, else 0). */
  sp: number[] = [];
  spFile: (FileUid | undefined)[] = [];
  /** Branch points: [sl, vc, at] per point. */
  bp: number[] = [];
  bpId: string[] = [];
  bpFile: (FileUid | undefined)[] = [];

  reset(): void {
    this.name = '';
    this.fileRef = undefined;
    this.visited = -1;
    this.mpVc = -1;
    this.mpLine = -1;
    this.mpFile = undefined;
    this.sp.length = 0;
    this.spFile.length = 0;
    this.bp.length = 0;
    this.bpId.length = 0;
    this.bpFile.length = 0;
  }

  clone(): MethodData {
    const c = new MethodData();
    c.name = this.name;
    c.fileRef = this.fileRef;
    c.visited = this.visited;
    c.mpVc = this.mpVc;
    c.mpLine = this.mpLine;
    c.mpFile = this.mpFile;
    c.sp = this.sp.slice();
    c.spFile = this.spFile.slice();
    c.bp = this.bp.slice();
    c.bpId = this.bpId.slice();
    c.bpFile = this.bpFile.slice();
    return c;
  }
}

/**
 * OpenCover XML parser (OpenCover 4.x, coverlet `--format opencover`, AltCover). Rules, and why they
 * reproduce ReportGenerator's reading of OpenCover (the de-facto line view of this format), are in
 * docs/formats/opencover.md; in short:
 *
 * - files come from `<File uid fullPath>` (paths kept as written, often Windows paths), referenced by
 *   each point's `fileid` or else by the method's `<FileRef uid>`;
 * - a `<SequencePoint vc sl el>` gives every line sl..el the hit count vc; points sharing a line add
 *   up (as in ReportGenerator);
 * - a `<BranchPoint vc sl offset path>` is a branch outcome on line sl with id `offset:path`;
 * - a `<Method>` is a function named by its `<Name>` text, at its first sequence point's line, hit
 *   when its MethodPoint vc > 0 (or `visited="true"`);
 * - modules, classes and methods with `skippedDueTo` are ignored.
 */
export function createOpenCoverParser(options: ParseOptions, fastRecords = true): StreamParser {
  shapeAnchor ??= anchorParse(newOpenCoverParser({ fileName: 'anchor.xml', limits: DEFAULT_LIMITS }, true), ANCHOR_HEAD, ANCHOR_BODY, ANCHOR_TAIL);
  return newOpenCoverParser(options, fastRecords);
}

/** A small parse kept alive for the life of the process (formats/shape-anchor.ts says why). */
let shapeAnchor: unknown = null;
const ANCHOR_HEAD = '<CoverageSession><Modules><Module hash="h"><Files><File uid="1" fullPath="a.cs" /></Files><Classes>';
const ANCHOR_BODY =
  '<Class><Methods><Method visited="true"><Name>M</Name><FileRef uid="1" /><SequencePoints>\n' +
  '<SequencePoint vc="1" uspid="1" ordinal="0" offset="0" sl="1" sc="1" el="1" ec="9" bec="0" bev="0" fileid="1" />\n' +
  '<SequencePoint vc="1" uspid="2" ordinal="1" offset="7" sl="2" sc="1" el="3" ec="9" bec="2" bev="1" fileid="1" />\n' +
  '</SequencePoints><BranchPoints><BranchPoint vc="1" uspid="3" ordinal="0" offset="7" sl="2" path="0" offsetend="9" fileid="1" /></BranchPoints>' +
  '<MethodPoint vc="1" uspid="1" ordinal="0" offset="0" sl="1" fileid="1" /></Method></Methods></Class>';
const ANCHOR_TAIL = '</Classes></Module></Modules></CoverageSession>';

function newOpenCoverParser(options: ParseOptions, fastRecords: boolean): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  const maxLine = options.limits.maxLineNumber;

  let rootChecked = false;
  let isOpenCover = false;
  let depth = 0;
  /** Depth of the skipped element (`skippedDueTo`) whose subtree is being ignored; 0 = none. */
  let skipDepth = 0;

  let inModule = false;
  const moduleFiles = new Map<FileUid, FileEntry>();
  // OpenCover and coverlet number files across the whole session, so a uid missing from the current
  // module may still be declared in an earlier one.
  const sessionFiles = new Map<FileUid, FileEntry>();
  /** Methods whose file uids were not declared yet (a producer writing <Files> after <Classes>). */
  const deferred: MethodData[] = [];

  let methodDepth = 0;
  const method = new MethodData();
  let nameDepth = 0;
  let nameText = '';

  /** Line and branch records, handed to their file's builder in bulk. */
  const cols = new RecordColumns(options.limits);
  let expandedLines = 0;
  let warnedExpansion = false;
  let warnedBranchNoLine = false;
  let unknownFiles = 0;
  let pointsWithoutFile = 0;

  const bad = (code: string, message: string) => sink.error(code, message, tok.line);

  const lookup = (uid: FileUid | undefined): FileEntry | undefined => (uid === undefined ? undefined : moduleFiles.get(uid) ?? sessionFiles.get(uid));

  const builderOf = (e: FileEntry): FileCoverageBuilder | null => {
    if (e.builder === undefined) {
      e.builder = report.file(e.path);
      // OpenCover always has method data: a file that appears has a function metric.
      e.builder?.enableFunctions();
    }
    return e.builder;
  };

  /** The file a point belongs to: its own fileid, else its method's FileRef ("0" = none, as in ReportGenerator). */
  const pointUid = (own: FileUid | undefined, m: MethodData) => (own === undefined || (own === 0 && lookup(own) === undefined) ? m.fileRef : own);

  /** True when every file uid the method points at is declared (so it can be recorded now). */
  const resolvable = (m: MethodData): boolean => {
    for (let k = 0; k < m.spFile.length; k++) {
      const uid = pointUid(m.spFile[k], m);
      if (uid !== undefined && lookup(uid) === undefined) return false;
    }
    for (let k = 0; k < m.bpFile.length; k++) {
      const uid = pointUid(m.bpFile[k], m);
      if (uid !== undefined && lookup(uid) === undefined) return false;
    }
    return m.fileRef === undefined || lookup(m.fileRef) !== undefined;
  };

  /** The declared file a point refers to; counts points that refer to none. */
  const entryFor = (uid: FileUid | undefined): FileEntry | undefined => {
    if (uid === undefined) {
      pointsWithoutFile++;
      return undefined;
    }
    const e = lookup(uid);
    if (e === undefined) unknownFiles++;
    return e;
  };

  const record = (m: MethodData) => {
    const sp = m.sp;
    const nsp = m.spFile.length;
    // The function's file: its FileRef, else the file of its first sequence point.
    const fnUid = m.fileRef ?? (nsp > 0 ? m.spFile[0] : undefined);
    const fnEntry = lookup(fnUid);
    let fnLine = -1;
    let fnEnd = -1;
    let anyVisit = false;
    for (let k = 0; k < nsp; k++) {
      const sl = sp[4 * k]!;
      const el = sp[4 * k + 1]!;
      const vc = sp[4 * k + 2]!;
      const at = sp[4 * k + 3]! || undefined;
      if (vc > 0) anyVisit = true;
      if (sl === HIDDEN_LINE) continue;
      const e = entryFor(pointUid(m.spFile[k], m));
      if (e === undefined) continue;
      const b = builderOf(e);
      if (b === null) continue;
      if (e === fnEntry) {
        if (fnLine < 0) fnLine = sl;
        if (el > fnEnd) fnEnd = el;
      }
      cols.use(b);
      if (!cols.line(sl, vc) && !b.line(sl, vc, at)) continue;
      // A statement spanning lines covers each of them (ReportGenerator and Codecov both expand
      // sl..el); the expansion is bounded per point and per report.
      if (el > sl) {
        let last = el;
        if (el - sl >= MAX_SPAN || expandedLines + (el - sl) > MAX_EXPANDED_LINES) {
          if (!warnedExpansion) {
            warnedExpansion = true;
            sink.warn(
              'CW_OPENCOVER_SPAN_LIMITED',
              `${b.path}: a sequence point spans lines ${sl}-${el}; points longer than ${MAX_SPAN} lines, or past ${MAX_EXPANDED_LINES} expanded lines per report, count only their first line`,
              at,
            );
          }
          last = sl;
        }
        if (last > maxLine) last = maxLine;
        for (let l = sl + 1; l <= last; l++) if (!cols.line(l, vc)) b.line(l, vc, at);
        expandedLines += last - sl;
      }
    }
    const bp = m.bp;
    for (let k = 0; k < m.bpFile.length; k++) {
      const sl = bp[3 * k]!;
      if (sl === HIDDEN_LINE) continue;
      const e = entryFor(pointUid(m.bpFile[k], m));
      const b = e === undefined ? null : builderOf(e);
      if (b === null) continue;
      cols.use(b);
      const id = m.bpId[k]!;
      const vc = bp[3 * k + 1]!;
      if (!cols.branch(sl, id, vc)) b.branch(sl, id, vc, bp[3 * k + 2]! || undefined);
    }
    if (fnEntry === undefined) return;
    if (fnLine < 0 && m.mpLine > 0 && m.mpLine !== HIDDEN_LINE && (m.mpFile === undefined || lookup(m.mpFile) === fnEntry)) fnLine = m.mpLine;
    // A method with no source position (an implicit constructor, compiler-generated code) is not a
    // function of any file; ReportGenerator lists only methods with a sequence point too.
    if (fnLine < 0) return;
    const fnFile = builderOf(fnEntry);
    if (fnFile === null) return;
    const name = m.name.trim();
    if (name === '') {
      sink.warn('CW_OPENCOVER_METHOD_WITHOUT_NAME', `${fnFile.path}: a <Method> at line ${fnLine} has no <Name>; not counted as a function`);
      return;
    }
    // MethodPoint vc is OpenCover's entry count (coverlet writes the method's covered line count:
    // > 0 exactly when it ran); `visited` is the same fact as a flag.
    let hits = m.mpVc;
    if (m.visited === 1 && hits < 1) hits = 1;
    if (hits < 0) hits = m.visited === 0 ? 0 : anyVisit ? 1 : 0;
    fnFile.fn(name, fnLine, hits, fnEnd >= fnLine ? fnEnd : null);
  };

  const closeMethod = () => {
    if (resolvable(method)) record(method);
    else if (inModule) deferred.push(method.clone());
    else record(method);
  };

  const closeModule = () => {
    for (const m of deferred) record(m);
    deferred.length = 0;
    moduleFiles.clear();
    inModule = false;
  };

  const onFile = (attrs: XmlAttributes) => {
    const uid = uidAttr(attrs, 'uid');
    const path = attrs.get('fullPath');
    if (uid === undefined || path === undefined) {
      bad('CW_OPENCOVER_BAD_FILE', 'expected <File uid="<id>" fullPath="<path>">; ignored');
      return;
    }
    const existing = sessionFiles.get(uid);
    const e: FileEntry = existing !== undefined && existing.path === path ? existing : { path, builder: undefined };
    moduleFiles.set(uid, e);
    sessionFiles.set(uid, e);
  };

  const onSequencePoint = (attrs: XmlAttributes) => {
    const vc = countAttr(attrs, 'vc');
    const sl = attrs.uint('sl');
    const el = attrs.uint('el');
    const fileid = uidAttr(attrs, 'fileid');
    if (vc < 0 || sl < 0 || el === -1) {
      bad('CW_OPENCOVER_BAD_SEQUENCE_POINT', `expected <SequencePoint vc="<count>" sl="<line>" el="<line>"> with non-negative numbers, found ${describeAttrs(attrs)}`);
      return;
    }
    sequencePoint(vc, sl, el, fileid);
  };

  /** A sequence point's numbers (`el` -2 when absent), read from attributes or as a record. */
  const sequencePoint = (vc: number, sl: number, el: number, fileid: FileUid | undefined) => {
    // el < sl or absent: a one-line point.
    if (el < sl) el = sl;
    const at = (sl < 1 || el > maxLine) && sl !== HIDDEN_LINE ? tok.line : 0;
    method.sp.push(sl, el, vc, at);
    method.spFile.push(fileid);
  };

  /**
   * A regular `<SequencePoint .../>` inside a method, read as a record (see XmlHandler.record): what
   * openTag + closeTag would do with it; anything else (and anything diagnosed) goes to them.
   */
  const pointRecord = (_kind: number, v: Float64Array): boolean => {
    if (!isOpenCover || skipDepth !== 0 || methodDepth === 0) return false;
    const vc = v[VC]!;
    const sl = v[SL]!;
    if (vc < 0 || sl < 0) return false;
    const fileid = v[FILEID]!;
    sequencePoint(vc, sl, v[EL]!, fileid === ABSENT ? undefined : fileid);
    return true;
  };

  const onBranchPoint = (attrs: XmlAttributes) => {
    const vc = countAttr(attrs, 'vc');
    const sl = attrs.uint('sl');
    const offset = attrs.get('offset');
    const path = attrs.get('path');
    const fileid = uidAttr(attrs, 'fileid');
    if (vc < 0 || sl === -1) {
      bad('CW_OPENCOVER_BAD_BRANCH_POINT', `expected <BranchPoint vc="<count>" sl="<line>" offset="<n>" path="<n>"> with non-negative numbers, found ${describeAttrs(attrs)}`);
      return;
    }
    if (sl === -2) {
      // OpenCover before 4.5.3207 wrote branch points without a line: nothing to place them on.
      if (!warnedBranchNoLine) {
        warnedBranchNoLine = true;
        sink.warn('CW_OPENCOVER_BRANCH_WITHOUT_LINE', 'branch points without an sl attribute (OpenCover < 4.5.3207) cannot be placed on a line; ignored', tok.line);
      }
      return;
    }
    // (offset, path) names one outcome of one IL branch instruction; uspid is the fallback for
    // producers that omit them (it is unique per session in OpenCover).
    const id = offset !== undefined && path !== undefined ? `${offset}:${path}` : `u${attrs.get('uspid') ?? method.bpFile.length}`;
    method.bp.push(sl, vc, sl < 1 || sl > maxLine ? tok.line : 0);
    method.bpId.push(id);
    method.bpFile.push(fileid);
  };

  const onMethodPoint = (attrs: XmlAttributes) => {
    const vc = countAttr(attrs, 'vc');
    const sl = attrs.uint('sl');
    if (vc < 0) {
      bad('CW_OPENCOVER_BAD_METHOD_POINT', `expected <MethodPoint vc="<count>"> with a non-negative count, found ${describeAttrs(attrs)}`);
      return;
    }
    method.mpVc = vc;
    method.mpLine = sl;
    method.mpFile = uidAttr(attrs, 'fileid');
  };

  const tok = new XmlTokenizer(
    {
      openTag(name, attrs) {
        depth++;
        if (!rootChecked) {
          rootChecked = true;
          isOpenCover = name === 'CoverageSession';
          if (!isOpenCover) bad('CW_OPENCOVER_NOT_OPENCOVER', `expected the root element <CoverageSession> of an OpenCover report, found <${name.slice(0, 40)}>`);
        }
        if (!isOpenCover || skipDepth !== 0) return;
        // Most frequent first: sequence and branch points are nearly every element of a report.
        if (methodDepth !== 0) {
          if (name === 'SequencePoint') onSequencePoint(attrs);
          else if (name === 'BranchPoint') onBranchPoint(attrs);
          else if (name === 'MethodPoint') onMethodPoint(attrs);
          else if (name === 'Name' && depth === methodDepth + 1) {
            nameDepth = depth;
            nameText = '';
          } else if (name === 'FileRef' && depth === methodDepth + 1) {
            const uid = uidAttr(attrs, 'uid');
            if (uid === undefined) bad('CW_OPENCOVER_BAD_FILEREF', '<FileRef> without a uid attribute; ignored');
            else method.fileRef = uid;
          }
          return;
        }
        if (name === 'File') onFile(attrs);
        else if (name === 'Method' || name === 'Class' || name === 'Module') {
          // Filtered out by the producer (Filter, MissingPdb, ExcludeFromCodeCoverage...): no data.
          if (attrs.get('skippedDueTo') !== undefined) {
            skipDepth = depth;
            return;
          }
          if (name === 'Method') {
            methodDepth = depth;
            method.reset();
            const v = attrs.get('visited');
            method.visited = v === undefined ? -1 : v === 'true' || v === 'True' ? 1 : 0;
          } else if (name === 'Module') {
            if (inModule) closeModule();
            inModule = true;
          }
        }
      },
      closeTag(name) {
        const d = depth--;
        if (skipDepth !== 0) {
          if (d === skipDepth) skipDepth = 0;
          return;
        }
        if (!isOpenCover) return;
        if (d === methodDepth) {
          methodDepth = 0;
          method.name = nameText;
          nameText = '';
          closeMethod();
        } else if (d === nameDepth) nameDepth = 0;
        else if (name === 'Module') closeModule();
      },
      text(t) {
        if (nameDepth !== 0 && depth === nameDepth) nameText += t;
      },
      record: pointRecord,
    },
    sink,
    // Only <Name> text is read; indentation between tags is not worth a string each.
    { maxTokenLength: options.limits.maxRecordLength, skipWhitespaceText: true, records: fastRecords ? RECORDS : [] },
  );

  return {
    write: (chunk) => tok.write(chunk),
    end(): ParseOutcome {
      tok.end();
      if (deferred.length > 0) closeModule();
      cols.start(null);
      if (unknownFiles > 0) {
        sink.error('CW_OPENCOVER_UNKNOWN_FILE', `${unknownFiles} point(s) refer to a file uid that no <File> declares; ignored`);
      }
      if (pointsWithoutFile > 0) {
        sink.warn('CW_OPENCOVER_POINT_WITHOUT_FILE', `${pointsWithoutFile} point(s) have neither a fileid nor a <FileRef> in their method; ignored`);
      }
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

/**
 * A count attribute: -2 when missing, -1 when invalid. Integers are read in place; a decimal or an
 * exponent (some producers write them) goes through parseCount.
 */
function countAttr(attrs: XmlAttributes, name: string): number {
  const n = attrs.uint(name);
  if (n !== -1) return n;
  return parseCount(attrs.get(name) ?? '');
}

/** A file uid attribute (see FileUid), or undefined when absent. */
function uidAttr(attrs: XmlAttributes, name: string): FileUid | undefined {
  const n = attrs.uint(name);
  return n >= 0 ? n : n === -2 ? undefined : attrs.get(name);
}

function describeAttrs(attrs: XmlAttributes): string {
  const parts: string[] = [];
  for (let i = 0; i < attrs.count && i < 12; i++) parts.push(`${attrs.nameAt(i).slice(0, 20)}="${attrs.valueAt(i).slice(0, 20)}"`);
  return parts.length === 0 ? 'no attributes' : parts.join(' ');
}
