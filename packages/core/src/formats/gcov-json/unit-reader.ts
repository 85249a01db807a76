import type { FileCoverageBuilder } from '../../model/file-builder.js';
import type { ReportBuilder } from '../../model/report.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { StagedDiagnostics } from './staged-diagnostics.js';

/** `format_version` values we know: "1" (gcc 9-13) and "2" (gcc 14: adds block ids, calls, conditions). */
const KNOWN_VERSIONS = new Set(['1', '2']);

const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;
const isLineNumber = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 1;

/**
 * A name out of JSON.parse may be a slice of the entry's whole text, which it would keep alive as
 * long as the report (V8 sliced strings, 13 characters and longer): the report keeps a flat copy.
 */
const flatCopy = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));

/**
 * Reads one translation unit's document: its `files[]` entries one by one as they stream in
 * (`file`), then the rest of the document (`finish`). Every record and diagnostic carries `at`, the
 * report line the document starts on (exact for gcov's one-line documents). Diagnostics about the
 * document go to `diags` unlabelled; it puts "the document" or "document at line N" in front.
 */
export class UnitReader {
  private readonly badFiles = new BadEntries();
  /** Branch outcomes read (file-entry-bytes.ts counts its own in too). */
  branches = 0;
  /** Functions with more than 3 basic blocks (entry, body, exit and at least one more). */
  branchyFunctions = 0;

  constructor(
    readonly report: ReportBuilder,
    private readonly diags: StagedDiagnostics,
    readonly at: number,
  ) {}

  /** One `files[i]` entry. */
  file(f: unknown, i: number): void {
    if (!isObject(f) || typeof own(f, 'file') !== 'string') {
      this.badFiles.add(i, f);
      return;
    }
    const b = this.report.file(own(f, 'file') as string, this.at);
    if (b !== null) this.readFile(f, b, `files[${i}] (${quoteKey(b.path)})`);
  }

  /**
   * The rest of the document, its streamed `files` emptied; undefined when it was not valid JSON
   * (then only what its entries showed is said).
   */
  finish(root: unknown): void {
    if (root !== undefined && !this.readRoot(root)) return;
    // gcov writes `"branches": []` on every line unless it ran with -b (--branch-probabilities): a
    // unit with functions of several basic blocks but not one branch was almost surely made without it.
    if (root !== undefined && this.branches === 0 && this.branchyFunctions > 0) {
      this.diags.unit('CW_GCOV_JSON_NO_BRANCHES', 'info', `no branch data although ${this.branchyFunctions} functions have more than 3 blocks; gcov writes branches only with -b (--branch-probabilities)`, this.at);
    }
    const msg = this.badFiles.summary('an object with a string "file"');
    if (msg !== null) this.diags.unit('CW_GCOV_JSON_FILE', 'error', `files: ${msg}`, this.at);
  }

  /** Checks the document as a whole (said before its entries' diagnostics); false when it is not a unit. */
  private readRoot(root: unknown): boolean {
    if (!isObject(root)) {
      this.diags.unit('CW_GCOV_JSON_SHAPE', 'error', `expected a gcov JSON object, found ${describeJson(root)}`, this.at, true);
      return false;
    }
    const files = own(root, 'files');
    if (!Array.isArray(files)) {
      this.diags.unit('CW_GCOV_JSON_SHAPE', 'error', `expected "files" to be an array of source files, found ${describeJson(files)}`, this.at, true);
      return false;
    }
    const version = own(root, 'format_version');
    if (typeof version !== 'string') {
      this.diags.unit('CW_GCOV_JSON_VERSION', 'warning', `"format_version" is ${describeJson(version)}, expected a string such as "1"; reading it as version 1`, this.at, true);
    } else if (!KNOWN_VERSIONS.has(version)) {
      this.diags.unit('CW_GCOV_JSON_VERSION', 'warning', `unknown format_version ${quoteKey(version)} (known: 1, 2); reading the fields both versions share`, this.at, true);
    }
    // Empty unless the document repeats "files" (only the first such array streams; JSON.parse keeps the last).
    files.forEach((f: unknown, i) => this.file(f, i));
    return true;
  }

