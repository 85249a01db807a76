import type { FileCoverageBuilder } from '../model/file-builder.js';
import { GrowableFloat64, GrowableInt32 } from '../model/growable.js';
import type { ParseLimits } from '../model/limits.js';

/** Records held before they are handed over even if the file goes on (bounds memory on hostile input). */
const FLUSH_AT = 1 << 16;

/**
 * One file's line and branch records, collected in reusable typed columns and handed to its builder
 * in bulk (`addLines` / `addBranches`) when the file ends. Calling `line()` / `branch()` on the
 * builder per record made the XML parsers spend more time in growing JS arrays (and collecting them)
 * than in reading XML; columns go to the builder's shared slabs in one copy.
 *
 * Only records the builder would accept unchanged are collected: `line` / `branch` return false for
 * the others (out of range, clamped, fractional), and the parser gives those to the builder itself,
 * with their report line, so its diagnostics stay as they were.
 */
export class RecordColumns {
  private readonly lines = new GrowableInt32(1024);
  private readonly hits = new GrowableFloat64(1024);
  private readonly bLines = new GrowableInt32(256);
  private readonly bTaken = new GrowableFloat64(256);
  /** Entries past `bLines.length` are stale and never read (truncating would free and regrow it). */
  private readonly bIds: string[] = [];
  private readonly maxLine: number;
  private readonly maxHits: number;
  private file: FileCoverageBuilder | null = null;

  constructor(limits: ParseLimits) {
    this.maxLine = limits.maxLineNumber;
    this.maxHits = limits.maxHits;
  }

  /** Hands over what is held for the previous file, then collects for `file` (null: none). */
  start(file: FileCoverageBuilder | null): void {
    this.flush();
    this.file = file;
  }

  /** As `start`, unless `file` is already the one collected for (parsers whose records jump between files). */
  use(file: FileCoverageBuilder): void {
    if (file !== this.file) this.start(file);
  }

  /** True when the record was collected; false when the caller must give it to the builder. */
  line(line: number, hits: number): boolean {
    if (!(line >= 1 && line <= this.maxLine && (line | 0) === line && hits >= 0 && hits <= this.maxHits && Math.floor(hits) === hits)) return false;
    this.lines.push(line);
    this.hits.push(hits);
    if (this.lines.length >= FLUSH_AT) this.flushLines();
    return true;
  }

  /** As `line`, for a branch outcome. */
  branch(line: number, id: string, taken: number): boolean {
    if (!(line >= 1 && line <= this.maxLine && (line | 0) === line && taken >= 0 && taken <= this.maxHits && Math.floor(taken) === taken)) return false;
    const k = this.bLines.length;
    this.bLines.push(line);
    this.bTaken.push(taken);
    if (k < this.bIds.length) this.bIds[k] = id;
    else this.bIds.push(id);
    if (k + 1 >= FLUSH_AT) this.flushBranches();
    return true;
  }

  /** Hands over everything held to the current file. */
  flush(): void {
    this.flushLines();
    this.flushBranches();
  }

  private flushLines(): void {
    const n = this.lines.length;
    if (n > 0 && this.file !== null) this.file.addLines(this.lines.data, this.hits.data, n);
    this.lines.length = 0;
    this.hits.length = 0;
  }

  private flushBranches(): void {
    const n = this.bLines.length;
    if (n > 0 && this.file !== null) this.file.addBranches(this.bLines.data, this.bIds, this.bTaken.data, n);
    this.bLines.length = 0;
    this.bTaken.length = 0;
  }
}
