import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import type { FunctionRecord } from '../../model/file-coverage.js';
import { ReportBuilder } from '../../model/report.js';
import { ByteLineReader, decodeRange, parseUintBytes, type FastRun, type LineHandler } from '../../text/byte-lines.js';
import { parseCount, parseUint } from '../../text/numbers.js';
import { GrowableFloat64, GrowableInt32, objectArray } from '../../model/growable.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/** Distinct function names one parser interns (memory stays bounded whatever the input). */
const NAMES_MAX = 1 << 16;

/**
 * Branch ids "<block>,<branch>" (no leading zeros, branch below 100) by block * 100 + branch, shared
 * by every parser: strings are immutable, and a table per parser grew sparse (slow) elements.
 * Filled with '' rather than holes so its elements kind never changes (a change deoptimizes).
 */
const ID_TABLE: string[] = new Array<string>(1 << 15).fill('');

/** Functions per record past which FN/FNDA names are found through a Map rather than a scan. */
const FN_SCAN_MAX = 32;

interface MutableFunction {
  name: string;
  line: number;
  endLine: number | null;
  hits: number;
}

/**
 * LCOV tracefile parser (geninfo/lcov 1.x and 2.x, istanbul, c8, llvm-cov export, coverage.py).
 *
 * We count records, never the summary lines: `LF/LH/BRF/BRH/FNF/FNH` are only cross-checked, and a
 * record whose `DA` count differs from its `LF` gets an info diagnostic (coverage.py 6.5 writes
 * docstring lines as DA; llvm-cov writes DA with LF:0). lcov 1.16 `--capture` writes no summaries at
 * all, so records are the only reading that works everywhere. See docs/coverage-semantics.md.
 */
export function createLcovParser(options: ParseOptions, fastPath = true): StreamParser {
  if (shapeAnchor === null) shapeAnchor = anchorShapes();
  return new LcovParser(options, fastPath);
}

/**
 * A small parse kept alive for the life of the process. V8's optimized code for the parser and the
 * model depends on the hidden classes ("maps") of their objects; when the last parser of a report
 * is collected, those maps can die with it, and every method is then deoptimized and compiled again
 * for the next report (about a third of the CPU time of a 1M-line parse, on the compiler threads).
 * Objects that live as long as the process keep the maps, and the compiled code, valid.
 */
let shapeAnchor: unknown = null;
const ANCHOR_INPUT = 'TN:\nSF:a.c\nFN:1,f\nFNDA:1,f\nFNF:1\nFNH:1\nBRDA:1,0,0,1\nBRDA:1,0,1,-\nBRF:2\nBRH:1\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\n';

function anchorShapes(): unknown {
  const p = new LcovParser({ fileName: 'anchor.info', limits: DEFAULT_LIMITS }, true);
  p.write(encodeUtf8(ANCHOR_INPUT));
  return [p, p.end()];
}

/** The parser's state; methods rather than closures so V8 compiles them once per process (see LineHandler). */
class LcovParser implements StreamParser, LineHandler {
  private readonly sink: DiagnosticSink;
  private readonly report: ReportBuilder;
  private file: FileCoverageBuilder | null = null;
  private inRecord = false;
  private recordStart = 0;
  private daCount = 0;
  private lf = -1;
  // A record with FN/FNDA/FNF lines has a function metric (possibly zero functions); one without
  // (coverage.py) has none, and its function totals are null rather than 0.
  private hasFunctionMetric = false;
  // Functions of the current record, in declaration order: the records handed to the builder at the
  // end of the record (a fresh array per record), their report lines, and per function how many FNDA
  // lines named it so far (kept on the first function of each name).
  private fns: MutableFunction[] = objectArray<MutableFunction>();
  private fnAt: number[] = [];
  private fnSeen: number[] = [];
  /** Next function an FNDA is expected to name (geninfo writes FNDA in FN order). */
  private fnCursor = 0;
  /** Whether two functions of the current record share a name (then only the general path runs). */
  private fnDuplicates = false;
  /** Indices by name, made once a record has many functions (small records scan instead). */
  private fnByName: Map<string, number[]> | null = null;
  private sawAnyRecord = false;

