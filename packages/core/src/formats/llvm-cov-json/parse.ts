import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder, type Report } from '../../model/report.js';
import { fileTotals } from '../../model/totals.js';
import { JsonDocument } from '../../text/json-document.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';
import { EXPANSION_REGION, buildSegments, lineCounts, type Region, type Segment } from './segments.js';

/**
 * `llvm-cov export -format=text` parser (export format 2.x, LLVM 12+; older exports without
 * branches read too). The document is parsed whole with JsonDocument.
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
  const doc = new JsonDocument(sink, options.limits.maxDocumentBytes);
  let bytes = 0;
  return {
    write(chunk) {
      bytes += chunk.length;
      doc.write(chunk);
    },
    end(): ParseOutcome {
      const report = new ReportBuilder(sink, options.limits);
      const value = doc.parse();
      let summaries = new Map<string, JsonObject | null>();
      // An empty or malformed document is diagnosed by JsonDocument (CW_JSON_SYNTAX).
      if (value !== undefined) summaries = read(value, report, sink, WORK_FLOOR + bytes);
      const built = report.build();
      crossCheck(built, summaries, sink);
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: built, diagnostics: sink.finish() };
    },
  };
}

/**
 * Work allowed per report (segment building steps and line visits): a floor plus one unit per input
 * byte. Real exports need far less than they have bytes (the 18 MB cJSON export: ~40,000 line visits
 * and about as many region steps); hostile input (a region from line 1 to line 10^7, regions nested
 * 100,000 deep) must not make the walk take minutes.
 */
const WORK_FLOOR = 1 << 20;

const KNOWN_TYPE = 'llvm.coverage.json.export';

interface Budget {
  left: number;
  exceeded: boolean;
}

/** A function record, validated. */
interface FunctionRecord {
  readonly name: string;
  readonly count: number;
  readonly filenames: readonly string[];
  /** [ls, cs, le, ce, count, fileId, expandedFileId, kind] */
  readonly regions: readonly number[][];
  /** [ls, cs, le, ce, trueCount, falseCount, fileId, expandedFileId, kind, ...] */
  readonly branches: readonly number[][];
  readonly mainFile: number;
}

interface Group {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly members: FunctionRecord[];
}

interface BranchOutcomes {
  readonly line: number;
  readonly id: string;
  readonly trueCount: number;
  readonly falseCount: number;
}

function read(root: unknown, report: ReportBuilder, sink: DiagnosticSink, work: number): Map<string, JsonObject | null> {
  const summaries = new Map<string, JsonObject | null>();
  if (!isObject(root)) {
    sink.error('CW_LLVM_COV_SHAPE', `expected an llvm-cov export object {"data": [...], "type": "${KNOWN_TYPE}"}, found ${describeJson(root)}`);
    return summaries;
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
    return summaries;
  }
  const budget: Budget = { left: work, exceeded: false };
  // Files first: they decide which files the report has (llvm reports only these).
  const builders = new Map<string, FileCoverageBuilder>();
  const fileObjects: { f: JsonObject; b: FileCoverageBuilder; where: string }[] = [];
  let anyFunctions = false;
  let anySegments = false;
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
    const bad = new BadEntries();
    files.forEach((f: unknown, fi) => {
      const name = isObject(f) ? own(f, 'filename') : undefined;
      if (!isObject(f) || typeof name !== 'string') {
        bad.add(fi, f);
        return;
      }
      if (Array.isArray(own(f, 'segments'))) anySegments = true;
      const b = report.file(name);
      if (b === null) return;
      builders.set(name, b);
      fileObjects.push({ f, b, where: `data[${di}].files[${fi}] (${quoteKey(name)})` });
      const summary = own(f, 'summary');
      // The same file listed twice (several exports in one document) has no single summary.
      summaries.set(name, summaries.has(name) ? null : isObject(summary) ? summary : null);
    });
    const m = bad.summary('an object with a string "filename"');
    if (m !== null) sink.error('CW_LLVM_COV_FILE', `data[${di}].files: ${m}`);
  });

  if (!anyFunctions) {
    if (!anySegments && fileObjects.length > 0) {
      sink.error('CW_LLVM_COV_SUMMARY_ONLY', 'this export holds only summaries (llvm-cov export -summary-only): no line data; export without -summary-only');
      return summaries;
    }
    if (fileObjects.length > 0) {
      sink.add('CW_LLVM_COV_NO_FUNCTIONS', 'info', 'the export has no "functions" (llvm-cov export -skip-functions): lines and branches are counted from each file\'s segments, and there is no function metric');
    }
    for (const { f, b, where } of fileObjects) readFileSegments(f, b, where, sink, budget);
    return summaries;
  }

  for (const b of builders.values()) b.enableFunctions();
  const groups = new Map<string, Group>();
  data.forEach((d: unknown, di) => {
    if (!isObject(d)) return;
    const fns = own(d, 'functions');
    if (fns === undefined) return;
    if (!Array.isArray(fns)) {
      sink.error('CW_LLVM_COV_SHAPE', `data[${di}]: expected "functions" to be an array, found ${describeJson(fns)}`);
      return;
    }
    const bad = new BadEntries();
    let reason = '';
    for (let i = 0; i < fns.length; i++) {
      const r = readFunction(fns[i]);
      if (typeof r === 'string') {
        if (bad.count === 0) reason = r;
        bad.add(i, fns[i]);
        continue;
      }
      const file = r.filenames[r.mainFile]!;
      if (!builders.has(file)) continue; // not a file of this export (llvm reports listed files only)
      const first = r.regions.find((x) => x[5] === r.mainFile)!;
      const key = `${first[0]}:${first[1]}:${file}`;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { file, line: first[0]!, col: first[1]!, members: [r] });
      else g.members.push(r);
    }
    const m = bad.summary(`a valid function record (${reason})`);
    if (m !== null) sink.error('CW_LLVM_COV_FUNCTION', `data[${di}].functions: ${m}`);
  });

  const usedIds = new Map<string, Set<string>>();
  for (const g of groups.values()) {
    if (budget.exceeded) break;
    emitGroup(g, builders.get(g.file)!, usedIds, sink, budget);
  }
  return summaries;
}

