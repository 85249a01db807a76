import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { JsonDocument } from '../../text/json-document.js';
import { BadEntries, describeJson, isNumber, isObject, own, quoteKey, type JsonObject } from '../../text/json-guards.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';
import { copyBytes } from '../../text/bytes.js';

/** `format_version` values we know: "1" (gcc 9-13) and "2" (gcc 14: adds block ids, calls, conditions). */
const KNOWN_VERSIONS = new Set(['1', '2']);

/**
 * `gcov --json-format` parser (gcc 9+, `format_version` "1" and "2"). The I/O layer gunzips the
 * `.gcov.json.gz` files gcov writes by default; this sees plain JSON.
 *
 * One document per translation unit; `gcov --stdout` with several `.gcda` files writes one document
 * per line, so a file may hold several (each is read, in order). Every `files[].lines[]` entry is a
 * line record (line_number, count), every `branches[]` entry of a line one branch outcome (gcov emits
 * exactly the arcs it counts in "Taken at least once": conditional, non-call arcs, throw arcs
 * included), every `functions[]` entry a function (demangled_name, start_line, execution_count,
 * end_line). See docs/formats/gcov-json.md.
 */
export function createGcovJsonParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const max = options.limits.maxDocumentBytes;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflow = false;
  return {
    write(chunk) {
      if (overflow || chunk.length === 0) return;
      if (size + chunk.length > max) {
        overflow = true;
        chunks.length = 0;
        sink.error('CW_DOCUMENT_TOO_LARGE', `the JSON document is larger than the limit of ${max} bytes`);
        return;
      }
      chunks.push(copyBytes(chunk));
      size += chunk.length;
    },
    end(): ParseOutcome {
      const report = new ReportBuilder(sink, options.limits);
      if (!overflow) {
        const bytes = concat(chunks, size);
        chunks.length = 0;
        const docs = splitDocuments(bytes);
        if (docs.length === 0) sink.error('CW_GCOV_JSON_EMPTY', 'the file is empty: expected a gcov JSON object');
        for (const d of docs) {
          // Parse through a private sink so JSON syntax errors get report lines, not document lines.
          const local = new DiagnosticSink(undefined);
          const doc = new JsonDocument(local, max);
          doc.write(bytes.subarray(d.start, d.end));
          const value = doc.parse();
          for (const x of local.finish()) sink.add(x.code, x.severity, x.message, (x.line ?? 1) + d.line - 1);
          if (value !== undefined) readUnit(value, d.line, docs.length > 1, report, sink);
        }
      }
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

interface DocumentSpan {
  start: number;
  end: number;
  /** 1-based report line the document starts on. */
  line: number;
}

/**
 * Splits concatenated documents. gcov writes each as one compact line, so a boundary is a newline
 * between a `}` and a `{`; that never occurs inside one JSON document (an object after an object needs
 * a comma, and strings cannot hold a raw newline), so a single pretty-printed document stays whole.
 */
export function splitDocuments(bytes: Uint8Array): DocumentSpan[] {
  const out: DocumentSpan[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let nl = bytes.indexOf(10);
  while (nl >= 0) {
    line++;
    let p = nl - 1;
    while (p >= start && isSpace(bytes[p]!)) p--;
    let q = nl + 1;
    while (q < bytes.length && isSpace(bytes[q]!)) q++;
    if (p >= start && bytes[p] === 0x7d && q < bytes.length && bytes[q] === 0x7b) {
      out.push({ start, end: nl, line: startLine });
      start = nl + 1;
      startLine = line;
    }
    nl = bytes.indexOf(10, nl + 1);
  }
  // A UTF-8 BOM (dropped by the decoder) or trailing newlines are not a document.
  let i = start === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : start;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  if (i < bytes.length) out.push({ start, end: bytes.length, line: startLine });
  return out;
}

function isSpace(b: number): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Reads one translation unit's document. `at` is its report line (exact for gcov's one-line documents). */
function readUnit(root: unknown, at: number, several: boolean, report: ReportBuilder, sink: DiagnosticSink): void {
  const unit = several ? `document at line ${at}` : 'the document';
  if (!isObject(root)) {
    sink.error('CW_GCOV_JSON_SHAPE', `${unit}: expected a gcov JSON object, found ${describeJson(root)}`, at);
    return;
  }
  const version = own(root, 'format_version');
  const files = own(root, 'files');
  if (!Array.isArray(files)) {
    sink.error('CW_GCOV_JSON_SHAPE', `${unit}: expected "files" to be an array of source files, found ${describeJson(files)}`, at);
    return;
  }
  if (typeof version !== 'string') {
    sink.warn('CW_GCOV_JSON_VERSION', `${unit}: "format_version" is ${describeJson(version)}, expected a string such as "1"; reading it as version 1`, at);
  } else if (!KNOWN_VERSIONS.has(version)) {
    sink.warn('CW_GCOV_JSON_VERSION', `${unit}: unknown format_version ${quoteKey(version)} (known: 1, 2); reading the fields both versions share`, at);
  }
  const badFiles = new BadEntries();
  const seen: UnitStats = { branches: 0, branchyFunctions: 0 };
  files.forEach((f: unknown, i) => {
    if (!isObject(f) || typeof own(f, 'file') !== 'string') {
      badFiles.add(i, f);
      return;
    }
    const b = report.file(own(f, 'file') as string, at);
    if (b !== null) readFile(f, b, `${unit}: files[${i}] (${quoteKey(b.path)})`, at, sink, seen);
  });
  // gcov writes `"branches": []` on every line unless it ran with -b (--branch-probabilities): a
  // unit with functions of several basic blocks but not one branch was almost surely made without it.
  if (seen.branches === 0 && seen.branchyFunctions > 0) {
    sink.add('CW_GCOV_JSON_NO_BRANCHES', 'info', `${unit}: no branch data although ${seen.branchyFunctions} functions have more than 3 blocks; gcov writes branches only with -b (--branch-probabilities)`, at);
  }
  const msg = badFiles.summary('an object with a string "file"');
  if (msg !== null) sink.error('CW_GCOV_JSON_FILE', `${unit}: files: ${msg}`, at);
}

const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;
const isLineNumber = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 1;

/** What a unit holds, for the missing-branches hint. */
interface UnitStats {
  branches: number;
  /** Functions with more than 3 basic blocks (entry, body, exit and at least one more). */
  branchyFunctions: number;
}

function readFile(f: JsonObject, b: FileCoverageBuilder, where: string, at: number, sink: DiagnosticSink, stats: UnitStats): void {
  // gcov always writes "functions" (possibly empty): the file has a function metric.
  b.enableFunctions();
  const lines = own(f, 'lines');
  const functions = own(f, 'functions');
  if (lines !== undefined && !Array.isArray(lines)) {
    sink.error('CW_GCOV_JSON_FIELD', `${where}: expected "lines" to be an array, found ${describeJson(lines)}`, at);
  }
  if (functions !== undefined && !Array.isArray(functions)) {
    sink.error('CW_GCOV_JSON_FIELD', `${where}: expected "functions" to be an array, found ${describeJson(functions)}`, at);
  }
  if (Array.isArray(lines)) {
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
        stats.branches++;
      }
    }
    const lm = badLines.summary('an object with a positive integer "line_number" and a non-negative "count"');
    if (lm !== null) sink.error('CW_GCOV_JSON_LINE', `${where}: lines: ${lm}`, at);
    const bm = badBranches.summary('a branch object with a non-negative "count"');
    if (bm !== null) sink.error('CW_GCOV_JSON_BRANCH', `${where}: lines: ${bm}`, at);
  }
  if (Array.isArray(functions)) {
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
      if (isNumber(blocks) && blocks > 3) stats.branchyFunctions++;
      const start = own(fn, 'start_line');
      const hits = own(fn, 'execution_count');
      const end = own(fn, 'end_line');
      if (typeof name !== 'string' || name.length === 0 || !isLineNumber(start) || !isCount(hits)) {
        bad.add(i, fn);
        continue;
      }
      b.fn(name, start, hits, isLineNumber(end) ? end : null, at);
    }
    const m = bad.summary('an object with a "name", a positive integer "start_line" and a non-negative "execution_count"');
    if (m !== null) sink.error('CW_GCOV_JSON_FUNCTION', `${where}: functions: ${m}`, at);
  }
}
