import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { GrowableFloat64, GrowableInt32, objectArray } from '../../model/growable.js';
import { ReportBuilder } from '../../model/report.js';
import { ByteLineReader, decodeRange, type FastRun, type LineHandler } from '../../text/byte-lines.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../../model/limits.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/**
 * Most statements one block may claim. `go tool cover` counts the statements of one basic block;
 * even generated code stays far below this, and a hostile `numStmt` of 10^9 must not make us emit a
 * billion statement records.
 */
export const MAX_STATEMENTS_PER_BLOCK = 1 << 16;

/**
 * Derived records (statements, and lines spanned by blocks) allowed per report: a fixed floor plus
 * one per input byte. A real profile has about one statement per 30 bytes (pflag: 2,208 statements
 * in 75 KB), so this never binds on real input but bounds the amplification of hostile blocks such
 * as `x.go:1.1,9999999.1 65535 1`.
 */
const DERIVED_RECORD_FLOOR = 1 << 16;

/** Int32 fields stored per block, in this order. */
const F_FILE = 0;
const F_SL = 1;
const F_SC = 2;
const F_EL = 3;
const F_EC = 4;
const F_NS = 5;
const F_AT = 6;
const STRIDE = 7;

/**
 * Every block of the report, packed: STRIDE int32 fields per block plus its count. One store for the
 * whole report, not arrays per file: a large profile names tens of thousands of files, and per-file
 * arrays made allocation and GC dominate the parse. Blocks are grouped by file only in `end()`.
 */
class Blocks {
  ints = new Int32Array(STRIDE * 1024);
  counts = new Float64Array(1024);
  length = 0;

  push(file: number, sl: number, sc: number, el: number, ec: number, ns: number, at: number, count: number): void {
    if (this.length === this.counts.length) {
      const ints = new Int32Array(this.ints.length * 2);
      ints.set(this.ints);
      this.ints = ints;
      const counts = new Float64Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    const o = this.length * STRIDE;
    const a = this.ints;
    a[o + F_FILE] = file;
    a[o + F_SL] = sl;
    a[o + F_SC] = sc;
    a[o + F_EL] = el;
    a[o + F_EC] = ec;
    a[o + F_NS] = ns;
    a[o + F_AT] = at;
    this.counts[this.length++] = count;
  }
}

type Mode = 'set' | 'count' | 'atomic';

/**
 * Go cover profile parser (`go test -coverprofile`, any `-covermode`, Go 1.2 to current), streaming
 * line by line. Blocks are buffered in typed columns and turned into records in `end()`,
 * because merging repeated blocks needs them all (a block repeats when profiles are concatenated or,
 * since Go 1.20 with `-coverpkg`, when several test binaries report it).
 *
 * Records produced (docs/formats/go-coverprofile.md has the full rules):
 * - statements: block `numStmt` statements at (startLine, startCol + k), k = 0..numStmt-1. Go's blocks
 *   are disjoint, so these positions are unique within a file and identical for a repeated block,
 *   which keeps each block's statements counted once however often the block is listed;
 * - lines, derived as Codecov does: every line a block spans, its last line only when the block ends
 *   past column 2 (a lone closing `}` is not a line); a line's hits are the largest count of the blocks
 *   on it, so it is covered when any block covering it ran;
 * - no branches, no functions (`go tool cover -func` needs the Go source to find functions).
 */
export function createGoCoverprofileParser(options: ParseOptions, fastPath = true): StreamParser {
  if (shapeAnchor === null) shapeAnchor = anchorShapes();
  return new GoCoverprofileParser(options, fastPath);
}

/** A small parse kept for the life of the process: see the LCOV parser's shapeAnchor. */
let shapeAnchor: unknown = null;

function anchorShapes(): unknown {
  const p = new GoCoverprofileParser({ fileName: 'anchor.out', limits: DEFAULT_LIMITS }, true);
  p.write(encodeUtf8('mode: count\na.go:3.1,4.2 1 1\na.go:1.1,2.9 2 0\nb.go:1.1,1.5 1 3\n'));
  return [p, p.end()];
}

/** The parser's state; methods rather than closures so V8 compiles them once per process (see LineHandler). */
class GoCoverprofileParser implements StreamParser, LineHandler {

