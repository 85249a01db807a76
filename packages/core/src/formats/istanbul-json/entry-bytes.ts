import type { FunctionRecord } from '../../model/file-coverage.js';
import type { ParseLimits } from '../../model/limits.js';
import type { ReportBuilder } from '../../model/report.js';
import type { ItemBytesReader } from '../../text/json-item-stream.js';
import { ascii, JsonBytes } from '../../text/json-bytes.js';
import type { IstanbulScratch } from './scratch.js';
import { grownFloat64, grownInt32 } from '../../model/typed-grow.js';

const K_PATH = ascii('path');
const K_STATEMENT_MAP = ascii('statementMap');
const K_FN_MAP = ascii('fnMap');
const K_BRANCH_MAP = ascii('branchMap');
const K_S = ascii('s');
const K_F = ascii('f');
const K_B = ascii('b');
const K_START = ascii('start');
const K_END = ascii('end');
const K_LINE = ascii('line');
const K_COLUMN = ascii('column');
const K_NAME = ascii('name');
const K_DECL = ascii('decl');
const K_LOC = ascii('loc');
const K_LOCATIONS = ascii('locations');
const K_SKIP = ascii('skip');
// The layouts nyc, c8 and jest write, tried before the member-by-member loops.
const L_START = ascii('{"start":');
const L_END = ascii(',"end":');

/** Ids (statement, function, branch numbers) past which an entry is left to the general reader. */
const MAX_ID = 1 << 20;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/**
 * Reads one member of an istanbul coverage map (`"key": {path, statementMap, ...}`) straight from
 * its bytes: the numbers go into typed columns, no object of the entry is built. This is what makes
 * the format faster than JSON.parse of the same document (goal G3): JSON.parse spends most of its
 * time creating the millions of small `{line, column}` objects a coverage map is made of.
 *
 * It takes only entries whose every number is a plain integer within the limits and whose shape
 * is the one nyc, c8 and jest write; anything else (istanbul 0.x `skip` and `data`, a missing map, a
 * count without its location, a value the builder would warn about, any JSON.parse error) makes
 * `read` give up before anything reaches the report, and the entry goes to the general reader
 * (parse.ts), which gives the same result and says what is wrong. The fast-path tests check both
 * readers agree on generated and mutated entries.
 */
export class IstanbulEntryBytes extends JsonBytes implements ItemBytesReader {
  key = '';
  private path: string | null = null;
  /** Top-level members seen (a repeated map is left to JSON.parse, which keeps the last). */
  private seen = 0;
  // statementMap, by id: start line (0 = absent) and column.
  private stLine = new Int32Array(256);
  private stCol = new Int32Array(256);
  private stTop = 0;
  // s, f: counts by id (-1 = absent).
  private sCount = new Float64Array(256).fill(-1);
  private sTop = 0;
  private fCount = new Float64Array(64).fill(-1);
  private fTop = 0;
  // fnMap, by id: name (undefined = absent), line (0 = none usable), end line (-1 = none).
  private fnName: (string | undefined)[] = [];
  private fnLine = new Int32Array(64);
  private fnEnd = new Int32Array(64);
  private fnTop = 0;
  // branchMap, by id: line (0 = none usable).
  private brLine = new Int32Array(64);
  private brTop = 0;
  // b, by id: where its outcomes are in `bVals` (bLen -1 = absent).
  private bFrom = new Int32Array(64);
  private bLen = new Int32Array(64).fill(-1);
  private bTop = 0;
  private bVals = new Float64Array(256);
  private bN = 0;
  // A position's line and column (-1: not a number) and a location's start and end lines.
  private posLine = -1;
  private posCol = -1;
  private locStart = -1;
  private locEnd = -1;
  // The resolved columns handed to the builder by commit().
  private outL = new Int32Array(256);
  private outC = new Int32Array(256);
  private outH = new Float64Array(256);
  private nS = 0;
  private brL = new Int32Array(64);
  private brIds: string[] = [];
  private brT = new Float64Array(64);
  private nB = 0;
  private fns: FunctionRecord[] = [];