  private bad(at: number, what: string, text: string): void {
    this.sink.error('CW_LCOV_BAD_RECORD', `line ${at}: expected ${what}, found "${text.slice(0, 80)}"`, at);
  }

  // DA records of the current record, collected here and handed to the builder in one call.
  private daLines = new GrowableInt32(1024);
  private daHits = new GrowableFloat64(1024);
  // DA records the builder will refuse or clamp (line 0, past the limits): kept apart with their
  // report lines, and handed over after the others, so diagnostics come in the same order as before.
  private badLines: number[] = [];
  private badHits: number[] = [];
  private badAt: number[] = [];
  // Valid BRDA records of the current record, handed over the same way.
  private brLines = new GrowableInt32(1024);
  private brTaken = new GrowableFloat64(1024);
  private brIds: string[] = new Array<string>(1024).fill('');
  private readonly maxLine: number;
  private readonly maxHits: number;
  private readonly maxRecordLength: number;
  private flushLines() {
    if (this.file !== null && this.daLines.length > 0) this.file.addLines(this.daLines.data, this.daHits.data, this.daLines.length);
    this.daLines.length = 0;
    this.daHits.length = 0;
    if (this.badLines.length > 0) {
      if (this.file !== null) for (let i = 0; i < this.badLines.length; i++) this.file.line(this.badLines[i]!, this.badHits[i]!, this.badAt[i]!);
      this.badLines.length = 0;
      this.badHits.length = 0;
      this.badAt.length = 0;
    }
    if (this.file !== null && this.brLines.length > 0) this.file.addBranches(this.brLines.data, this.brIds, this.brTaken.data, this.brLines.length);
    this.brLines.length = 0;
    this.brTaken.length = 0;
    // Stale ids past brLines.length are overwritten, never read: resetting the length would free
    // and regrow the array for every record.
  }

  private pushDa(line: number, hits: number, at: number) {
    if (line >= 1 && line <= this.maxLine && hits <= this.maxHits) {
      this.daLines.push(line);
      this.daHits.push(hits);
    } else {
      this.badLines.push(line);
      this.badHits.push(hits);
      this.badAt.push(at);
    }
  }

  private closeRecord() {
    this.flushLines();
    if (this.file !== null) {
      if (this.hasFunctionMetric) this.file.enableFunctions();
      // A copy of exactly the record's functions (the scratch array keeps its capacity and kind).
      if (this.fns.length > 0) this.file.addFunctions(this.fns.slice() as FunctionRecord[], this.fnAt);
      if (this.lf >= 0 && this.lf !== this.daCount) {
        this.sink.add(
          'CW_LCOV_SUMMARY_MISMATCH',
          'info',
          `record for ${this.file.path} (line ${this.recordStart}) has ${this.daCount} DA lines but LF:${this.lf}; Coverwatch counts the DA lines`,
          this.recordStart,
        );
      }
    }
    this.file = null;
    this.inRecord = false;
    this.daCount = 0;
    this.lf = -1;
    this.hasFunctionMetric = false;
    this.fns.length = 0;
    this.fnCursor = 0;
    this.fnDuplicates = false;
    this.fnByName = null;
  }

  private declareFunction(name: string, line: number, endLine: number | null, at: number) {
    const i = this.fns.length;
    if (!this.fnDuplicates) {
      if (this.fnByName !== null) this.fnDuplicates = this.fnByName.has(name);
      else for (let j = 0; j < i && !this.fnDuplicates; j++) if (this.fns[j]!.name === name) this.fnDuplicates = true;
    }
    this.fns.push({ name, line, endLine, hits: 0 });
    // Indexed by the function's position (entries past fns.length are stale, see brIds).
    this.fnAt[i] = at;
    this.fnSeen[i] = 0;
    if (this.fnByName === null && i + 1 > FN_SCAN_MAX) {
      this.fnByName = new Map();
      for (let j = 0; j <= i; j++) indexName(this.fnByName, this.fns[j]!.name, j);
    } else if (this.fnByName !== null) {
      indexName(this.fnByName, name, i);
    }
  }