  private readonly sink: DiagnosticSink;
  private readonly limits: ParseLimits;
  private readonly report: ReportBuilder;
  private blocks = new Blocks();
  /** File index by path; -1 for a path the report refused (diagnosed by ReportBuilder). */
  private fileIndex = new Map<string, number>();
  private builders: FileCoverageBuilder[] = objectArray<FileCoverageBuilder>();
  private lastPath: string | null = null;
  private lastFile = -1;
  /** Set by uintBefore: the index of the character before the digits it read. */
  private pos = 0;
  /** Reads the decimal number ending just before s[end], right to left; -1 when there is none. */
  private uintBefore(s: Uint8Array, start: number, end: number): number {
    let i = end - 1;
    let v = 0;
    let scale = 1;
    while (i >= start) {
      const d = s[i]! - 48;
      if (d < 0 || d > 9) break;
      v += d * scale;
      scale *= 10;
      i--;
    }
    this.pos = i;
    return i === end - 1 ? -1 : v;
  }
  private mode: Mode | null = null;
  private sawBlockBeforeMode = false;
  private mixedModes = false;
  private sawAnything = false;
  private bytes = 0;

  private bad(at: number, what: string, text: string): void {
    this.sink.error('CW_GO_BAD_BLOCK', `line ${at}: expected ${what}, found "${text.slice(0, 80)}"`, at);
  }

  private onMode(text: string, at: number) {
    const value = text.slice(5).trim();
    const m: Mode | null = value === 'set' || value === 'count' || value === 'atomic' ? value : null;
    if (m === null) {
      this.sink.warn('CW_GO_UNKNOWN_MODE', `line ${at}: unknown cover mode "${value.slice(0, 40)}" (expected set, count or atomic); read as count`, at);
    }
    const effective: Mode = m ?? 'count';
    if (this.mode === null) {
      this.mode = effective;
    } else if (this.mode !== effective) {
      // `cat a.out b.out` of profiles made with different -covermode: the modes only matter when a
      // block repeats, and then adding counts is right for count/atomic and harmless for set.
      if (!this.mixedModes) {
        this.sink.warn('CW_GO_MODE_CONFLICT', `line ${at}: mode "${effective}" differs from the earlier "${this.mode}"; repeated blocks are added up`, at);
      }
      this.mixedModes = true;
      if (effective !== 'set') this.mode = effective;
    }
  }

  /** The bytes of the last block's path: consecutive blocks of one file skip decoding it. */
  /**
   * The last block's path: its bytes, and the same bytes as little-endian int32 words (the tail past
   * a multiple of 4 is compared byte by byte): every fast-path line compares its path (often 50+
   * bytes) with this one, and comparing words through a DataView took a quarter of the time of
   * comparing bytes. Buffers reused from file to file (a fresh typed array per file was 5 µs each).
   */
  private pathBytes = new Uint8Array(256);
  private pathWords = new Int32Array(64);
  private pathLength = 0;
  /** A DataView of the buffer fastLines last read (one per chunk, not per call). */
  private view: DataView | null = null;
  private samePath(b: Uint8Array, s: number, e: number): boolean {
    const p = this.pathBytes;
    const n = this.pathLength;
    if (n !== e - s) return false;
    for (let i = 0; i < n; i++) if (p[i] !== b[s + i]) return false;
    return true;
  }

  private setPath(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (n > this.pathBytes.length) {
      this.pathBytes = new Uint8Array(2 * n);
      this.pathWords = new Int32Array(this.pathBytes.length >> 2);
    }
    const p = this.pathBytes;
    const w = this.pathWords;
    for (let i = 0; i < n; i++) p[i] = b[s + i]!;
    for (let k = 0; 4 * k + 3 < n; k++) w[k] = p[4 * k]! | (p[4 * k + 1]! << 8) | (p[4 * k + 2]! << 16) | (p[4 * k + 3]! << 24);
    this.pathLength = n;
  }

