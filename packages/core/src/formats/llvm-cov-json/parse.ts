import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { EMPTY_REPORT, ReportBuilder, type Report } from '../../model/report.js';
import { fileTotals } from '../../model/totals.js';
import { JsonItemStream, type JsonStreamTarget } from '../../text/json-item-stream.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey } from '../../text/json-guards.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';
import { applyFileSegments, countFileSegments, type FileSegmentCounts } from './file-segments.js';
import { InstantiationGroup } from './function-group.js';
import { readFunction, type Budget } from './function-records.js';

/**
 * `llvm-cov export -format=text` parser (export format 2.x, LLVM 12+; older exports without
 * branches read too). The document streams (text/json-item-stream.ts): each entry of
 * `data[].files` and `data[].functions` is parsed and read on its own as it completes, and function
 * records are folded into their group at once (function-group.ts), so memory follows the report, not
 * the export. The rest of the document (type, version, totals) is read at the end.
 *
 * Numbers are counted from the data the way `llvm-cov report` / `export -summary-only` of LLVM 14-19
 * count them (docs/formats/llvm-cov-json.md):
 * - functions (`data[].functions[]`, one per instantiation: every test binary carries its own copy)
 *   are grouped as llvm groups them: by the file that defines them (the first file id that is not an
 *   expansion target) and the start of their first region there. A group is one function, covered
 *   when any instantiation ran;
 * - a group's lines are one instantiation's lines as LineCoverageIterator derives them from that
 *   instantiation's own regions (segments.ts), the instantiation with the most covered lines: llvm
 *   takes the maximum over instantiations, not their union;
 * - a group's branches: each branch region is two outcomes (true, false), including branches inside
 *   macro expansions (attributed to the line of the expansion site), from the instantiation with the
 *   most covered outcomes;
 * - files listed in `data[].files[]` are the report's files (even those with no function, such as a
 *   header only reached through macros, which llvm reports with 0 lines). Their `summary` is only a
 *   cross-check (info diagnostic CW_LLVM_COV_SUMMARY_MISMATCH), never a source of numbers.
 * An export without functions (`-skip-functions`) is counted from the files' own segments instead.
 */
export function createLlvmCovJsonParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const reader = new ExportReader(new ReportBuilder(sink, options.limits), sink);
  const stream = new JsonItemStream(sink, options.limits.maxDocumentBytes, STREAMED, (v, i, _k, place) => {
    // A null step also takes object members: only an array "data" is an export list.
    const di = place.at[1];
    if (typeof di !== 'number') return;
    if (place.target === 0) reader.file(v, di, i);
    else reader.fn(v, di, i);
  });
  return {
    write(chunk) {
      reader.bytes += chunk.length;
      stream.write(chunk);
    },
    end(): ParseOutcome {
      const root = stream.end();
      // An empty or malformed document is diagnosed by the stream (CW_JSON_SYNTAX).
      const built = root === undefined ? reader.report.build() : reader.finish(root);
      if (root !== undefined) crossCheck(built, reader.summaries, sink);
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: built, diagnostics: sink.finish() };
    },
  };
}

const STREAMED: readonly JsonStreamTarget[] = [
  { path: ['data', null, 'files'], kind: 'array' },
  { path: ['data', null, 'functions'], kind: 'array' },
];

/**
 * Work allowed per report (segment building steps and line visits): a floor plus one unit per input
 * byte read so far. Real exports need far less than they have bytes (the 18 MB cJSON export:
 * ~40,000 line visits and about as many region steps); hostile input (a region from line 1 to line
 * 10^7, regions nested 100,000 deep) must not make the walk take minutes.
 */
const WORK_FLOOR = 1 << 20;

const KNOWN_TYPE = 'llvm.coverage.json.export';

/** llvm's own numbers for a file: lines, lines covered, branches, branches covered, functions, functions covered (NaN: not a number there). */
type FileSummary = Float64Array;

/** The state of one export being read: files and function groups as their entries stream in (exported for the tests, which feed it a parsed document). */
export class ExportReader {
  bytes = 0;
  readonly summaries = new Map<string, FileSummary | null>();
  private readonly builders = new Map<string, FileCoverageBuilder>();
  private readonly badFiles = new Map<number, BadEntries>();
  private readonly badFunctions = new Map<number, { bad: BadEntries; reason: string }>();
  private anySegments = false;
  /** Each file's own counts, until a function shows they are not needed (see FileSegmentCounts). */
  private fileCounts: { b: FileCoverageBuilder; counts: FileSegmentCounts }[] | null = [];
  private readonly fileBudget: Budget = { left: WORK_FLOOR, exceeded: false };
  private fileBudgetBytes = 0;
  private readonly groups = new Map<string, InstantiationGroup>();
  private readonly fnBudget: Budget = { left: WORK_FLOOR, exceeded: false };
  private fnBudgetBytes = 0;
  /** The group the work budget ran out on: it and the groups after it are not emitted. */
  private stoppedAt: InstantiationGroup | null = null;