  /** Indices of the functions named `name`, in declaration order. */
  private functionsNamed(name: string): number[] {
    if (this.fnByName !== null) return this.fnByName.get(name) ?? [];
    const out: number[] = [];
    for (let j = 0; j < this.fns.length; j++) if (this.fns[j]!.name === name) out.push(j);
    return out;
  }

  private functionHits(name: string, hits: number, at: number) {
    const list = this.functionsNamed(name);
    if (list.length === 0) {
      this.sink.warn('CW_LCOV_FNDA_WITHOUT_FN', `line ${at}: FNDA for "${name.slice(0, 80)}" has no FN record; ignored`, at);
      return;
    }
    // Several functions may share a name (istanbul writes one FN/FNDA pair per function, in the
    // same order); the n-th FNDA of a name belongs to its n-th FN, extra ones to the last.
    const first = list[0]!;
    const n = this.fnSeen[first]!;
    if (list.length === 1) {
      this.fnSeen[first] = 1;
      const only = this.fns[first]!;
      only.hits = n > 0 ? only.hits + hits : hits;
      return;
    }
    this.fnSeen[first] = n + 1;
    const target = this.fns[list[Math.min(n, list.length - 1)]!]!;
    target.hits = n < list.length ? hits : target.hits + hits;
  }

  /**
   * FNDA:<hits>,<name> with the name still in bytes[s, e): when it names the function the cursor
   * expects, unique in its record and not yet counted, no string is made at all.
   */
  private functionHitsBytes(b: Uint8Array, s: number, e: number, hits: number, at: number) {
    const c = this.fnCursor;
    if (!this.fnDuplicates && c < this.fns.length && this.fnSeen[c] === 0) {
      const name = this.fns[c]!.name;
      let same = name.length === e - s;
      for (let i = 0; same && i < name.length; i++) {
        const x = b[s + i]!;
        if (x >= 0x80 || name.charCodeAt(i) !== x) same = false;
      }
      if (same) {
        this.fns[c]!.hits = hits;
        this.fnSeen[c] = 1;
        this.fnCursor = c + 1;
        return;
      }
    }
    this.functionHits(decodeRange(b, s, e), hits, at);
  }

  /** `fresh`: the path string was decoded for this record alone (nothing large to pin). */
  private startRecord(path: string, at: number, fresh = false) {
    this.flushLines();
    if (this.inRecord) {
      this.sink.warn('CW_LCOV_MISSING_END', `line ${at}: SF before the previous record's end_of_record`, at);
      this.closeRecord();
    }
    this.sawAnyRecord = true;
    this.inRecord = true;
    this.recordStart = at;
    this.file = this.report.file(path, at, fresh);
  }

  private endRecord(at: number) {
    if (!this.inRecord) this.sink.warn('CW_LCOV_STRAY_END', `line ${at}: end_of_record without SF`, at);
    this.closeRecord();
  }