  onLine(b: Uint8Array, s: number, lineEnd: number, at: number) {
    let end = lineEnd;
    // Tolerate trailing blanks (editors, `echo` in shell scripts); Go itself writes none.
    while (end > s) {
      const c = b[end - 1];
      if (c === 32 || c === 9) end--;
      else break;
    }
    if (end === s) return;
    this.sawAnything = true;
    // `mode: ` heads every profile; concatenated profiles repeat it (Codecov's Go example script and
    // gocovmerge-less CI setups do `cat profile.out >> coverage.txt`).
    if (b[s] === 109 /* m */ && end - s >= 5 && b[s + 1] === 111 && b[s + 2] === 100 && b[s + 3] === 101 && b[s + 4] === 58) {
      this.onMode(decodeRange(b, s, end), at);
      return;
    }
    if (this.mode === null && !this.sawBlockBeforeMode) {
      this.sawBlockBeforeMode = true;
      this.sink.error('CW_GO_NO_MODE', `line ${at}: expected the header "mode: set|count|atomic" before the first block`, at);
    }
    // <file>:<startLine>.<startCol>,<endLine>.<endCol> <numStmt> <count>, parsed right to left in
    // one pass (the file name may itself contain ':', e.g. a Windows drive letter; the numbers never
    // do). `pos` is left on the separator before each number.
    const count = this.uintBefore(b, s, end);
    const ns = this.pos >= s && b[this.pos] === 32 ? this.uintBefore(b, s, this.pos) : -1;
    const ec = ns >= 0 && b[this.pos] === 32 ? this.uintBefore(b, s, this.pos) : -1;
    const el = ec >= 0 && b[this.pos] === 46 ? this.uintBefore(b, s, this.pos) : -1;
    const sc = el >= 0 && b[this.pos] === 44 ? this.uintBefore(b, s, this.pos) : -1;
    const sl = sc >= 0 && b[this.pos] === 46 ? this.uintBefore(b, s, this.pos) : -1;
    const colon = this.pos;
    if (count < 0 || ns < 0 || ec < 0 || el < 0 || sc < 0 || sl < 0 || colon <= s || b[colon] !== 58) {
      return this.bad(at, '"<file>:<line>.<col>,<line>.<col> <statements> <count>" with non-negative integers', decodeRange(b, s, end));
    }
    if (sl === 0) return this.bad(at, 'a block starting at line 1 or later (Go lines are 1-based)', decodeRange(b, s, end));
    if (el < sl || (el === sl && ec < sc)) {
      return this.bad(at, 'a block whose end position is not before its start', decodeRange(b, s, end));
    }
    if (el > this.limits.maxLineNumber) {
      this.sink.warn('CW_LINE_TOO_LARGE', `line ${at}: line number ${el} exceeds the limit of ${this.limits.maxLineNumber}; block ignored`, at);
      return;
    }
    if (ns > MAX_STATEMENTS_PER_BLOCK) {
      this.sink.error('CW_GO_BAD_BLOCK', `line ${at}: a block claims ${ns} statements (more than ${MAX_STATEMENTS_PER_BLOCK}); block ignored`, at);
      return;
    }
    let f: number;
    // Go writes a file's blocks together, so the previous block's file is nearly always this one:
    // comparing bytes avoids decoding the path at all.
    if (this.lastPath !== null && this.samePath(b, s, colon)) {
      f = this.lastFile;
    } else {
      const path = decodeRange(b, s, colon);
      this.setPath(b, s, colon);
      const known = this.fileIndex.get(path);
      if (known !== undefined) {
        f = known;
        this.lastPath = path;
      } else {
        const b2 = this.report.file(path, at, true);
        f = b2 === null ? -1 : this.builders.push(b2) - 1;
        this.fileIndex.set(path, f);
        this.lastPath = path;
      }
      this.lastFile = f;
    }
    if (f < 0) return;
    // Columns beyond int32 cannot be real; clamping keeps the typed store exact for everything else.
    this.blocks.push(f, sl, Math.min(sc, 0x7fffffff), el, Math.min(ec, 0x7fffffff), ns, Math.min(at, 0x7fffffff), count);
  }