  constructor(
    private readonly report: ReportBuilder,
    private readonly limits: ParseLimits,
    private readonly scratch: IstanbulScratch,
  ) {
    super();
  }

  protected readValue(): void {
    this.reset();
    this.readKey();
    this.key = this.keyText();
    this.entry();
    this.resolve();
  }

  commit(): void {
    const path = this.path !== null && this.path.length > 0 ? this.path : this.key;
    const file = this.report.file(path, undefined, true);
    if (file === null) return;
    file.enableStatements();
    file.enableFunctions();
    const n = this.nS;
    file.addStatements(this.outL, this.outC, this.outH, n);
    const scratch = this.scratch;
    const L = this.outL;
    const H = this.outH;
    for (let i = 0; i < n; i++) scratch.statementLine(L[i]!, H[i]!);
    scratch.emitLines(file);
    file.addBranches(this.brL, this.brIds, this.brT, this.nB);
    if (this.fns.length > 0) file.addFunctions(this.fns);
    this.fns = [];
  }

  private reset(): void {
    this.path = null;
    this.seen = 0;
    this.stLine.fill(0, 0, this.stTop);
    this.stTop = 0;
    this.sCount.fill(-1, 0, this.sTop);
    this.sTop = 0;
    this.fCount.fill(-1, 0, this.fTop);
    this.fTop = 0;
    this.fnName.fill(undefined, 0, this.fnTop);
    this.fnTop = 0;
    this.brLine.fill(0, 0, this.brTop);
    this.brTop = 0;
    this.bLen.fill(-1, 0, this.bTop);
    this.bTop = 0;
    this.bN = 0;
    this.fns = [];
  }

  private entry(): void {
    if (!this.open(OPEN, CLOSE)) this.fail(this.p);
    do {
      this.readKey();
      let bit = 0;
      if (this.keyIs(K_STATEMENT_MAP)) {
        bit = 1;
        this.statementMap();
      } else if (this.keyIs(K_S)) {
        bit = 2;
        this.sTop = this.counts(this.sTop, 0);
      } else if (this.keyIs(K_FN_MAP)) {
        bit = 4;
        this.fnMap();
      } else if (this.keyIs(K_F)) {
        bit = 8;
        this.fTop = this.counts(this.fTop, 1);
      } else if (this.keyIs(K_BRANCH_MAP)) {
        bit = 16;
        this.branchMap();
      } else if (this.keyIs(K_B)) {
        bit = 32;
        this.branchCounts();
      } else if (this.keyIs(K_PATH)) {
        this.path = this.string();
      } else this.skip();
      if ((this.seen & bit) !== 0) this.fail(this.p);
      this.seen |= bit;
    } while (this.more(CLOSE));
    // All six maps, or the general reader says which is missing.
    if (this.seen !== 63) this.fail(this.p);
  }

  /** The id of a map member (its key), or give up on one that is not a small index. */
  private id(): number {
    // `"N":` without whitespace, as every producer writes map ids.
    const b = this.b;
    const p = this.p;
    if (b[p] === 0x22 && b[p + 1] !== 0x30) {
      const id = scanUint(b, p + 1);
      const q = end;
      if (id >= 0 && id < MAX_ID && b[q] === 0x22 && b[q + 1] === 0x3a) {
        this.p = q + 2;
        return id;
      }
    }
    this.readKey();
    const id = this.keyIndex(MAX_ID);
    if (id < 0) this.fail(this.ks);
    return id;
  }

  private statementMap(): void {
    if (!this.open(OPEN, CLOSE)) return;
    do {
      const id = this.id();
      if (id >= this.stLine.length) {
        this.stLine = growInt(this.stLine, id);
        this.stCol = growInt(this.stCol, id);
      }
      this.location();
      // A statement needs a start line; a repeated id is the last one, as in JSON.parse.
      if (this.posLine < 0) this.fail(this.p);
      this.stLine[id] = int32(this.posLine);
      this.stCol[id] = this.posCol < 0 ? 0 : Math.min(this.posCol, 0x7fffffff);
      if (id >= this.stTop) this.stTop = id + 1;
    } while (this.more(CLOSE));
  }