  private onText(text: string, at: number) {
    if (text.length === 0) return;
    const colon = text.indexOf(':');
    if (colon < 0) {
      if (text === 'end_of_record') return this.endRecord(at);
      if (text.trim().length === 0) return;
      this.bad(at, 'an LCOV record such as "DA:<line>,<hits>"', text);
      return;
    }
    const tag = text.slice(0, colon);
    const v = colon + 1;
    switch (tag) {
      case 'DA': {
        if (this.file === null) return this.noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return this.bad(at, '"DA:<line>,<hits>[,<checksum>]"', text);
        const c2 = text.indexOf(',', c1 + 1);
        const line = parseUint(text, v, c1);
        const hits = parseCount(text, c1 + 1, c2 < 0 ? text.length : c2);
        if (line < 0 || hits < 0) return this.bad(at, '"DA:<line>,<hits>[,<checksum>]" with non-negative integers', text);
        this.daCount++;
        this.file.line(line, hits, at);
        return;
      }
      case 'BRDA': {
        if (this.file === null) return this.noFile(at, tag);
        // BRDA:<line>,<block>,<branch>,<taken>; lcov 2.x allows commas inside <branch> (an expression).
        const c1 = text.indexOf(',', v);
        const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
        const cl = text.lastIndexOf(',');
        if (c1 < 0 || c2 < 0 || cl <= c2) return this.bad(at, '"BRDA:<line>,<block>,<branch>,<taken>"', text);
        const line = parseUint(text, v, c1);
        const takenText = text.slice(cl + 1);
        // `-` means the block never ran: not taken, and no count to add.
        const taken = takenText === '-' ? 0 : parseCount(takenText);
        if (line < 0 || taken < 0) return this.bad(at, '"BRDA:<line>,<block>,<branch>,<taken>" with <taken> a count or "-"', text);
        this.file.branch(line, text.slice(c1 + 1, cl), taken, at);
        return;
      }
      case 'FN': {
        if (this.file === null) return this.noFile(at, tag);
        this.hasFunctionMetric = true;
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return this.bad(at, '"FN:<line>,<name>"', text);
        const line = parseUint(text, v, c1);
        if (line < 0) return this.bad(at, '"FN:<line>[,<end line>],<name>"', text);
        let name = text.slice(c1 + 1);
        let endLine: number | null = null;
        // lcov 2.x: FN:<start>,<end>,<name>. Function names never start with a digit.
        const c2 = text.indexOf(',', c1 + 1);
        if (c2 > 0) {
          const e = parseUint(text, c1 + 1, c2);
          if (e >= 0) {
            endLine = e;
            name = text.slice(c2 + 1);
          }
        }
        this.declareFunction(name, line, endLine, at);
        return;
      }
      case 'FNDA': {
        if (this.file === null) return this.noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return this.bad(at, '"FNDA:<hits>,<name>"', text);
        const hits = parseCount(text, v, c1);
        if (hits < 0) return this.bad(at, '"FNDA:<hits>,<name>" with a non-negative count', text);
        this.functionHits(text.slice(c1 + 1), hits, at);
        return;
      }
      case 'SF':
        this.startRecord(text.slice(v), at);
        return;
      case 'LF': {
        const n = parseUint(text, v);
        if (n < 0) return this.bad(at, '"LF:<count>"', text);
        this.lf = n;
        return;
      }
      // Summaries are recomputed from records; lcov 2.x function aliases/leaders and MC/DC records
      // are data we do not model yet.
      case 'FNF':
      case 'FNH':
        this.hasFunctionMetric = true;
        return;
      case 'TN':
      case 'LH':
      case 'BRF':
      case 'BRH':
      case 'VER':
      case 'FNL':
      case 'FNA':
      case 'MCDC':
        return;
      default:
        this.sink.warn('CW_LCOV_UNKNOWN_RECORD', `line ${at}: unknown record type "${tag.slice(0, 40)}"; ignored`, at);
    }
  }

  private noFile(at: number, tag: string) {
    this.sink.error('CW_LCOV_NO_SOURCE', `line ${at}: ${tag} record outside an SF ... end_of_record block`, at);
  }