  /**
   * The hot path: runs of blocks of the same file as the previous one, read left to right in the
   * pass that finds the line ends. Stops at another file, blanks, anything unusual or invalid:
   * onLine owns every diagnostic.
   */
  fastLines(b: Uint8Array, s: number, n: number, at: number, run: FastRun): number {
    const f = this.lastFile;
    const p = this.pathBytes;
    const pl = this.pathLength;
    if (f < 0 || this.mode === null || !this.fastPath) return 0;
    const maxLine = this.limits.maxLineNumber;
    const blocks = this.blocks;
    const words = this.pathWords;
    const nw = pl >> 2;
    let dv = this.view;
    if (dv === null || dv.buffer !== b.buffer || dv.byteOffset !== b.byteOffset || dv.byteLength !== b.byteLength) {
      dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.view = dv;
    }
    let k = 0;
    for (;;) {
      if (s + pl + 12 >= n) break;
      let same = true;
      for (let w = 0; w < nw; w++) {
        if (dv.getInt32(s + 4 * w, true) !== words[w]) {
          same = false;
          break;
        }
      }
      for (let q = 4 * nw; same && q < pl; q++) if (b[s + q] !== p[q]) same = false;
      if (!same) break;
      let i = s + pl;
      if (b[i] !== 58 /* : */) break;
      let c = 0;
      let start = ++i;
      let sl = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        sl = sl * 10 + (c - 48);
        i++;
      }
      if (c !== 46 || i === start || i - start > 9) break;
      start = ++i;
      let sc = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        sc = sc * 10 + (c - 48);
        i++;
      }
      if (c !== 44 || i === start || i - start > 9) break;
      start = ++i;
      let el = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        el = el * 10 + (c - 48);
        i++;
      }
      if (c !== 46 || i === start || i - start > 9) break;
      start = ++i;
      let ec = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        ec = ec * 10 + (c - 48);
        i++;
      }
      if (c !== 32 || i === start || i - start > 9) break;
      start = ++i;
      let ns = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        ns = ns * 10 + (c - 48);
        i++;
      }
      if (c !== 32 || i === start || i - start > 9) break;
      start = ++i;
      let count = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        count = count * 10 + (c - 48);
        i++;
      }
      if (i === start || i - start > 15 || i >= n) break;
      if (c === 13 && i + 1 < n && b[i + 1] === 10) i++;
      else if (c !== 10) break;
      if (sl === 0 || el < sl || (el === sl && ec < sc) || el > maxLine || ns > MAX_STATEMENTS_PER_BLOCK) break;
      blocks.push(f, sl, sc, el, ec, ns, Math.min(at + k, 0x7fffffff), count);
      k++;
      s = i + 1;
    }
    run.next = s;
    return k;
  }

  private readonly splitter: ByteLineReader;

  /** `fastPath` false sends every line through onLine: tests compare both paths. */
  constructor(
    options: ParseOptions,
    private readonly fastPath: boolean,
  ) {
    this.sink = new DiagnosticSink(options.fileName);
    this.limits = options.limits;
    this.report = new ReportBuilder(this.sink, this.limits);
    this.splitter = new ByteLineReader(this, this.sink, this.limits.maxRecordLength);
  }

  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.splitter.write(chunk);
  }

  end(): ParseOutcome {
    this.splitter.end();
    if (!this.sawAnything) this.sink.error('CW_GO_EMPTY', 'the profile is empty: expected "mode: set|count|atomic" and blocks');
    const budget = { statements: DERIVED_RECORD_FLOOR + this.bytes, lines: DERIVED_RECORD_FLOOR + this.bytes, exceeded: false };
    emitAll(this.blocks, this.builders, this.mode === 'set', this.sink, budget);
    const diagnostics = this.sink.finish();
    return { status: this.sink.hasErrors ? 'invalid' : 'ok', report: this.report.build(), diagnostics };
  }
}

interface Budget {
  statements: number;
  lines: number;
  exceeded: boolean;
}