  /**
   * A location `{start: {line, column}, end: {line, column}}`: its start line and column in
   * posLine/posCol (of `start`), its start and end lines in locStart/locEnd (-1: not a number).
   */
  private location(): void {
    const from = this.p;
    const nl = this.newlines;
    if (this.lit(L_START)) {
      this.position();
      const startLine = this.posLine;
      const startCol = this.posCol;
      if (this.lit(L_END)) {
        this.position();
        if (this.b[this.p] === CLOSE) {
          this.p++;
          this.locStart = startLine;
          this.locEnd = this.posLine;
          this.posLine = startLine;
          this.posCol = startCol;
          return;
        }
      }
      this.p = from;
      this.newlines = nl;
    }
    let startLine = -1;
    let startCol = -1;
    let endLine = -1;
    if (this.open(OPEN, CLOSE)) {
      do {
        this.readKey();
        if (this.keyIs(K_START)) {
          this.position();
          startLine = this.posLine;
          startCol = this.posCol;
        } else if (this.keyIs(K_END)) {
          this.position();
          endLine = this.posLine;
        } else if (this.keyIs(K_SKIP)) this.fail(this.ks);
        else this.skip();
      } while (this.more(CLOSE));
    }
    this.posLine = startLine;
    this.posCol = startCol;
    this.locStart = startLine;
    this.locEnd = endLine;
  }

  private position(): void {
    // `{"line":N,"column":M}` compared byte by byte with constants: this is most of the bytes of
    // a coverage map, and the general loop below costs three times as much per position.
    const b = this.b;
    const p = this.p;
    if (b[p] === 0x7b && b[p + 1] === 0x22 && b[p + 2] === 0x6c && b[p + 3] === 0x69 && b[p + 4] === 0x6e && b[p + 5] === 0x65 && b[p + 6] === 0x22 && b[p + 7] === 0x3a) {
      const line = scanUint(b, p + 8);
      const q = end;
      if (line >= 0 && b[q] === 0x2c && b[q + 1] === 0x22 && b[q + 2] === 0x63 && b[q + 3] === 0x6f && b[q + 4] === 0x6c && b[q + 5] === 0x75 && b[q + 6] === 0x6d && b[q + 7] === 0x6e && b[q + 8] === 0x22 && b[q + 9] === 0x3a) {
        // A negative column (c8 writes -1) counts as none, as in the general loop.
        const negative = b[q + 10] === 0x2d;
        const col = scanUint(b, negative ? q + 11 : q + 10);
        if (col >= 0 && b[end] === CLOSE) {
          this.p = end + 1;
          this.posLine = line;
          this.posCol = negative ? -1 : col;
          return;
        }
      }
    }
    let line = -1;
    let col = -1;
    if (this.open(OPEN, CLOSE)) {
      do {
        this.readKey();
        if (this.keyIs(K_LINE)) line = this.uintOrNull();
        else if (this.keyIs(K_COLUMN)) {
          // A column is only ever a statement's identity: null and negative ones count as 0 there.
          const c = this.intOrNull();
          col = c >= 0 ? c : -1;
        }
        else this.skip();
      } while (this.more(CLOSE));
    }
    this.posLine = line;
    this.posCol = col;
  }

  /** `{"id": count, ...}` into `sCount` (which 0) or `fCount` (1); returns the new top. */
  private counts(top: number, which: 0 | 1): number {
    if (!this.open(OPEN, CLOSE)) return top;
    do {
      const id = this.id();
      let a = which === 0 ? this.sCount : this.fCount;
      if (id >= a.length) {
        a = growFloat(a, id);
        if (which === 0) this.sCount = a;
        else this.fCount = a;
      }
      // The top is stored before the count is read: when a later member makes the reader give up,
      // reset() must still clear what this one wrote, or the next entry would see its count.
      if (id >= top) {
        top = id + 1;
        if (which === 0) this.sTop = top;
        else this.fTop = top;
      }
      a[id] = this.uint();
    } while (this.more(CLOSE));
    return top;
  }