  private readFile(f: JsonObject, b: FileCoverageBuilder, where: string): void {
    const at = this.at;
    // gcov always writes "functions" (possibly empty): the file has a function metric.
    b.enableFunctions();
    const lines = own(f, 'lines');
    const functions = own(f, 'functions');
    if (lines !== undefined && !Array.isArray(lines)) {
      this.diags.unit('CW_GCOV_JSON_FIELD', 'error', `${where}: expected "lines" to be an array, found ${describeJson(lines)}`, at);
    }
    if (functions !== undefined && !Array.isArray(functions)) {
      this.diags.unit('CW_GCOV_JSON_FIELD', 'error', `${where}: expected "functions" to be an array, found ${describeJson(functions)}`, at);
    }
    if (Array.isArray(lines)) this.readLines(lines, b, where);
    if (Array.isArray(functions)) this.readFunctions(functions, b, where);
  }

  private readLines(lines: readonly unknown[], b: FileCoverageBuilder, where: string): void {
    const at = this.at;
    const badLines = new BadEntries();
    const badBranches = new BadEntries();
    // A line number repeats when a line belongs to several functions of one group (C++ template
    // instantiations, gcc >= 10): each instance has its own branches, which gcov counts separately,
    // so the k-th repeat prefixes its branch ids with "k:" (the first keeps the plain index).
    const repeats = new Map<number, number>();
    for (let i = 0; i < lines.length; i++) {
      const l: unknown = lines[i];
      if (!isObject(l)) {
        badLines.add(i, l);
        continue;
      }
      const line = own(l, 'line_number');
      const count = own(l, 'count');
      if (!isLineNumber(line) || !isCount(count)) {
        badLines.add(i, l);
        continue;
      }
      b.line(line, count, at);
      const branches = own(l, 'branches');
      if (branches === undefined) continue;
      if (!Array.isArray(branches)) {
        badBranches.add(i, branches);
        continue;
      }
      if (branches.length === 0) continue;
      const k = repeats.get(line) ?? 0;
      repeats.set(line, k + 1);
      const prefix = k === 0 ? '' : `${k}:`;
      for (let j = 0; j < branches.length; j++) {
        const br: unknown = branches[j];
        const taken = isObject(br) ? own(br, 'count') : undefined;
        if (!isCount(taken)) {
          badBranches.add(`${i}].branches[${j}`, br);
          continue;
        }
        b.branch(line, prefix + String(j), taken, at);
        this.branches++;
      }
    }
    const lm = badLines.summary('an object with a positive integer "line_number" and a non-negative "count"');
    if (lm !== null) this.diags.unit('CW_GCOV_JSON_LINE', 'error', `${where}: lines: ${lm}`, at);
    const bm = badBranches.summary('a branch object with a non-negative "count"');
    if (bm !== null) this.diags.unit('CW_GCOV_JSON_BRANCH', 'error', `${where}: lines: ${bm}`, at);
  }

  private readFunctions(functions: readonly unknown[], b: FileCoverageBuilder, where: string): void {
    const bad = new BadEntries();
    for (let i = 0; i < functions.length; i++) {
      const fn: unknown = functions[i];
      if (!isObject(fn)) {
        bad.add(i, fn);
        continue;
      }
      // demangled_name is what gcov -f prints for C++ (equal to name for C); name is the fallback.
      const demangled = own(fn, 'demangled_name');
      const name = typeof demangled === 'string' && demangled.length > 0 ? demangled : own(fn, 'name');
      const blocks = own(fn, 'blocks');
      if (isNumber(blocks) && blocks > 3) this.branchyFunctions++;
      const start = own(fn, 'start_line');
      const hits = own(fn, 'execution_count');
      const end = own(fn, 'end_line');
      if (typeof name !== 'string' || name.length === 0 || !isLineNumber(start) || !isCount(hits)) {
        bad.add(i, fn);
        continue;
      }
      b.fn(flatCopy(name), start, hits, isLineNumber(end) ? end : null, this.at);
    }
    const m = bad.summary('an object with a "name", a positive integer "start_line" and a non-negative "execution_count"');
    if (m !== null) this.diags.unit('CW_GCOV_JSON_FUNCTION', 'error', `${where}: functions: ${m}`, this.at);
  }
}