/** Groups the blocks by file (a counting sort: O(n)), then emits each file's records. */
function emitAll(blocks: Blocks, builders: FileCoverageBuilder[], setMode: boolean, sink: DiagnosticSink, budget: Budget): void {
  const n = blocks.length;
  const nf = builders.length;
  const ints = blocks.ints;
  const offsets = new Int32Array(nf + 1);
  for (let i = 0; i < n; i++) offsets[ints[i * STRIDE + F_FILE]! + 1]!++;
  for (let f = 0; f < nf; f++) offsets[f + 1]! += offsets[f]!;
  const order = new Uint32Array(n);
  const fill = offsets.slice(0, nf);
  for (let i = 0; i < n; i++) order[fill[ints[i * STRIDE + F_FILE]!]!++] = i;
  const scratch: Scratch = {
    keep: new GrowableInt32(256),
    lines: new GrowableInt32(256),
    hits: new GrowableFloat64(256),
    at: new GrowableInt32(256),
    sLines: new GrowableInt32(256),
    sCols: new GrowableInt32(256),
    sHits: new GrowableFloat64(256),
    sAt: new GrowableInt32(256),
    outLines: new GrowableInt32(256),
    outHits: new GrowableFloat64(256),
    outAt: new GrowableInt32(256),
    denseHits: new Float64Array(1024),
    denseAt: new Int32Array(1024),
  };
  // Go writes blocks in the order the compiler instrumented them, not by position
  // (`bytes.go:25.2,27.12` precedes `bytes.go:21.16,23.3`): sort each file's blocks by position.
  const byPosition = (x: number, y: number) => {
    const a = x * STRIDE;
    const b = y * STRIDE;
    return ints[a + F_SL]! - ints[b + F_SL]! || ints[a + F_SC]! - ints[b + F_SC]! || ints[a + F_EL]! - ints[b + F_EL]! || ints[a + F_EC]! - ints[b + F_EC]!;
  };
  for (let f = 0; f < nf; f++) {
    builders[f]!.enableStatements();
    if (budget.exceeded) continue;
    const mine = order.subarray(offsets[f]!, offsets[f + 1]!);
    // Go's order is nearly sorted (blocks of a function in order, functions in compiler order):
    // insertion sort is linear in that case; it gives up on inputs far from sorted.
    if (!insertionSort(mine, ints, 8 * mine.length + 64)) mine.sort(byPosition);
    emitFile(blocks, mine, builders[f]!, setMode, sink, budget, scratch);
  }
}

/** Buffers reused from file to file. */
interface Scratch {
  keep: GrowableInt32;
  lines: GrowableInt32;
  hits: GrowableFloat64;
  at: GrowableInt32;
  sLines: GrowableInt32;
  sCols: GrowableInt32;
  sHits: GrowableFloat64;
  sAt: GrowableInt32;
  outLines: GrowableInt32;
  outHits: GrowableFloat64;
  outAt: GrowableInt32;
  denseHits: Float64Array;
  denseAt: Int32Array;
}

/**
 * Merges a file's repeated blocks and emits its statement and line records. Identical blocks
 * (same start and end) are the same statements: `set` profiles OR their counts (as `go tool cover`
 * does), `count`/`atomic` profiles add them (also as `go tool cover`: the counts of two test
 * binaries running the same code add up).
 */
// Field accessors of block i (the packed layout, see Blocks). Module functions, not closures made
// in each emitFile call: V8 compiled fresh closures again for every report.
const sl = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_SL]!;
const sc = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_SC]!;
const el = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_EL]!;
const ec = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_EC]!;
const ns = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_NS]!;
const at = (ints: Int32Array, i: number): number => ints[i * STRIDE + F_AT]!;