  private fnMap(): void {
    if (!this.open(OPEN, CLOSE)) return;
    do {
      const id = this.id();
      if (id >= this.fnLine.length) {
        this.fnLine = growInt(this.fnLine, id);
        this.fnEnd = growInt(this.fnEnd, id);
      }
      let name: string | undefined;
      let decl = -1;
      let locStart = -1;
      let locEnd = -1;
      let line = -1;
      if (!this.open(OPEN, CLOSE)) this.fail(this.p);
      do {
        this.readKey();
        if (this.keyIs(K_NAME)) name = this.string();
        else if (this.keyIs(K_DECL)) {
          this.location();
          decl = this.locStart;
        } else if (this.keyIs(K_LOC)) {
          this.location();
          locStart = this.locStart;
          locEnd = this.locEnd;
        } else if (this.keyIs(K_LINE)) line = this.uintOrNull();
        else if (this.keyIs(K_SKIP)) this.fail(this.ks);
        else this.skip();
      } while (this.more(CLOSE));
      if (name === undefined) this.fail(this.p);
      // The declaration line, as istanbul's lcov reporter writes FN (parse.ts, readFunctions).
      const first = decl >= 0 ? decl : locStart >= 0 ? locStart : line;
      this.fnName[id] = name;
      this.fnLine[id] = int32(first);
      this.fnEnd[id] = int32(locEnd);
      if (id >= this.fnTop) this.fnTop = id + 1;
    } while (this.more(CLOSE));
  }

  private branchMap(): void {
    if (!this.open(OPEN, CLOSE)) return;
    do {
      const id = this.id();
      if (id >= this.brLine.length) this.brLine = growInt(this.brLine, id);
      let line = -1;
      let locStart = -1;
      let firstLocation = -1;
      if (!this.open(OPEN, CLOSE)) this.fail(this.p);
      do {
        this.readKey();
        if (this.keyIs(K_LINE)) line = this.uintOrNull();
        else if (this.keyIs(K_LOC)) {
          this.location();
          locStart = this.locStart;
        } else if (this.keyIs(K_LOCATIONS)) {
          firstLocation = -1;
          if (this.open(0x5b, 0x5d)) {
            let i = 0;
            do {
              this.location();
              if (i++ === 0) firstLocation = this.locStart;
            } while (this.more(0x5d));
          }
        } else if (this.keyIs(K_SKIP)) this.fail(this.ks);
        else this.skip();
      } while (this.more(CLOSE));
      // `line` is what istanbul's lcov reporter writes in BRDA (parse.ts, readBranches).
      const chosen = line >= 0 ? line : locStart >= 0 ? locStart : firstLocation;
      if (chosen < 1) this.fail(this.p);
      this.brLine[id] = int32(chosen);
      if (id >= this.brTop) this.brTop = id + 1;
    } while (this.more(CLOSE));
  }

  private branchCounts(): void {
    if (!this.open(OPEN, CLOSE)) return;
    do {
      const id = this.id();
      if (id >= this.bLen.length) {
        this.bFrom = growInt(this.bFrom, id);
        this.bLen = growInt(this.bLen, id, -1);
      }
      const from = this.bN;
      if (this.open(0x5b, 0x5d)) {
        do {
          if (this.bN === this.bVals.length) this.bVals = growFloat(this.bVals, this.bN);
          this.bVals[this.bN++] = this.uint();
        } while (this.more(0x5d));
      }
      this.bFrom[id] = from;
      this.bLen[id] = this.bN - from;
      if (id >= this.bTop) this.bTop = id + 1;
    } while (this.more(CLOSE));
  }