const isInt = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 0;
const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;

/** Validates one `functions[]` entry; returns what is wrong as a string when it is not usable. */
function readFunction(v: unknown): FunctionRecord | string {
  if (!isObject(v)) return 'not an object';
  const name = own(v, 'name');
  const count = own(v, 'count');
  const filenames = own(v, 'filenames');
  const regions = own(v, 'regions');
  const branches = own(v, 'branches');
  if (typeof name !== 'string') return '"name" must be a string';
  if (!isCount(count)) return '"count" must be a non-negative number';
  if (!Array.isArray(filenames) || filenames.length === 0 || !filenames.every((f) => typeof f === 'string')) return '"filenames" must be a non-empty array of strings';
  if (!Array.isArray(regions) || regions.length === 0) return '"regions" must be a non-empty array';
  const nf = filenames.length;
  for (const r of regions as unknown[]) {
    // [lineStart, colStart, lineEnd, colEnd, count, fileId, expandedFileId, kind]
    if (!Array.isArray(r) || r.length < 8) return 'each region must be an array of 8 numbers';
    if (!isInt(r[0]) || !isInt(r[1]) || !isInt(r[2]) || !isInt(r[3]) || !isCount(r[4]) || !isInt(r[5]) || !isInt(r[6]) || !isInt(r[7])) {
      return 'region fields must be non-negative numbers (integers but for the count)';
    }
    if (r[5] >= nf || (r[7] === EXPANSION_REGION && r[6] >= nf)) return 'a region names a file id outside "filenames"';
    if (r[2] < r[0] || (r[2] === r[0] && r[3] < r[1])) return 'a region ends before it starts';
  }
  if (branches !== undefined) {
    if (!Array.isArray(branches)) return '"branches" must be an array';
    for (const b of branches as unknown[]) {
      // [lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, fileId, expandedFileId, kind]
      if (!Array.isArray(b) || b.length < 9) return 'each branch must be an array of 9 numbers';
      if (!isInt(b[0]) || !isInt(b[1]) || !isInt(b[2]) || !isInt(b[3]) || !isCount(b[4]) || !isCount(b[5]) || !isInt(b[6])) {
        return 'branch fields must be non-negative numbers';
      }
      if (b[6] >= nf) return 'a branch names a file id outside "filenames"';
    }
  }
  const regs = regions as number[][];
  // findMainViewFileID: the definition's file is the first file id no expansion region targets.
  const expanded = new Uint8Array(nf);
  for (const r of regs) if (r[7] === EXPANSION_REGION) expanded[r[6]!] = 1;
  const mainFile = expanded.indexOf(0);
  if (mainFile < 0) return 'every file id is an expansion target (no main file)';
  if (!regs.some((r) => r[5] === mainFile)) return 'no region in the main file';
  return { name, count, filenames: filenames as string[], regions: regs, branches: (branches ?? []) as number[][], mainFile };
}

