import type { ItemBytesReader } from '../../text/json-item-stream.js';
import { ascii, JsonBytes } from '../../text/json-bytes.js';
import type { UnitReader } from './unit-reader.js';
import { grownFloat64, grownInt32 } from '../../model/typed-grow.js';

const K_FILE = ascii('file');
const K_LINES = ascii('lines');
const K_FUNCTIONS = ascii('functions');
const K_LINE_NUMBER = ascii('line_number');
const K_COUNT = ascii('count');
const K_BRANCHES = ascii('branches');
const K_NAME = ascii('name');
const K_DEMANGLED = ascii('demangled_name');
const K_START_LINE = ascii('start_line');
const K_EXECUTION_COUNT = ascii('execution_count');
const K_END_LINE = ascii('end_line');
const K_BLOCKS = ascii('blocks');
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Reads one `files[]` entry straight from its bytes: the numbers go into typed columns and no
 * object of the entry is built. Without it, finding where each entry ends (a scan of every byte) and
 * JSON.parse of it took longer than JSON.parse of the whole document had.
 *
 * It takes only entries as gcov writes them, every record valid: plain integer counts and line
 * numbers, `branches` arrays of objects with a `count`, functions with a name, a start line and an
 * execution count, no key twice. Anything else makes `read` give up before anything reaches the
 * report, and the entry goes to JSON.parse and UnitReader.file, which gives the same result and says
 * what is wrong (the streaming tests check both agree). `commit` makes the same builder calls in the
 * same order as UnitReader.file, so even the builder's own diagnostics come out the same.
 */
export class FileEntryBytes extends JsonBytes implements ItemBytesReader {
  readonly key = '';
  private path = '';
  // Lines: number, count, and where their branch counts are in `brCount`.
  private lineNo = new Int32Array(256);
  private lineCount = new Float64Array(256);
  private lineBrFrom = new Int32Array(256);
  private lineBrN = new Int32Array(256);
  private nL = 0;
  private brCount = new Float64Array(256);
  private nB = 0;
  // Functions: name, start line, execution count, end line (null: none usable).
  private fnName: string[] = [];
  private fnStart: number[] = [];
  private fnHits: number[] = [];
  private fnEnd: (number | null)[] = [];
  private branchy = 0;

  /** The document being read (its report, report line and counts). */
  unit: UnitReader | null = null;

  protected readValue(): void {
    this.nL = 0;
    this.nB = 0;
    this.fnName.length = 0;
    this.fnStart.length = 0;
    this.fnHits.length = 0;
    this.fnEnd.length = 0;
    this.branchy = 0;
    this.entry();
  }

  commit(): void {
    const unit = this.unit!;
    const at = unit.at;
    const b = unit.report.file(this.path, at, true);
    if (b === null) return;
    // As UnitReader.readFile: every file has a function metric; the k-th repeat of a line with
    // branches prefixes its branch ids with "k:".
    b.enableFunctions();
    let repeats: Map<number, number> | null = null;
    for (let i = 0; i < this.nL; i++) {
      const line = this.lineNo[i]!;
      b.line(line, this.lineCount[i]!, at);
      const n = this.lineBrN[i]!;
      if (n === 0) continue;
      repeats ??= new Map();
      const k = repeats.get(line) ?? 0;
      repeats.set(line, k + 1);
      const prefix = k === 0 ? '' : `${k}:`;
      const from = this.lineBrFrom[i]!;
      for (let j = 0; j < n; j++) b.branch(line, prefix + String(j), this.brCount[from + j]!, at);
      unit.branches += n;
    }
    for (let i = 0; i < this.fnName.length; i++) b.fn(this.fnName[i]!, this.fnStart[i]!, this.fnHits[i]!, this.fnEnd[i]!, at);
    unit.branchyFunctions += this.branchy;
    this.fnName.length = 0;
  }

