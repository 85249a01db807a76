import { DiagnosticSink, type Diagnostic } from '../model/diagnostics.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../model/limits.js';
import { EMPTY_REPORT, type Report } from '../model/report.js';
import { decodeUtf8 } from '../text/text-decoder.js';
import { lcovFormat } from './lcov/index.js';
import { goCoverprofileFormat } from './go-coverprofile/index.js';
import { gcovJsonFormat } from './gcov-json/index.js';
import { gcovTextFormat } from './gcov-text/index.js';
import { llvmCovJsonFormat } from './llvm-cov-json/index.js';
import { coverwatchJsonFormat } from './coverwatch-json/index.js';
import { coberturaFormat } from './cobertura/index.js';
import { jacocoFormat } from './jacoco/index.js';
import { opencoverFormat } from './opencover/index.js';
import { cloverFormat } from './clover/index.js';
import { sonarqubeGenericFormat } from './sonarqube-generic/index.js';
import { istanbulJsonFormat } from './istanbul-json/index.js';
import { coveragepyJsonFormat } from './coveragepy-json/index.js';
import { coverallsFormat } from './coveralls/index.js';
import { gcovrJsonFormat } from './gcovr-json/index.js';
import { simplecovResultsetFormat } from './simplecov-resultset/index.js';
import { detectSummaryOnly } from './summary-only.js';
import { DETECT_HEAD_BYTES, type FormatId, type FormatParser, type StreamParser } from './types.js';
import { copyBytes } from '../text/bytes.js';

/** Every supported format. A closed list, in the order detection breaks ties. */
export const FORMATS: readonly FormatParser[] = [
  lcovFormat,
  goCoverprofileFormat,
  gcovJsonFormat,
  gcovTextFormat,
  llvmCovJsonFormat,
  coverwatchJsonFormat,
  coberturaFormat,
  jacocoFormat,
  opencoverFormat,
  cloverFormat,
  sonarqubeGenericFormat,
  istanbulJsonFormat,
  coveragepyJsonFormat,
  coverallsFormat,
  gcovrJsonFormat,
  simplecovResultsetFormat,
];

export function formatById(id: string): FormatParser | undefined {
  return FORMATS.find((f) => f.id === id);
}

export interface DetectionCandidate {
  readonly format: FormatId;
  readonly confidence: number;
}

export type Detection =
  | { readonly kind: 'detected'; readonly format: FormatParser; readonly candidates: readonly DetectionCandidate[] }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly DetectionCandidate[] }
  | { readonly kind: 'summary-only'; readonly what: string; readonly instead: string }
  | { readonly kind: 'unrecognized'; readonly candidates: readonly DetectionCandidate[] };

/** Confidence below which a format is only named as a candidate, never chosen. */
const SURE = 0.5;
/** Two candidates this close are a tie that needs `--format`. */
const TIE = 0.05;

/** Picks the format of a report from its first bytes (decoded) and its name. */
export function detectFormat(head: string, fileName: string): Detection {
  const summary = detectSummaryOnly(head);
  if (summary !== null) return { kind: 'summary-only', what: summary.kind, instead: summary.instead };
  const candidates = FORMATS.map((f) => ({ format: f.id, confidence: safeDetect(f, head, fileName) }))
    .filter((c) => c.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence);
  const best = candidates[0];
  if (best === undefined || best.confidence < SURE) return { kind: 'unrecognized', candidates };
  const second = candidates[1];
  if (second !== undefined && best.confidence - second.confidence < TIE) return { kind: 'ambiguous', candidates };
  return { kind: 'detected', format: formatById(best.format)!, candidates };
}

function safeDetect(f: FormatParser, head: string, fileName: string): number {
  try {
    const c = f.detect(head, fileName);
    return Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
  } catch {
    return 0;
  }
}

export interface ParseReportOptions {
  /** Name of the report file, used in diagnostics and for detection hints. */
  readonly fileName: string;
  /** Skip detection and parse as this format. */
  readonly format?: FormatId;
  readonly limits?: ParseLimits;
}

/**
 * The outcome of reading one report file. `unrecognized` (not a format we know, or a summary-only
 * file) is distinct from `invalid` (a known format, but corrupt).
 */
export interface ParseResult {
  readonly status: 'ok' | 'invalid' | 'unrecognized';
  readonly format: FormatId | null;
  readonly report: Report;
  readonly diagnostics: Diagnostic[];
}

