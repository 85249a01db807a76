/**
 * Limits that keep hostile reports from exhausting memory or producing meaningless numbers.
 * Parsers clamp or reject values outside them and say so in a diagnostic.
 */
export interface ParseLimits {
  /** Largest accepted line number; larger ones are dropped with a warning. */
  readonly maxLineNumber: number;
  /** Hit counts above this are clamped (with a warning); sums saturate here too. */
  readonly maxHits: number;
  /** Longest accepted source path, in UTF-16 code units. */
  readonly maxPathLength: number;
  /** Most distinct source files one report may hold. */
  readonly maxFilesPerReport: number;
  /** Longest single text line (or XML token) a line-oriented parser accepts. */
  readonly maxRecordLength: number;
  /** Largest report a parser that must hold the whole document (JSON) accepts, in bytes. */
  readonly maxDocumentBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = Object.freeze({
  maxLineNumber: 10_000_000,
  maxHits: Number.MAX_SAFE_INTEGER,
  maxPathLength: 4096,
  maxFilesPerReport: 1_000_000,
  maxRecordLength: 1 << 20,
  maxDocumentBytes: 512 * 1024 * 1024,
});

/** Adds two hit counts, saturating at `max` so merges stay associative even at the limit. */
export function addHits(a: number, b: number, max: number): number {
  const s = a + b;
  return s > max ? max : s;
}