function emitFile(blocks: Blocks, order: Uint32Array, b: FileCoverageBuilder, setMode: boolean, sink: DiagnosticSink, budget: Budget, scratch: Scratch): void {
  const n = order.length;
  if (n === 0) return;
  const ints = blocks.ints;
  const cnt = blocks.counts;

  // Merge identical blocks: `keep` lists the surviving block of each position, whose count and
  // statement count are updated in place.
  const keep = scratch.keep;
  keep.length = 0;
  let inconsistent = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const last = keep.length > 0 ? keep.data[keep.length - 1]! : -1;
    if (last >= 0 && sl(ints, last) === sl(ints, i) && sc(ints, last) === sc(ints, i) && el(ints, last) === el(ints, i) && ec(ints, last) === ec(ints, i)) {
      if (ns(ints, last) !== ns(ints, i)) {
        if (inconsistent++ === 0) {
          sink.error(
            'CW_GO_INCONSISTENT_BLOCK',
            `line ${at(ints, i)}: ${b.path} block ${sl(ints, i)}.${sc(ints, i)},${el(ints, i)}.${ec(ints, i)} has ${ns(ints, i)} statements here but ${ns(ints, last)} at line ${at(ints, last)} (profiles of different sources concatenated?); the larger is kept`,
            at(ints, i),
          );
        }
        if (ns(ints, i) > ns(ints, last)) ints[last * STRIDE + F_NS] = ns(ints, i);
      }
      cnt[last] = setMode ? Math.max(cnt[last]!, cnt[i]!) : cnt[last]! + cnt[i]!;
      continue;
    }
    keep.push(i);
  }
  const kept = keep.data;
  const nk = keep.length;

  // Statements: statement k of a block sits at (startLine, startCol + k). Blocks never overlap in a
  // real profile, so no other block starts inside [startCol, startCol + numStmt) on that line; if
  // one does (hostile or stale input), shift right so each statement still counts exactly once.
  // Collected in scratch columns and handed to the builder in one call (see addStatements).
  let lastLine = -1;
  let lastCol = -1;
  let shifted = false;
  const stL = scratch.sLines;
  const stC = scratch.sCols;
  const stH = scratch.sHits;
  const stA = scratch.sAt;
  stL.length = 0;
  stC.length = 0;
  stH.length = 0;
  stA.length = 0;
  // Columns in locals while filling (a field store per value showed in profiles).
  let SL = stL.data;
  let SC = stC.data;
  let SH = stH.data;
  let SA = stA.data;
  let sn = 0;
  for (let q = 0; q < nk; q++) {
    const i = kept[q]!;
    const count = ns(ints, i);
    if (count > budget.statements) {
      b.addStatements(SL, SC, SH, sn, SA);
      overBudget(sink, budget, at(ints, i));
      return;
    }
    budget.statements -= count;
    const line = sl(ints, i);
    const start = sc(ints, i);
    const hits = cnt[i]!;
    const where = at(ints, i);
    if (sn + count > SL.length) {
      stL.length = stC.length = stH.length = stA.length = sn;
      stL.reserve(count);
      stC.reserve(count);
      stH.reserve(count);
      stA.reserve(count);
      SL = stL.data;
      SC = stC.data;
      SH = stH.data;
      SA = stA.data;
    }
    for (let k = 0; k < count; k++) {
      let col = start + k;
      if (line === lastLine && col <= lastCol) {
        col = lastCol + 1;
        shifted = true;
      }
      SL[sn] = line;
      SC[sn] = Math.min(col, 0x7fffffff);
      SH[sn] = hits;
      SA[sn++] = where;
      lastLine = line;
      lastCol = col;
    }
  }
  stL.length = stC.length = stH.length = stA.length = sn;
  b.addStatements(SL, SC, SH, sn, SA);
  if (shifted) {
    sink.warn('CW_GO_OVERLAPPING_BLOCKS', `${b.path}: blocks overlap (not produced by one go test run); statement positions were shifted to keep counts exact`);
  }

  // Lines (Codecov's reading): (line, hits) pairs of every spanned line, then the maximum per line.
  const pl = scratch.lines;
  const ph = scratch.hits;
  const pa = scratch.at;
  pl.length = 0;
  ph.length = 0;
  pa.length = 0;
  let sorted = true;
  let maxSeen = 0;
  let PL = pl.data;
  let PH = ph.data;
  let PA = pa.data;
  let pn = 0;
  for (let q = 0; q < nk; q++) {
    const i = kept[q]!;
    const first = sl(ints, i);
    // The last line counts unless the block ends at column 1-2 of it: `}` closing a function.
    const last = el(ints, i) === first || ec(ints, i) > 2 ? el(ints, i) : el(ints, i) - 1;
    const span = last - first + 1;
    if (span > budget.lines) {
      overBudget(sink, budget, at(ints, i));
      return;
    }
    budget.lines -= span;
    if (pn > 0 && PL[pn - 1]! > first) sorted = false;
    if (last > maxSeen) maxSeen = last;
    if (pn + span > PL.length) {
      pl.length = ph.length = pa.length = pn;
      pl.reserve(span);
      ph.reserve(span);
      pa.reserve(span);
      PL = pl.data;
      PH = ph.data;
      PA = pa.data;
    }
    const h = cnt[i]!;
    const where = at(ints, i);
    let l = first;
    // While in order, a line shared with the previous block (one ends where the next starts, the
    // common case) is merged right here, so sorted files need no second pass.
    if (sorted && pn > 0 && PL[pn - 1] === first) {
      if (h > PH[pn - 1]!) PH[pn - 1] = h;
      l++;
    }
    for (; l <= last; l++) {
      PL[pn] = l;
      PH[pn] = h;
      PA[pn++] = where;
    }
  }
  pl.length = ph.length = pa.length = pn;
  if (sorted) {
    b.addLines(PL, PH, pn, PA);
    return;
  }
  const m = pl.length;
  // Overlapping spans (nested blocks): when the file's line range is dense enough, take the maximum
  // per line in a table indexed by line instead of sorting the pairs.
  if (!sorted && m > 0) {
    const minLine = sl(ints, kept[0]!);
    const range = maxSeen - minLine + 1;
    if (range <= 4 * m + 64) {
      if (scratch.denseHits.length < range) {
        scratch.denseHits = new Float64Array(Math.max(range, scratch.denseHits.length * 2));
        scratch.denseAt = new Int32Array(scratch.denseHits.length);
      }
      const DH = scratch.denseHits;
      const DA = scratch.denseAt;
      DH.fill(-1, 0, range);
      for (let k = 0; k < m; k++) {
        const x = pl.data[k]! - minLine;
        const h = ph.data[k]!;
        if (DH[x]! < 0) {
          DH[x] = h;
          DA[x] = pa.data[k]!;
        } else if (h > DH[x]!) {
          DH[x] = h;
        }
      }
      let o = 0;
      for (let x = 0; x < range; x++) {
        if (DH[x]! < 0) continue;
        pl.data[o] = x + minLine;
        ph.data[o] = DH[x]!;
        pa.data[o++] = DA[x]!;
      }
      b.addLines(pl.data, ph.data, o, pa.data);
      return;
    }
  }
  const lines = pl.data;
  let lineOrder: Uint32Array | null = null;
  if (!sorted) {
    lineOrder = new Uint32Array(m);
    for (let i = 0; i < m; i++) lineOrder[i] = i;
    lineOrder.sort((x, y) => lines[x]! - lines[y]!);
  }
  // One record per line (the largest count of the blocks on it), written back into the scratch
  // columns in place (the output never runs ahead of the input) and handed over in one call.
  let curLine = -1;
  let curHits = 0;
  let curAt = 0;
  let o = 0;
  const outL = scratch.outLines;
  const outH = scratch.outHits;
  const outA = scratch.outAt;
  outL.length = 0;
  outH.length = 0;
  outA.length = 0;
  outL.reserve(m);
  outH.reserve(m);
  outA.reserve(m);
  const OL = outL.data;
  const OH = outH.data;
  const OA = outA.data;
  for (let k = 0; k < m; k++) {
    const i = lineOrder === null ? k : lineOrder[k]!;
    const l = lines[i]!;
    if (l !== curLine) {
      if (curLine >= 0) {
        OL[o] = curLine;
        OH[o] = curHits;
        OA[o++] = curAt;
      }
      curLine = l;
      curHits = ph.data[i]!;
      curAt = pa.data[i]!;
    } else if (ph.data[i]! > curHits) {
      curHits = ph.data[i]!;
    }
  }
  if (curLine >= 0) {
    OL[o] = curLine;
    OH[o] = curHits;
    OA[o++] = curAt;
  }
  b.addLines(OL, OH, o, OA);
}