  private entry(): void {
    if (!this.open(OPEN, CLOSE)) this.fail(this.p);
    let seen = 0;
    do {
      this.readKey();
      if (this.keyIs(K_FILE)) {
        seen = this.once(seen, 1);
        this.path = this.string();
      } else if (this.keyIs(K_LINES)) {
        seen = this.once(seen, 2);
        if (this.open(OPEN_ARRAY, CLOSE_ARRAY)) {
          do this.line();
          while (this.more(CLOSE_ARRAY));
        }
      } else if (this.keyIs(K_FUNCTIONS)) {
        seen = this.once(seen, 4);
        if (this.open(OPEN_ARRAY, CLOSE_ARRAY)) {
          do this.fn();
          while (this.more(CLOSE_ARRAY));
        }
      } else this.skip();
    } while (this.more(CLOSE));
    if ((seen & 1) === 0) this.fail(this.p);
  }

  /** Marks a member as read; a repeated one (JSON.parse would keep the last) is left to the general reader. */
  private once(seen: number, bit: number): number {
    if ((seen & bit) !== 0) this.fail(this.p);
    return seen | bit;
  }

  private line(): void {
    if (!this.open(OPEN, CLOSE)) this.fail(this.p);
    let seen = 0;
    let line = 0;
    let count = -1;
    const from = this.nB;
    do {
      this.readKey();
      if (this.keyIs(K_LINE_NUMBER)) {
        seen = this.once(seen, 1);
        line = this.uint();
      } else if (this.keyIs(K_COUNT)) {
        seen = this.once(seen, 2);
        count = this.uint();
      } else if (this.keyIs(K_BRANCHES)) {
        seen = this.once(seen, 4);
        if (this.open(OPEN_ARRAY, CLOSE_ARRAY)) {
          do this.branch();
          while (this.more(CLOSE_ARRAY));
        }
      } else this.skip();
    } while (this.more(CLOSE));
    if (line < 1 || line > 0x7fffffff || count < 0) this.fail(this.p);
    const i = this.nL++;
    if (i === this.lineNo.length) this.growLines();
    this.lineNo[i] = line;
    this.lineCount[i] = count;
    this.lineBrFrom[i] = from;
    this.lineBrN[i] = this.nB - from;
  }

  private branch(): void {
    if (!this.open(OPEN, CLOSE)) this.fail(this.p);
    let count = -1;
    do {
      this.readKey();
      if (this.keyIs(K_COUNT)) {
        if (count >= 0) this.fail(this.p);
        count = this.uint();
      } else this.skip();
    } while (this.more(CLOSE));
    if (count < 0) this.fail(this.p);
    if (this.nB === this.brCount.length) {
      this.brCount = grownFloat64(this.brCount, this.brCount.length * 2);
    }
    this.brCount[this.nB++] = count;
  }

  private fn(): void {
    if (!this.open(OPEN, CLOSE)) this.fail(this.p);
    let seen = 0;
    let name = '';
    let demangled = '';
    let start = 0;
    let hits = -1;
    let end = 0;
    do {
      this.readKey();
      if (this.keyIs(K_NAME)) {
        seen = this.once(seen, 1);
        name = this.string();
      } else if (this.keyIs(K_DEMANGLED)) {
        seen = this.once(seen, 2);
        demangled = this.string();
      } else if (this.keyIs(K_START_LINE)) {
        seen = this.once(seen, 4);
        start = this.uint();
      } else if (this.keyIs(K_EXECUTION_COUNT)) {
        seen = this.once(seen, 8);
        hits = this.uint();
      } else if (this.keyIs(K_END_LINE)) {
        seen = this.once(seen, 16);
        end = this.uint();
      } else if (this.keyIs(K_BLOCKS)) {
        seen = this.once(seen, 32);
        if (this.uint() > 3) this.branchy++;
      } else this.skip();
    } while (this.more(CLOSE));
    // demangled_name is what gcov -f prints for C++ (equal to name for C); name is the fallback.
    const shown = demangled.length > 0 ? demangled : name;
    if (shown.length === 0 || start < 1 || hits < 0) this.fail(this.p);
    this.fnName.push(shown);
    this.fnStart.push(start);
    this.fnHits.push(hits);
    this.fnEnd.push(end >= 1 ? end : null);
  }

  private growLines(): void {
    const n = this.lineNo.length * 2;
    this.lineNo = grownInt32(this.lineNo, n);
    this.lineCount = grownFloat64(this.lineCount, n);
    this.lineBrFrom = grownInt32(this.lineBrFrom, n);
    this.lineBrN = grownInt32(this.lineBrN, n);
  }
}