  /**
   * Joins counts to their locations as the general reader does (each count's id must have its
   * location; locations without a count are not counted) into the columns commit() hands over, and
   * gives up on anything the builder would warn about.
   */
  private resolve(): void {
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    let n = 0;
    const sTop = this.sTop;
    if (this.outL.length < sTop) {
      this.outL = new Int32Array(sTop * 2);
      this.outC = new Int32Array(sTop * 2);
      this.outH = new Float64Array(sTop * 2);
    }
    for (let id = 0; id < sTop; id++) {
      const h = this.sCount[id]!;
      if (h < 0) continue;
      const line = id < this.stTop ? this.stLine[id]! : 0;
      if (line < 1 || line > maxLine || line === TOO_LARGE || h > maxHits) this.fail(this.p - 1);
      this.outL[n] = line;
      this.outC[n] = this.stCol[id]!;
      this.outH[n++] = h;
    }
    this.nS = n;
    let nb = 0;
    const ids: string[] = [];
    for (let id = 0; id < this.bTop; id++) {
      const len = this.bLen[id]!;
      if (len < 0) continue;
      const line = id < this.brTop ? this.brLine[id]! : 0;
      if (line < 1 || line > maxLine || line === TOO_LARGE) this.fail(this.p - 1);
      if (this.brL.length < nb + len) {
        this.brL = growInt(this.brL, nb + len);
        this.brT = growFloat(this.brT, nb + len);
      }
      const from = this.bFrom[id]!;
      const k = String(id);
      for (let i = 0; i < len; i++) {
        const t = this.bVals[from + i]!;
        if (t > maxHits) this.fail(this.p - 1);
        this.brL[nb] = line;
        this.brT[nb] = t;
        ids.push(this.scratch.branchId(k, i));
        nb++;
      }
    }
    this.brIds = ids;
    this.nB = nb;
    const fns: FunctionRecord[] = [];
    for (let id = 0; id < this.fTop; id++) {
      const h = this.fCount[id]!;
      if (h < 0) continue;
      const name = id < this.fnTop ? this.fnName[id] : undefined;
      const line = name === undefined ? 0 : this.fnLine[id]!;
      const end = this.fnEnd[id]!;
      if (line < 1 || line > maxLine || line === TOO_LARGE || end === TOO_LARGE || h > maxHits) this.fail(this.p - 1);
      fns.push({ name: name!, line, endLine: end < 0 ? null : end, hits: h });
    }
    this.fns = fns;
  }
}

/** Where the last `scanUint` stopped. */
let end = 0;

/**
 * The plain non-negative integer (at most 15 digits, no fraction or exponent) at `b[p]`, with `end`
 * just after it; -1 when there is none (the caller's general path then decides).
 */
function scanUint(b: Uint8Array, p: number): number {
  let c = b[p]!;
  let v = c - 0x30;
  if (v === 0) c = b[++p]!;
  else if (v >= 1 && v <= 9) {
    const s = p;
    c = b[++p]!;
    while (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      c = b[++p]!;
    }
    if (p - s > 15) return -1;
  } else return -1;
  if (c === 0x2e || c === 0x65 || c === 0x45) return -1;
  end = p;
  return v;
}

/** A line number as stored in the Int32 columns: -1 stays "not a number", the too large are marked. */
const TOO_LARGE = 0x7fffffff;
function int32(v: number): number {
  return v >= TOO_LARGE ? TOO_LARGE : v;
}

/** A copy of `a` with room for index `id` (new slots `fill`). */
function growInt(a: Int32Array, id: number, fill = 0): Int32Array<ArrayBuffer> {
  return grownInt32(a, Math.max(id + 1, a.length * 2), fill);
}

/** The same for counts: new slots -1 (no count). */
function growFloat(a: Float64Array, id: number): Float64Array<ArrayBuffer> {
  return grownFloat64(a, Math.max(id + 1, a.length * 2), -1);
}