/** A streaming reader of one report file of any supported format. */
export interface ReportReader {
  write(chunk: Uint8Array): void;
  end(): ParseResult;
}

/**
 * Starts reading a report whose bytes arrive in chunks. Detection waits for the first
 * DETECT_HEAD_BYTES (or the end); afterwards chunks stream straight into the format's parser.
 */
export function createReportReader(options: ParseReportOptions): ReportReader {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const fileName = options.fileName;
  let parser: StreamParser | null = null;
  let format: FormatId | null = null;
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  let refused: ParseResult | null = null;

  const start = (final: boolean) => {
    let chosen: FormatParser | undefined;
    if (options.format !== undefined) {
      chosen = formatById(options.format);
      if (chosen === undefined) {
        refused = unrecognized(fileName, 'CW_FORMAT_UNKNOWN', `unknown format "${options.format}"; known formats: ${FORMATS.map((f) => f.id).join(', ')}`);
      }
    } else if (final && pendingSize === 0) {
      refused = unrecognized(fileName, 'CW_REPORT_EMPTY', 'the report file is empty');
    } else {
      const head = decodeUtf8(concat(pending, Math.min(pendingSize, DETECT_HEAD_BYTES)));
      const d = detectFormat(head, fileName);
      if (d.kind === 'detected') chosen = d.format;
      else refused = refusal(fileName, d, final || pendingSize >= DETECT_HEAD_BYTES);
    }
    if (chosen !== undefined) {
      format = chosen.id;
      parser = chosen.createParser({ fileName, limits });
      for (const c of pending) parser.write(c);
    }
    pending = [];
  };

  return {
    write(chunk) {
      if (refused !== null || chunk.length === 0) return;
      // With the format given there is nothing to wait for.
      if (parser === null && options.format !== undefined) start(false);
      if (parser !== null) {
        parser.write(chunk);
        return;
      }
      if (refused !== null) return;
      // Copied: the caller may reuse its buffer for the next chunk (a file read into one buffer).
      pending.push(copyBytes(chunk));
      pendingSize += chunk.length;
      if (pendingSize >= DETECT_HEAD_BYTES) start(false);
    },
    end(): ParseResult {
      if (parser === null && refused === null) start(true);
      if (refused !== null) return refused;
      const out = parser!.end();
      return { status: out.status, format, report: out.report, diagnostics: out.diagnostics };
    },
  };
}

/** Reads a whole report held in memory (or given as chunks). Never throws on bad input. */
export function parseReport(input: Uint8Array | Iterable<Uint8Array>, options: ParseReportOptions): ParseResult {
  const reader = createReportReader(options);
  if (input instanceof Uint8Array) reader.write(input);
  else for (const c of input) reader.write(c);
  return reader.end();
}

function refusal(fileName: string, d: Exclude<Detection, { kind: 'detected' }>, _sawEnough: boolean): ParseResult {
  switch (d.kind) {
    case 'summary-only':
      return unrecognized(fileName, 'CW_SUMMARY_ONLY', `this is ${d.what}: it holds only totals and no line data; upload ${d.instead} instead`);
    case 'ambiguous':
      return unrecognized(
        fileName,
        'CW_FORMAT_AMBIGUOUS',
        `cannot tell the format: it could be ${d.candidates.map((c) => c.format).join(' or ')}; pass the format explicitly (--format)`,
      );
    case 'unrecognized':
      return unrecognized(
        fileName,
        'CW_FORMAT_UNRECOGNIZED',
        d.candidates.length === 0
          ? `not a coverage report format Coverwatch knows (${FORMATS.map((f) => f.id).join(', ')})`
          : `not sure which format this is (weak candidates: ${d.candidates.map((c) => `${c.format} ${c.confidence.toFixed(2)}`).join(', ')}); pass the format explicitly (--format)`,
      );
  }
}

function unrecognized(fileName: string, code: string, message: string): ParseResult {
  const sink = new DiagnosticSink(fileName);
  sink.error(code, message);
  return { status: 'unrecognized', format: null, report: EMPTY_REPORT, diagnostics: sink.finish() };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    if (o >= size) break;
    const n = Math.min(c.length, size - o);
    out.set(n === c.length ? c : c.subarray(0, n), o);
    o += n;
  }
  return out;
}