/** Lines of one instantiation, from its regions in the main file (CoverageMapping::getCoverageForFunction). */
function functionLines(f: FunctionRecord, budget: Budget): { lines: number[]; counts: number[]; covered: number } {
  const regions: Region[] = [];
  for (const r of f.regions) {
    if (r[5] === f.mainFile) regions.push({ ls: r[0]!, cs: r[1]!, le: r[2]!, ce: r[3]!, count: r[4]!, kind: r[7]! });
  }
  const work = { left: budget.left };
  const segments = buildSegments(regions, work);
  budget.left = work.left;
  if (budget.left <= 0) {
    budget.exceeded = true;
    return { lines: [], counts: [], covered: 0 };
  }
  const lc = lineCounts(segments, budget.left);
  budget.left -= lc.visited;
  if (budget.left <= 0) budget.exceeded = true;
  let covered = 0;
  for (const c of lc.counts) if (c > 0) covered++;
  return { lines: lc.lines, counts: lc.counts, covered };
}

/**
 * Branch outcomes of one instantiation: its branches in the main file, then (sumBranchExpansions)
 * those inside each expansion, recursively, placed on the line of the outermost expansion site with
 * an id that records the path (`<site col>><line>.<col>`), since their own positions are in another
 * file (a macro definition).
 */
function functionBranches(f: FunctionRecord): BranchOutcomes[] {
  const out: BranchOutcomes[] = [];
  const visit = (fileId: number, siteLine: number, path: string, depth: number) => {
    for (const b of f.branches) {
      if (b[6] !== fileId) continue;
      const line = siteLine > 0 ? siteLine : b[0]!;
      const id = siteLine > 0 ? `${path}${b[0]}.${b[1]}` : String(b[1]);
      out.push({ line, id, trueCount: b[4]!, falseCount: b[5]! });
    }
    // Expansion chains are short (nested macros); a cycle only exists in corrupt input.
    if (depth >= 32) return;
    for (const r of f.regions) {
      if (r[7] !== EXPANSION_REGION || r[5] !== fileId) continue;
      const site = siteLine > 0 ? siteLine : r[0]!;
      const p = siteLine > 0 ? `${path}${r[0]}.${r[1]}>` : `${r[1]}>`;
      visit(r[6]!, site, p, depth + 1);
    }
  };
  visit(f.mainFile, 0, '', 0);
  return out;
}

function emitGroup(g: Group, b: FileCoverageBuilder, usedIds: Map<string, Set<string>>, sink: DiagnosticSink, budget: Budget): void {
  // Lines: the instantiation with the most covered lines (then the most lines), as
  // FunctionCoverageSummary::get(Group) takes max(covered) and max(lines) over instantiations.
  let best: ReturnType<typeof functionLines> | null = null;
  let bestBranches: BranchOutcomes[] = [];
  let bestCovered = -1;
  let bestTotal = -1;
  let total = 0;
  for (const f of g.members) {
    total += f.count;
    const l = functionLines(f, budget);
    if (budget.exceeded) {
      sink.error('CW_LLVM_COV_TOO_LARGE', `${quoteKey(g.file)}: the regions need far more work than an export of this size can justify (regions spanning millions of lines or nested thousands deep: corrupt or hostile input); the remaining functions are ignored`);
      return;
    }
    if (best === null || l.covered > best.covered || (l.covered === best.covered && l.lines.length > best.lines.length)) best = l;
    const br = functionBranches(f);
    let covered = 0;
    for (const x of br) covered += (x.trueCount > 0 ? 1 : 0) + (x.falseCount > 0 ? 1 : 0);
    if (covered > bestCovered || (covered === bestCovered && br.length * 2 > bestTotal)) {
      bestBranches = br;
      bestCovered = covered;
      bestTotal = br.length * 2;
    }
  }
  for (let i = 0; i < best!.lines.length; i++) b.line(best!.lines[i]!, best!.counts[i]!);
  let used = usedIds.get(g.file);
  if (used === undefined) usedIds.set(g.file, (used = new Set()));
  for (const x of bestBranches) {
    // Ids must be unique per line, or the builder would merge two branches into one.
    let id = x.id;
    for (let n = 2; used.has(`${x.line}|${id}`); n++) id = `${x.id}#${n}`;
    used.add(`${x.line}|${id}`);
    b.branch(x.line, `${id}:true`, x.trueCount);
    b.branch(x.line, `${id}:false`, x.falseCount);
  }
  // Group names as llvm-cov prints them: the common name, else the definition's position.
  const first = g.members[0]!;
  const name = g.members.every((f) => f.name === first.name) ? first.name : `Definition at line ${g.line}, column ${g.col}`;
  const head = first.regions.find((r) => r[5] === first.mainFile)!;
  b.fn(name, g.line, total, head[2]!);
}