  /**
   * The hot path: DA and BRDA lines (nearly every line of a tracefile) are read straight from the
   * bytes. Anything unusual (fractions, stray characters, records outside SF) falls back to the
   * string path above, which owns every diagnostic, so both paths give identical results.
   */
  /**
   * DA and BRDA lines the fast path left (at chunk boundaries, with checksums, unusual ids): read
   * from the bytes when regular. False sends the line on to the general path. Kept out of onLine so
   * that a deoptimization here (rare inputs) recompiles a small function, not the whole dispatcher.
   */
  private byteRecord(b: Uint8Array, s: number, e: number, at: number): boolean {
    const file = this.file!;
    if (e - s > 3 && b[s] === 68 /* D */ && b[s + 1] === 65 /* A */ && b[s + 2] === 58 /* : */) {
      let i = s + 3;
      let line = 0;
      let c = 0;
      while (i < e && (c = b[i]!) >= 48 && c <= 57) {
        line = line * 10 + (c - 48);
        i++;
      }
      if (i > s + 3 && i < e && c === 44 /* , */) {
        const hs = ++i;
        let hits = 0;
        while (i < e && (c = b[i]!) >= 48 && c <= 57) {
          hits = hits * 10 + (c - 48);
          i++;
        }
        if (i > hs && (i === e || c === 44)) {
          this.daCount++;
          this.pushDa(line, hits, at);
          return true;
        }
      }
    } else if (
      e - s > 5 && b[s] === 66 /* B */ && b[s + 1] === 82 /* R */ && b[s + 2] === 68 /* D */ && b[s + 3] === 65 /* A */ && b[s + 4] === 58
    ) {
      let i = s + 5;
      let line = 0;
      let c = 0;
      while (i < e && (c = b[i]!) >= 48 && c <= 57) {
        line = line * 10 + (c - 48);
        i++;
      }
      if (i > s + 5 && i < e && c === 44) {
        const idStart = i + 1;
        let last = e - 1;
        while (last > idStart && b[last] !== 44) last--;
        // <block>,<branch> needs a comma of its own before the one that starts <taken>.
        let inner = idStart;
        while (inner < last && b[inner] !== 44) inner++;
        if (last > idStart && inner < last) {
          let taken = 0;
          let ok = last + 1 < e;
          if (e - last === 2 && b[last + 1] === 45 /* - */) taken = 0;
          else {
            for (let k = last + 1; k < e; k++) {
              const d = b[k]! - 48;
              if (d < 0 || d > 9) {
                ok = false;
                break;
              }
              taken = taken * 10 + d;
            }
          }
          if (ok) {
            if (line >= 1 && line <= this.maxLine && taken <= this.maxHits) {
              this.brLines.push(line);
              this.brTaken.push(taken);
              this.brIds[this.brLines.length - 1] = this.branchId(b, idStart, last);
            } else {
              file.branch(line, this.branchId(b, idStart, last), taken, at);
            }
            return true;
          }
        }
      }
    }
    return false;
  }

  onLine(b: Uint8Array, s: number, e: number, at: number) {
    if (this.file !== null && (b[s] === 68 /* D */ || b[s] === 66 /* B */) && this.byteRecord(b, s, e, at)) return;
    // Summary lines and record ends: no text to keep, so no decoding either.
    const n = e - s;
    if (n === 13 && b[s] === 101 /* e */ && b[s + 12] === 100 /* d */ && b[s + 3] === 95 /* _ */) {
      this.endRecord(at);
      return;
    }
    if (n > 3 && b[s] === 83 /* S */ && b[s + 1] === 70 /* F */ && b[s + 2] === 58) {
      this.startRecord(decodeRange(b, s + 3, e), at, true);
      return;
    }
    if (this.file !== null && n > 5 && b[s] === 70 /* F */ && b[s + 1] === 78 /* N */) {
      if (b[s + 2] === 68 /* D */ && b[s + 3] === 65 /* A */ && b[s + 4] === 58) {
        // FNDA:<hits>,<name>
        let i = s + 5;
        let hits = 0;
        let c = 0;
        while (i < e && (c = b[i]!) >= 48 && c <= 57) {
          hits = hits * 10 + (c - 48);
          i++;
        }
        if (i > s + 5 && i < e && c === 44) {
          this.functionHitsBytes(b, i + 1, e, hits, at);
          return;
        }
      } else if (b[s + 2] === 58) {
        // FN:<line>,<name> (lcov 2.x: FN:<line>,<end>,<name>, handled by the string path)
        let i = s + 3;
        let line = 0;
        let c = 0;
        while (i < e && (c = b[i]!) >= 48 && c <= 57) {
          line = line * 10 + (c - 48);
          i++;
        }
        const ns = i + 1;
        if (i > s + 3 && i < e && c === 44 && ns < e && !(b[ns]! >= 48 && b[ns]! <= 57)) {
          this.hasFunctionMetric = true;
          this.declareFunction(this.functionName(b, ns, e), line, null, at);
          return;
        }
      }
    }
    if (n > 3 && b[s] === 76 /* L */ && b[s + 2] === 58 /* : */) {
      if (b[s + 1] === 72 /* H */) return;
      if (b[s + 1] === 70 /* F */) {
        const v = parseUintBytes(b, s + 3, e);
        if (v >= 0) {
          this.lf = v;
          return;
        }
      }
    } else if (n > 4 && b[s + 3] === 58 && ((b[s] === 66 && b[s + 1] === 82) /* BR */ || (b[s] === 70 && b[s + 1] === 78) /* FN */)) {
      const third = b[s + 2];
      if (third === 70 /* F */ || third === 72 /* H */) {
        if (b[s] === 70) this.hasFunctionMetric = true;
        return;
      }
    } else if (n >= 3 && b[s] === 84 /* T */ && b[s + 1] === 78 /* N */ && b[s + 2] === 58) {
      return;
    }
    this.onText(decodeRange(b, s, e), at);
  }