function overBudget(sink: DiagnosticSink, budget: Budget, at: number): void {
  if (budget.exceeded) return;
  budget.exceeded = true;
  sink.error(
    'CW_GO_TOO_LARGE',
    `line ${at}: the blocks claim far more statements or lines than a profile of this size can hold (hostile or corrupt input); the rest of the file's records are dropped`,
    at,
  );
}

/**
 * Sorts block indices by position (the order of byPosition in emitAll), comparisons inline. Returns
 * false, the order then unspecified, once it has moved elements more than `budget` places in all.
 */
function insertionSort(a: Uint32Array, ints: Int32Array, budget: number): boolean {
  for (let k = 1; k < a.length; k++) {
    const x = a[k]!;
    const o = x * STRIDE;
    const xsl = ints[o + F_SL]!;
    const xsc = ints[o + F_SC]!;
    const xel = ints[o + F_EL]!;
    const xec = ints[o + F_EC]!;
    let j = k - 1;
    for (; j >= 0; j--) {
      const p = a[j]! * STRIDE;
      const d = ints[p + F_SL]! - xsl || ints[p + F_SC]! - xsc || ints[p + F_EL]! - xel || ints[p + F_EC]! - xec;
      if (d <= 0) break;
      a[j + 1] = a[j]!;
    }
    a[j + 1] = x;
    budget -= k - 1 - j;
    if (budget < 0) return false;
  }
  return true;
}