  constructor(
    readonly report: ReportBuilder,
    private readonly sink: DiagnosticSink,
  ) {}

  /** One `data[di].files[fi]` entry. */
  file(f: unknown, di: number, fi: number): void {
    const name = isObject(f) ? own(f, 'filename') : undefined;
    if (!isObject(f) || typeof name !== 'string') {
      let bad = this.badFiles.get(di);
      if (bad === undefined) this.badFiles.set(di, (bad = new BadEntries()));
      bad.add(fi, f);
      return;
    }
    if (Array.isArray(own(f, 'segments'))) this.anySegments = true;
    const b = this.report.file(name);
    if (b === null) return;
    this.builders.set(b.path, b);
    // The same file listed twice (several exports in one document) has no single summary.
    this.summaries.set(b.path, this.summaries.has(b.path) ? null : summaryOf(own(f, 'summary')));
    if (this.fileCounts !== null) {
      this.fileBudget.left += this.bytes - this.fileBudgetBytes;
      this.fileBudgetBytes = this.bytes;
      this.fileCounts.push({ b, counts: countFileSegments(f, `data[${di}].files[${fi}] (${quoteKey(name)})`, this.fileBudget) });
    }
  }

  /** One `data[di].functions[i]` entry: validated and folded into its group. */
  fn(v: unknown, di: number, i: number): void {
    // The export has functions: the files' own counts are not used.
    this.fileCounts = null;
    const r = readFunction(v);
    if (typeof r === 'string') {
      let bad = this.badFunctions.get(di);
      if (bad === undefined) this.badFunctions.set(di, (bad = { bad: new BadEntries(), reason: r }));
      bad.bad.add(i, v);
      return;
    }
    if (this.stoppedAt !== null) return;
    const file = r.filenames[r.mainFile]!;
    const first = r.regions.find((x) => x[5] === r.mainFile)!;
    let g = this.groups.get(`${first[0]}:${first[1]}:${file}`);
    const b = this.builders.get(file);
    if (g === undefined) {
      // The group keeps its own copy of the name (a string out of JSON.parse may be a slice of the entry's text).
      g = new InstantiationGroup(b?.path ?? (' ' + file).slice(1), first[0]!, first[1]!, r);
      this.groups.set(`${g.line}:${g.col}:${g.file}`, g);
    }
    // A file not listed (yet): kept whole, read at the end if the export lists it after all.
    if (b === undefined || g.pending !== null) {
      (g.pending ??= []).push(r);
      return;
    }
    this.fnBudget.left += this.bytes - this.fnBudgetBytes;
    this.fnBudgetBytes = this.bytes;
    if (!g.add(r, this.fnBudget)) this.stoppedAt = g;
  }