  // Branch ids are nearly always "<small block>,<small branch>": reuse one string per pair.
  private idCache = new Map<number, string>();
  private branchId(b: Uint8Array, s: number, e: number): string {
    if (e - s <= 7) {
      // Base-11 digits after a length prefix: injective for these short strings ("01" != "1").
      let key = e - s;
      for (let i = s; i < e; i++) key = key * 11 + (b[i] === 44 ? 10 : b[i]! - 48);
      let simple = true;
      for (let i = s; i < e; i++) {
        const c = b[i]!;
        if (!((c >= 48 && c <= 57) || c === 44)) {
          simple = false;
          break;
        }
      }
      if (simple) {
        let id = this.idCache.get(key);
        if (id === undefined) {
          id = decodeRange(b, s, e);
          this.idCache.set(key, id);
        }
        return id;
      }
    }
    return decodeRange(b, s, e);
  }

  // Function names repeat across files (istanbul's "(anonymous_3)", constructors, generated code):
  // one string per distinct short ASCII name, found by a hash of its bytes without decoding. An
  // open-addressing table of typed hashes: a Map of hash lists cost more than decoding every name.
  private nameHashes = new Int32Array(1024);
  // '' rather than holes: arrays of every parser then share one elements kind, and the compiled code
  // made for the first parser stays valid for the next.
  private nameSlots: string[] = new Array<string>(1024).fill('');
  private namesInterned = 0;
  private functionName(b: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n > 64 || this.namesInterned >= NAMES_MAX) return decodeRange(b, s, e);
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) {
      const c = b[i]!;
      if (c >= 0x80) return decodeRange(b, s, e);
      h = Math.imul(h ^ c, 0x01000193);
    }
    h |= 1; // 0 marks an empty slot
    const mask = this.nameHashes.length - 1;
    let slot = nameSlot(h) & mask;
    for (;;) {
      const sh = this.nameHashes[slot]!;
      if (sh === 0) break;
      if (sh === h) {
        const name = this.nameSlots[slot]!;
        if (name.length === n) {
          let i = 0;
          while (i < n && name.charCodeAt(i) === b[s + i]) i++;
          if (i === n) return name;
        }
      }
      slot = (slot + 1) & mask;
    }
    const name = decodeRange(b, s, e);
    this.nameHashes[slot] = h;
    this.nameSlots[slot] = name;
    if (++this.namesInterned * 2 > this.nameHashes.length) this.growNames();
    return name;
  }
  private growNames() {
    const oldH = this.nameHashes;
    const oldS = this.nameSlots;
    this.nameHashes = new Int32Array(oldH.length * 2);
    this.nameSlots = new Array<string>(this.nameHashes.length).fill('');
    const mask = this.nameHashes.length - 1;
    for (let k = 0; k < oldH.length; k++) {
      const h = oldH[k]!;
      if (h === 0) continue;
      let slot = nameSlot(h) & mask;
      while (this.nameHashes[slot] !== 0) slot = (slot + 1) & mask;
      this.nameHashes[slot] = h;
      this.nameSlots[slot] = oldS[k]!;
    }
  }

  /** Ids past ID_TABLE (block * 100 + branch): blocks numbered from 328 up, in very large files. */
  private bigIds: Map<number, string> | null = null;

  private bigId(block: number, branch: number): string {
    const key = block * 100 + branch;
    this.bigIds ??= new Map();
    let id = this.bigIds.get(key);
    if (id === undefined) {
      id = `${block},${branch}`;
      this.bigIds.set(key, id);
    }
    return id;
  }

  /**
   * Runs of `DA:<line>,<hits>\n` and `BRDA:<line>,<block>,<branch>,<taken>\n` lines (nearly every
   * line of a tracefile), read in one loop that also finds the line ends, with the record columns in
   * locals. Stops at anything else or any irregularity (leading zeros in an id, long numbers,
   * checksums): onLine then reads that line, so diagnostics come from one place.
   */
  fastLines(b: Uint8Array, s: number, n: number, at: number, run: FastRun): number {
    const file = this.file;
    if (file === null || !this.fastPath) return 0;
    const maxLine = this.maxLine;
    const maxHits = this.maxHits;
    const maxLength = this.maxRecordLength;
    const brIds = this.brIds;
    let DL = this.daLines.data;
    let DH = this.daHits.data;
    let dn = this.daLines.length;
    let BL = this.brLines.data;
    let BT = this.brTaken.data;
    let bn = this.brLines.length;
    let k = 0;
    let das = 0;
    for (;;) {
      if (s + 5 >= n) break;
      const c0 = b[s];
      let i: number;
      let c = 0;
      if (c0 === 68 /* D */) {
        if (b[s + 1] !== 65 /* A */ || b[s + 2] !== 58 /* : */) break;
        i = s + 3;
        let line = 0;
        while (i < n && (c = b[i]!) >= 48 && c <= 57) {
          line = line * 10 + (c - 48);
          i++;
        }
        if (i === s + 3 || c !== 44 || i - s > 12) break;
        const hs = ++i;
        let hits = 0;
        while (i < n && (c = b[i]!) >= 48 && c <= 57) {
          hits = hits * 10 + (c - 48);
          i++;
        }
        if (i === hs || i - hs > 15) break;
        if (c === 13 && i + 1 < n && b[i + 1] === 10) i++;
        else if (c !== 10) break;
        das++;
        if (line >= 1 && line <= maxLine && hits <= maxHits) {
          if (dn === DL.length) {
            this.daLines.length = dn;
            this.daHits.length = dn;
            this.daLines.reserve(dn + 1024);
            this.daHits.reserve(dn + 1024);
            DL = this.daLines.data;
            DH = this.daHits.data;
          }
          DL[dn] = line;
          DH[dn++] = hits;
        } else {
          this.badLines.push(line);
          this.badHits.push(hits);
          this.badAt.push(at + k);
        }
      } else if (c0 === 70 /* F */) {
        // FN:<line>,<name> and FNDA:<hits>,<name> (runs of them in geninfo output), handled exactly
        // as onLine does; lines too long for the reader, or not ending in this buffer, are left to it.
        if (b[s + 1] !== 78 /* N */) break;
        let q = s + 2;
        while (q < n && b[q] !== 10) q++;
        if (q >= n || q - s > maxLength) break;
        const e = b[q - 1] === 13 ? q - 1 : q;
        if (b[s + 2] === 68 /* D */ && b[s + 3] === 65 /* A */ && b[s + 4] === 58 /* : */) {
          i = s + 5;
          let hits = 0;
          while (i < e && (c = b[i]!) >= 48 && c <= 57) {
            hits = hits * 10 + (c - 48);
            i++;
          }
          if (!(i > s + 5 && i < e && c === 44)) break;
          this.functionHitsBytes(b, i + 1, e, hits, at + k);
        } else if (b[s + 2] === 58 /* : */) {
          i = s + 3;
          let line = 0;
          while (i < e && (c = b[i]!) >= 48 && c <= 57) {
            line = line * 10 + (c - 48);
            i++;
          }
          const ns = i + 1;
          if (!(i > s + 3 && i < e && c === 44 && ns < e && !(b[ns]! >= 48 && b[ns]! <= 57))) break;
          this.hasFunctionMetric = true;
          this.declareFunction(this.functionName(b, ns, e), line, null, at + k);
        } else {
          break;
        }
        i = q;
      } else {
        if (c0 !== 66 /* B */ || b[s + 1] !== 82 /* R */ || b[s + 2] !== 68 /* D */ || b[s + 3] !== 65 /* A */ || b[s + 4] !== 58 /* : */) break;
        i = s + 5;
        let line = 0;
        while (i < n && (c = b[i]!) >= 48 && c <= 57) {
          line = line * 10 + (c - 48);
          i++;
        }
        if (i === s + 5 || c !== 44 || i - s > 14) break;
        let start = ++i;
        let block = 0;
        while (i < n && (c = b[i]!) >= 48 && c <= 57) {
          block = block * 10 + (c - 48);
          i++;
        }
        if (i === start || c !== 44 || i - start > 4 || (b[start] === 48 && i - start > 1)) break;
        start = ++i;
        let branch = 0;
        while (i < n && (c = b[i]!) >= 48 && c <= 57) {
          branch = branch * 10 + (c - 48);
          i++;
        }
        if (i === start || c !== 44 || i - start > 2 || (b[start] === 48 && i - start > 1)) break;
        start = ++i;
        let taken = 0;
        if (i < n && b[i] === 45 /* - */) {
          c = ++i < n ? b[i]! : 0;
        } else {
          while (i < n && (c = b[i]!) >= 48 && c <= 57) {
            taken = taken * 10 + (c - 48);
            i++;
          }
          if (i === start || i - start > 15) break;
        }
        if (c === 13 && i + 1 < n && b[i + 1] === 10) i++;
        else if (c !== 10 || i >= n) break;
        const key = block * 100 + branch;
        let id: string;
        if (key < ID_TABLE.length) {
          id = ID_TABLE[key]!;
          if (id === '') {
            id = `${block},${branch}`;
            ID_TABLE[key] = id;
          }
        } else {
          id = this.bigId(block, branch);
        }
        if (line >= 1 && line <= maxLine && taken <= maxHits) {
          if (bn === BL.length) {
            this.brLines.length = bn;
            this.brTaken.length = bn;
            this.brLines.reserve(bn + 1024);
            this.brTaken.reserve(bn + 1024);
            BL = this.brLines.data;
            BT = this.brTaken.data;
          }
          BL[bn] = line;
          BT[bn] = taken;
          brIds[bn++] = id;
        } else {
          file.branch(line, id, taken, at + k);
        }
      }
      k++;
      s = i + 1;
    }
    this.daLines.length = dn;
    this.daHits.length = dn;
    this.brLines.length = bn;
    this.brTaken.length = bn;
    this.daCount += das;
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
    this.report = new ReportBuilder(this.sink, options.limits);
    this.maxLine = options.limits.maxLineNumber;
    this.maxHits = options.limits.maxHits;
    this.maxRecordLength = options.limits.maxRecordLength;
    this.splitter = new ByteLineReader(this, this.sink, options.limits.maxRecordLength);
  }

  write(chunk: Uint8Array): void {
    this.splitter.write(chunk);
  }

  end(): ParseOutcome {
    this.splitter.end();
    if (this.inRecord) {
      this.sink.warn('CW_LCOV_MISSING_END', 'the last record has no end_of_record (truncated file?)', this.splitter.lines);
      this.closeRecord();
    }
    if (!this.sawAnyRecord) this.sink.error('CW_LCOV_EMPTY', 'no SF record found: not an LCOV tracefile, or empty');
    const diagnostics = this.sink.finish();
    return { status: this.sink.hasErrors ? 'invalid' : 'ok', report: this.report.build(), diagnostics };
  }
}

/**
 * A table slot from a name hash: FNV-1a's low bits only mix the input's low bits, and the stored
 * hash has bit 0 set, so indexing by the hash itself used half the slots and made long probe runs.
 */
function nameSlot(h: number): number {
  const x = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return x ^ (x >>> 16);
}

function indexName(map: Map<string, number[]>, name: string, i: number): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [i]);
  else list.push(i);
}