/** `-skip-functions` exports: the file's own segments and branches (file-level counting). */
function readFileSegments(f: JsonObject, b: FileCoverageBuilder, where: string, sink: DiagnosticSink, budget: Budget): void {
  const segs = own(f, 'segments');
  const segments: Segment[] = [];
  if (segs !== undefined) {
    if (!Array.isArray(segs)) {
      sink.error('CW_LLVM_COV_SEGMENT', `${where}: expected "segments" to be an array, found ${describeJson(segs)}`);
    } else {
      const bad = new BadEntries();
      for (let i = 0; i < segs.length; i++) {
        const s: unknown = segs[i];
        // [line, col, count, hasCount, isRegionEntry, isGapRegion]; exports before LLVM 11 have no isGapRegion.
        if (!Array.isArray(s) || s.length < 5 || !isInt(s[0]) || !isInt(s[1]) || !isCount(s[2]) || typeof s[3] !== 'boolean' || typeof s[4] !== 'boolean') {
          bad.add(i, s);
          continue;
        }
        segments.push({ line: s[0], col: s[1], count: s[2], hasCount: s[3], isRegionEntry: s[4], isGap: s[5] === true });
      }
      const m = bad.summary('a segment [line, column, count, hasCount, isRegionEntry, isGapRegion]');
      if (m !== null) sink.error('CW_LLVM_COV_SEGMENT', `${where}: segments: ${m}`);
    }
  }
  if (!budget.exceeded) {
    const lc = lineCounts(segments, budget.left);
    budget.left -= lc.visited;
    if (budget.left <= 0) {
      budget.exceeded = true;
      sink.error('CW_LLVM_COV_TOO_LARGE', `${where}: the segments span far more lines than an export of this size can hold (corrupt or hostile input)`);
    }
    for (let i = 0; i < lc.lines.length; i++) b.line(lc.lines[i]!, lc.counts[i]!);
  }
  const bad = new BadEntries();
  const used = new Set<string>();
  const addBranch = (v: unknown, where: number | string, line: number | null, prefix: string) => {
    if (!Array.isArray(v) || v.length < 6 || !isInt(v[0]) || !isInt(v[1]) || !isCount(v[4]) || !isCount(v[5])) {
      bad.add(where, v);
      return;
    }
    const l = line ?? v[0];
    const base = line === null ? String(v[1]) : `${prefix}${v[0]}.${v[1]}`;
    let id = base;
    for (let n = 2; used.has(`${l}|${id}`); n++) id = `${base}#${n}`;
    used.add(`${l}|${id}`);
    b.branch(l, `${id}:true`, v[4]);
    b.branch(l, `${id}:false`, v[5]);
  };
  const branches = own(f, 'branches');
  if (Array.isArray(branches)) branches.forEach((v: unknown, i) => addBranch(v, i, null, ''));
  const expansions = own(f, 'expansions');
  if (Array.isArray(expansions)) {
    expansions.forEach((e: unknown, i) => {
      const src = isObject(e) ? own(e, 'source_region') : undefined;
      const eb = isObject(e) ? own(e, 'branches') : undefined;
      if (!Array.isArray(src) || !isInt(src[0]) || !isInt(src[1])) {
        bad.add(`expansions[${i}]`, e);
        return;
      }
      if (Array.isArray(eb)) eb.forEach((v: unknown, j) => addBranch(v, `expansions[${i}].branches[${j}]`, src[0] as number, `${String(src[1])}>`));
    });
  }
  const m = bad.summary('a branch [lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, ...]');
  if (m !== null) sink.error('CW_LLVM_COV_BRANCH', `${where}: ${m}`);
}

/** Compares each file's numbers with llvm's own `summary` of it; differences become info diagnostics. */
function crossCheck(report: Report, summaries: Map<string, JsonObject | null>, sink: DiagnosticSink): void {
  for (const file of report.files) {
    const s = summaries.get(file.path);
    if (s === undefined || s === null) continue;
    const t = fileTotals(file);
    const pairs: [string, number | null, unknown][] = [
      ['lines', t.lines, metric(s, 'lines', 'count')],
      ['lines covered', t.hits + t.partials, metric(s, 'lines', 'covered')],
      ['branches', t.branches, metric(s, 'branches', 'count')],
      ['branches covered', t.branches_hit, metric(s, 'branches', 'covered')],
    ];
    if (t.functions !== null) {
      pairs.push(['functions', t.functions, metric(s, 'functions', 'count')], ['functions covered', t.functions_hit, metric(s, 'functions', 'covered')]);
    }
    const diffs = pairs.filter(([, ours, theirs]) => typeof theirs === 'number' && theirs !== ours);
    if (diffs.length > 0) {
      sink.add(
        'CW_LLVM_COV_SUMMARY_MISMATCH',
        'info',
        `${quoteKey(file.path)}: counted from the data ${diffs.map(([k, ours, theirs]) => `${k} ${ours} (llvm-cov's summary: ${String(theirs)})`).join(', ')}`,
      );
    }
  }
}

function metric(summary: JsonObject, what: string, field: string): unknown {
  const m = own(summary, what);
  return isObject(m) ? own(m, field) : undefined;
}