  /** Reads the rest of the document (the streamed lists now empty) and finishes the report. */
  finish(root: unknown): Report {
    const { sink } = this;
    if (!isObject(root)) {
      sink.error('CW_LLVM_COV_SHAPE', `expected an llvm-cov export object {"data": [...], "type": "${KNOWN_TYPE}"}, found ${describeJson(root)}`);
      return EMPTY_REPORT;
    }
    const type = own(root, 'type');
    if (type !== KNOWN_TYPE) {
      sink.warn('CW_LLVM_COV_TYPE', `"type" is ${describeJson(type)}, expected "${KNOWN_TYPE}"; reading it as an llvm-cov export`);
    }
    const version = own(root, 'version');
    if (typeof version === 'string' && !version.startsWith('2.')) {
      sink.warn('CW_LLVM_COV_VERSION', `export format version ${quoteKey(version)} is not 2.x; reading the fields 2.x defines`);
    }
    const data = own(root, 'data');
    if (!Array.isArray(data)) {
      sink.error('CW_LLVM_COV_SHAPE', `expected "data" to be an array of exports, found ${describeJson(data)}`);
      return EMPTY_REPORT;
    }
    let anyFunctions = false;
    data.forEach((d: unknown, di) => {
      if (!isObject(d)) {
        sink.error('CW_LLVM_COV_SHAPE', `data[${di}]: expected an object with "files", found ${describeJson(d)}`);
        return;
      }
      const files = own(d, 'files');
      if (!Array.isArray(files)) {
        sink.error('CW_LLVM_COV_SHAPE', `data[${di}]: expected "files" to be an array, found ${describeJson(files)}`);
        return;
      }
      if (own(d, 'functions') !== undefined) anyFunctions = true;
      const m = this.badFiles.get(di)?.summary('an object with a string "filename"');
      if (m != null) sink.error('CW_LLVM_COV_FILE', `data[${di}].files: ${m}`);
    });
    if (!anyFunctions) {
      const counted = this.fileCounts ?? [];
      if (!this.anySegments && counted.length > 0) {
        sink.error('CW_LLVM_COV_SUMMARY_ONLY', 'this export holds only summaries (llvm-cov export -summary-only): no line data; export without -summary-only');
        return this.report.build();
      }
      if (counted.length > 0) {
        sink.add('CW_LLVM_COV_NO_FUNCTIONS', 'info', 'the export has no "functions" (llvm-cov export -skip-functions): lines and branches are counted from each file\'s segments, and there is no function metric');
      }
      for (const { b, counts } of counted) {
        for (const [code, message] of counts.problems) sink.error(code, message);
        applyFileSegments(counts, b);
      }
      return this.report.build();
    }
    this.fileCounts = null;
    for (const b of this.builders.values()) b.enableFunctions();
    data.forEach((d: unknown, di) => {
      if (!isObject(d)) return;
      const fns = own(d, 'functions');
      if (fns !== undefined && !Array.isArray(fns)) {
        sink.error('CW_LLVM_COV_SHAPE', `data[${di}]: expected "functions" to be an array, found ${describeJson(fns)}`);
        return;
      }
      const bad = this.badFunctions.get(di);
      const m = bad?.bad.summary(`a valid function record (${bad.reason})`);
      if (m != null) sink.error('CW_LLVM_COV_FUNCTION', `data[${di}].functions: ${m}`);
    });
    this.emitGroups();
    return this.report.build();
  }

  private emitGroups(): void {
    this.fnBudget.left += this.bytes - this.fnBudgetBytes;
    this.fnBudgetBytes = this.bytes;
    const usedIds = new Map<string, Set<string>>();
    // Each group is dropped once written, so the groups shrink while the files grow.
    for (const [key, g] of this.groups) {
      this.groups.delete(key);
      const b = this.builders.get(g.file);
      if (b === undefined) continue; // not a file of this export (llvm reports listed files only)
      let ok = g !== this.stoppedAt;
      for (const r of g.pending ?? []) if (ok && !g.add(r, this.fnBudget)) ok = false;
      if (!ok) {
        this.sink.error('CW_LLVM_COV_TOO_LARGE', `${quoteKey(g.file)}: the regions need far more work than an export of this size can justify (regions spanning millions of lines or nested thousands deep: corrupt or hostile input); the remaining functions are ignored`);
        return;
      }
      let used = usedIds.get(g.file);
      if (used === undefined) usedIds.set(g.file, (used = new Set()));
      g.emit(b, used);
    }
  }
}

/** The numbers of llvm's `summary` of a file that the cross-check compares; null when it has none. */
function summaryOf(summary: unknown): FileSummary | null {
  if (!isObject(summary)) return null;
  const out = new Float64Array(6);
  const fields: [string, string][] = [
    ['lines', 'count'],
    ['lines', 'covered'],
    ['branches', 'count'],
    ['branches', 'covered'],
    ['functions', 'count'],
    ['functions', 'covered'],
  ];
  fields.forEach(([what, field], i) => {
    const m = own(summary, what);
    const v = isObject(m) ? own(m, field) : undefined;
    out[i] = isNumber(v) ? v : NaN;
  });
  return out;
}

/** Compares each file's numbers with llvm's own `summary` of it; differences become info diagnostics. */
function crossCheck(report: Report, summaries: Map<string, FileSummary | null>, sink: DiagnosticSink): void {
  for (const file of report.files) {
    const s = summaries.get(file.path);
    if (s === undefined || s === null) continue;
    const t = fileTotals(file);
    const pairs: [string, number | null, number][] = [
      ['lines', t.lines, s[0]!],
      ['lines covered', t.hits + t.partials, s[1]!],
      ['branches', t.branches, s[2]!],
      ['branches covered', t.branches_hit, s[3]!],
    ];
    if (t.functions !== null) pairs.push(['functions', t.functions, s[4]!], ['functions covered', t.functions_hit, s[5]!]);
    const diffs = pairs.filter(([, ours, theirs]) => !Number.isNaN(theirs) && theirs !== ours);
    if (diffs.length > 0) {
      sink.add(
        'CW_LLVM_COV_SUMMARY_MISMATCH',
        'info',
        `${quoteKey(file.path)}: counted from the data ${diffs.map(([k, ours, theirs]) => `${k} ${ours} (llvm-cov's summary: ${String(theirs)})`).join(', ')}`,
      );
    }
  }
}
