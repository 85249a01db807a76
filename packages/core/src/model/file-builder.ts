import { addHits, type ParseLimits } from './limits.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage, FunctionRecord, StatementColumns } from './file-coverage.js';
import { GrowableFloat64, GrowableInt32 } from './growable.js';

/**
 * Accumulates one file's records in any order and with repeats (lcov repeats `SF` blocks, Go repeats
 * blocks across test binaries); `build()` sorts and merges them. Repeated records add up: hit counts
 * are execution counts, so two records of the same line mean the line ran in both (see
 * docs/coverage-semantics.md, "Merging").
 *
 * Every `add*` validates its numbers against the limits and reports problems to the sink with the
 * report line `at`, returning false when the record was dropped.
 */
/**
 * Pending records past which a builder merges what it holds. A hostile report can repeat the same
 * record endlessly (1 GB of `DA:1,1`); compaction keeps memory proportional to distinct records.
 * Real files stay far below it, so it costs nothing in the common case.
 */
const COMPACT_MIN = 1 << 20;

export class FileCoverageBuilder {
  private linesCompactAt = COMPACT_MIN;
  private branchesCompactAt = COMPACT_MIN;
  private statementsCompactAt = COMPACT_MIN;
  private functionsCompactAt = COMPACT_MIN >> 4;
  private readonly lines = new GrowableInt32();
  private readonly hits = new GrowableFloat64();
  private readonly bLines = new GrowableInt32();
  private readonly bIds: string[] = [];
  private readonly bTaken = new GrowableFloat64();
  private fns: FunctionRecord[] | null = null;
  private sLines: GrowableInt32 | null = null;
  private sCols: GrowableInt32 | null = null;
  private sHits: GrowableFloat64 | null = null;

  constructor(
    readonly path: string,
    private readonly limits: ParseLimits,
    private readonly sink: DiagnosticSink,
  ) {}

  /** Records that `line` ran `hits` times (0 = instrumented but never ran). */
  line(line: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.lines.push(line);
    this.hits.push(h);
    if (this.lines.length >= this.linesCompactAt) this.compactLines();
    return true;
  }

  /** Records a branch outcome of `line`; `id` identifies it within the line. */
  branch(line: number, id: string, taken: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const t = this.checkHits(taken, at);
    if (t < 0) return false;
    this.bLines.push(line);
    this.bIds.push(id);
    this.bTaken.push(t);
    if (this.bLines.length >= this.branchesCompactAt) this.compactBranches();
    return true;
  }

  /** Records a function starting at `line`; functions with the same (name, line) are one function. */
  fn(name: string, line: number, hits: number, endLine: number | null = null, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.enableFunctions();
    const end = endLine !== null && Number.isInteger(endLine) && endLine >= line && endLine <= this.limits.maxLineNumber ? endLine : null;
    this.fns!.push({ name, line, endLine: end, hits: h });
    if (this.fns!.length >= this.functionsCompactAt) {
      this.fns = normalizeFunctions(this.fns!, this.limits.maxHits);
      this.functionsCompactAt = Math.max(COMPACT_MIN >> 4, this.fns.length * 2);
    }
    return true;
  }

  /** Marks this file as having a function metric even if it ends up with no functions. */
  enableFunctions(): void {
    if (this.fns === null) this.fns = [];
  }

  /** Marks this file as having a statement metric even if it ends up with no statements. */
  enableStatements(): void {
    if (this.sLines === null) {
      this.sLines = new GrowableInt32();
      this.sCols = new GrowableInt32();
      this.sHits = new GrowableFloat64();
    }
  }

  /** Records a statement starting at (line, column); that pair is its identity. */
  statement(line: number, column: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.enableStatements();
    this.sLines!.push(line);
    this.sCols!.push(Number.isInteger(column) && column >= 0 ? Math.min(column, 0x7fffffff) : 0);
    this.sHits!.push(h);
    if (this.sLines!.length >= this.statementsCompactAt) this.compactStatements();
    return true;
  }

