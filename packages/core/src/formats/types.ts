import type { Diagnostic } from '../model/diagnostics.js';
import type { ParseLimits } from '../model/limits.js';
import type { Report } from '../model/report.js';

/** Every format Coverwatch reads. A closed list: formats are never looked up by name at run time. */
export const FORMAT_IDS = [
  'lcov',
  'cobertura',
  'jacoco',
  'clover',
  'istanbul-json',
  'go-coverprofile',
  'coveragepy-json',
  'gcov-json',
  'gcov-text',
  'llvm-cov-json',
  'simplecov-resultset',
  'opencover',
  'coveralls',
  'gcovr-json',
  'sonarqube-generic',
  // Coverwatch's own lossless serialization (`coverwatch convert --to json`, upload envelopes).
  'coverwatch-json',
] as const;
export type FormatId = (typeof FORMAT_IDS)[number];

export interface ParseOptions {
  /** Name of the report file, used in diagnostics. */
  readonly fileName: string;
  readonly limits: ParseLimits;
}

/**
 * An incremental parser: feed it the report's bytes in chunks of any size, then call `end`.
 * Neither method throws on bad input; problems become diagnostics.
 */
export interface StreamParser {
  write(chunk: Uint8Array): void;
  end(): ParseOutcome;
}

/**
 * `ok`: the report was read (warnings may remain). `invalid`: the input is this format but corrupt;
 * `report` holds what could be read and `diagnostics` at least one error.
 */
export interface ParseOutcome {
  readonly status: 'ok' | 'invalid';
  readonly report: Report;
  readonly diagnostics: Diagnostic[];
}

export interface FormatParser {
  readonly id: FormatId;
  /** Human name, e.g. "LCOV tracefile". */
  readonly title: string;
  /**
   * How sure we are that `head` (the first bytes of the file, decoded as UTF-8, at most
   * DETECT_HEAD_BYTES) is this format: 0 = not this format, 1 = certain. Must be cheap.
   */
  detect(head: string, fileName: string): number;
  createParser(options: ParseOptions): StreamParser;
}

/** How many leading bytes detection looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;