  /** Records held before `build()`, duplicates included (bounded by compaction). */
  get pendingRecords(): number {
    return this.lines.length + this.bLines.length + (this.fns?.length ?? 0) + (this.sLines?.length ?? 0);
  }

  private compactLines(): void {
    const [l, h] = normalizeLines(this.lines.toArray(), this.hits.toArray(), this.limits.maxHits);
    this.lines.reset(l);
    this.hits.reset(h);
    this.linesCompactAt = Math.max(COMPACT_MIN, l.length * 2);
  }

  private compactBranches(): void {
    const b = normalizeBranches(this.bLines.toArray(), this.bIds, this.bTaken.toArray(), this.limits.maxHits);
    this.bLines.reset(b.lines);
    this.bTaken.reset(b.taken);
    this.bIds.length = 0;
    for (const id of b.ids) this.bIds.push(id);
    this.branchesCompactAt = Math.max(COMPACT_MIN, b.lines.length * 2);
  }

  private compactStatements(): void {
    const st = normalizeStatements(this.sLines!.toArray(), this.sCols!.toArray(), this.sHits!.toArray(), this.limits.maxHits);
    this.sLines!.reset(st.lines);
    this.sCols!.reset(st.columns);
    this.sHits!.reset(st.hits);
    this.statementsCompactAt = Math.max(COMPACT_MIN, st.lines.length * 2);
  }

  get isEmpty(): boolean {
    return this.lines.length === 0 && this.bLines.length === 0 && this.fns === null && this.sLines === null;
  }

  build(): FileCoverage {
    const max = this.limits.maxHits;
    const [lineNumbers, lineHits] = normalizeLines(this.lines.toArray(), this.hits.toArray(), max);
    const branches = normalizeBranches(this.bLines.toArray(), this.bIds, this.bTaken.toArray(), max);
    const functions = this.fns === null ? null : normalizeFunctions(this.fns, max);
    const statements: StatementColumns | null =
      this.sLines === null ? null : normalizeStatements(this.sLines.toArray(), this.sCols!.toArray(), this.sHits!.toArray(), max);
    return {
      path: this.path,
      lineNumbers,
      lineHits,
      branchLines: branches.lines,
      branchIds: branches.ids,
      branchTaken: branches.taken,
      functions,
      statements,
    };
  }

  /** Adds every record of an already-normalized file (used by merge). */
  addFile(f: FileCoverage): void {
    for (let i = 0; i < f.lineNumbers.length; i++) {
      this.lines.push(f.lineNumbers[i]!);
      this.hits.push(f.lineHits[i]!);
    }
    for (let i = 0; i < f.branchLines.length; i++) {
      this.bLines.push(f.branchLines[i]!);
      this.bIds.push(f.branchIds[i]!);
      this.bTaken.push(f.branchTaken[i]!);
    }
    if (f.functions !== null) {
      this.enableFunctions();
      for (const fn of f.functions) this.fns!.push(fn);
    }
    if (f.statements !== null) {
      this.enableStatements();
      const s = f.statements;
      for (let i = 0; i < s.lines.length; i++) {
        this.sLines!.push(s.lines[i]!);
        this.sCols!.push(s.columns[i]!);
        this.sHits!.push(s.hits[i]!);
      }
    }
  }

  private checkLine(line: number, at: number | undefined): boolean {
    if (!Number.isInteger(line) || line < 1) {
      this.sink.warn('CW_LINE_INVALID', `${this.path}: line number ${String(line)} is not a positive integer; record ignored`, at);
      return false;
    }
    if (line > this.limits.maxLineNumber) {
      this.sink.warn('CW_LINE_TOO_LARGE', `${this.path}: line number ${line} exceeds the limit of ${this.limits.maxLineNumber}; record ignored`, at);
      return false;
    }
    return true;
  }

  /** Returns the count to store, or -1 when the record must be dropped. */
  private checkHits(hits: number, at: number | undefined): number {
    if (Number.isNaN(hits) || hits < 0) {
      this.sink.warn('CW_HITS_INVALID', `${this.path}: hit count ${String(hits)} is not a non-negative number; record ignored`, at);
      return -1;
    }
    if (hits > this.limits.maxHits) {
      this.sink.warn('CW_HITS_CLAMPED', `${this.path}: hit count ${String(hits)} clamped to ${this.limits.maxHits}`, at);
      return this.limits.maxHits;
    }
    return Number.isInteger(hits) ? hits : Math.floor(hits);
  }
}

function isStrictlyAscending(a: Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return false;
  return true;
}

function normalizeLines(lines: Int32Array, hits: Float64Array, max: number): [Int32Array, Float64Array] {
  if (isStrictlyAscending(lines)) return [lines, hits];
  const order = sortedOrder(lines.length, (a, b) => lines[a]! - lines[b]!);
  const outL = new GrowableInt32(lines.length);
  const outH = new GrowableFloat64(lines.length);
  for (const i of order) {
    const l = lines[i]!;
    if (outL.length > 0 && outL.data[outL.length - 1] === l) {
      outH.data[outH.length - 1] = addHits(outH.data[outH.length - 1]!, hits[i]!, max);
    } else {
      outL.push(l);
      outH.push(hits[i]!);
    }
  }
  return [outL.toArray(), outH.toArray()];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalizeBranches(lines: Int32Array, ids: string[], taken: Float64Array, max: number) {
  const n = lines.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = lines[i]! - lines[i - 1]!;
    if (d < 0 || (d === 0 && compareStrings(ids[i - 1]!, ids[i]!) >= 0)) sorted = false;
  }
  if (sorted) return { lines, ids: ids.slice(), taken };
  const order = sortedOrder(n, (a, b) => lines[a]! - lines[b]! || compareStrings(ids[a]!, ids[b]!));
  const outL = new GrowableInt32(n);
  const outT = new GrowableFloat64(n);
  const outI: string[] = [];
  for (const i of order) {
    const last = outL.length - 1;
    if (last >= 0 && outL.data[last] === lines[i] && outI[last] === ids[i]) {
      outT.data[last] = addHits(outT.data[last]!, taken[i]!, max);
    } else {
      outL.push(lines[i]!);
      outI.push(ids[i]!);
      outT.push(taken[i]!);
    }
  }
  return { lines: outL.toArray(), ids: outI, taken: outT.toArray() };
}

function normalizeFunctions(fns: FunctionRecord[], max: number): FunctionRecord[] {
  const sorted = fns.slice().sort((a, b) => a.line - b.line || compareStrings(a.name, b.name));
  const out: FunctionRecord[] = [];
  for (const f of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.line === f.line && last.name === f.name) {
      const endLine = last.endLine === null ? f.endLine : f.endLine === null ? last.endLine : Math.max(last.endLine, f.endLine);
      out[out.length - 1] = { name: f.name, line: f.line, endLine, hits: addHits(last.hits, f.hits, max) };
    } else {
      out.push(f);
    }
  }
  return out;
}

function normalizeStatements(lines: Int32Array, cols: Int32Array, hits: Float64Array, max: number): StatementColumns {
  const n = lines.length;
  const order = sortedOrder(n, (a, b) => lines[a]! - lines[b]! || cols[a]! - cols[b]!);
  const outL = new GrowableInt32(Math.max(n, 1));
  const outC = new GrowableInt32(Math.max(n, 1));
  const outH = new GrowableFloat64(Math.max(n, 1));
  for (const i of order) {
    const last = outL.length - 1;
    if (last >= 0 && outL.data[last] === lines[i] && outC.data[last] === cols[i]) {
      outH.data[last] = addHits(outH.data[last]!, hits[i]!, max);
    } else {
      outL.push(lines[i]!);
      outC.push(cols[i]!);
      outH.push(hits[i]!);
    }
  }
  return { lines: outL.toArray(), columns: outC.toArray(), hits: outH.toArray() };
}

function sortedOrder(n: number, cmp: (a: number, b: number) => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Array.prototype.sort is stable, and ties are fully merged afterwards, so the result does not
  // depend on input order.
  return order.sort(cmp);
}
