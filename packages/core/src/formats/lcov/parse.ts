import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import type { FunctionRecord } from '../../model/file-coverage.js';
import { ReportBuilder } from '../../model/report.js';
import { ByteLineReader, decodeRange, parseUintBytes } from '../../text/byte-lines.js';
import { parseCount, parseUint } from '../../text/numbers.js';
import { GrowableFloat64, GrowableInt32 } from '../../model/growable.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/** Distinct function names one parser interns (memory stays bounded whatever the input). */
const NAMES_MAX = 1 << 16;

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
export function createLcovParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  let file: FileCoverageBuilder | null = null;
  let inRecord = false;
  let recordStart = 0;
  let daCount = 0;
  let lf = -1;
  // A record with FN/FNDA/FNF lines has a function metric (possibly zero functions); one without
  // (coverage.py) has none, and its function totals are null rather than 0.
  let hasFunctionMetric = false;
  // Functions of the current record, in declaration order: the records handed to the builder at the
  // end of the record (a fresh array per record), their report lines, and per function how many FNDA
  // lines named it so far (kept on the first function of each name).
  let fns: MutableFunction[] = [];
  const fnAt: number[] = [];
  const fnSeen: number[] = [];
  /** Next function an FNDA is expected to name (geninfo writes FNDA in FN order). */
  let fnCursor = 0;
  /** Whether two functions of the current record share a name (then only the general path runs). */
  let fnDuplicates = false;
  /** Indices by name, made once a record has many functions (small records scan instead). */
  let fnByName: Map<string, number[]> | null = null;
  let sawAnyRecord = false;

  const bad = (at: number, what: string, text: string) =>
    sink.error('CW_LCOV_BAD_RECORD', `line ${at}: expected ${what}, found "${text.slice(0, 80)}"`, at);

  // DA records of the current record, collected here and handed to the builder in one call.
  const daLines = new GrowableInt32(1024);
  const daHits = new GrowableFloat64(1024);
  // DA records the builder will refuse or clamp (line 0, past the limits): kept apart with their
  // report lines, and handed over after the others, so diagnostics come in the same order as before.
  const badLines: number[] = [];
  const badHits: number[] = [];
  const badAt: number[] = [];
  // Valid BRDA records of the current record, handed over the same way.
  const brLines = new GrowableInt32(1024);
  const brTaken = new GrowableFloat64(1024);
  const brIds: string[] = [];
  const maxLine = options.limits.maxLineNumber;
  const maxHits = options.limits.maxHits;
  const flushLines = () => {
    if (file !== null && daLines.length > 0) file.addLines(daLines.data, daHits.data, daLines.length);
    daLines.length = 0;
    daHits.length = 0;
    if (badLines.length > 0) {
      if (file !== null) for (let i = 0; i < badLines.length; i++) file.line(badLines[i]!, badHits[i]!, badAt[i]!);
      badLines.length = 0;
      badHits.length = 0;
      badAt.length = 0;
    }
    if (file !== null && brLines.length > 0) file.addBranches(brLines.data, brIds, brTaken.data, brLines.length);
    brLines.length = 0;
    brTaken.length = 0;
    // Stale ids past brLines.length are overwritten, never read: resetting the length would free
    // and regrow the array for every record.
  };

  const pushDa = (line: number, hits: number, at: number) => {
    if (line >= 1 && line <= maxLine && hits <= maxHits) {
      daLines.push(line);
      daHits.push(hits);
    } else {
      badLines.push(line);
      badHits.push(hits);
      badAt.push(at);
    }
  };

  const closeRecord = () => {
    flushLines();
    if (file !== null) {
      if (hasFunctionMetric) file.enableFunctions();
      if (fns.length > 0) file.addFunctions(fns as FunctionRecord[], fnAt);
      if (lf >= 0 && lf !== daCount) {
        sink.add(
          'CW_LCOV_SUMMARY_MISMATCH',
          'info',
          `record for ${file.path} (line ${recordStart}) has ${daCount} DA lines but LF:${lf}; Coverwatch counts the DA lines`,
          recordStart,
        );
      }
    }
    file = null;
    inRecord = false;
    daCount = 0;
    lf = -1;
    hasFunctionMetric = false;
    if (fns.length > 0) {
      fns = [];
    }
    fnCursor = 0;
    fnDuplicates = false;
    fnByName = null;
  };

  const declareFunction = (name: string, line: number, endLine: number | null, at: number) => {
    const i = fns.length;
    if (!fnDuplicates) {
      if (fnByName !== null) fnDuplicates = fnByName.has(name);
      else for (let j = 0; j < i && !fnDuplicates; j++) if (fns[j]!.name === name) fnDuplicates = true;
    }
    fns.push({ name, line, endLine, hits: 0 });
    // Indexed by the function's position (entries past fns.length are stale, see brIds).
    fnAt[i] = at;
    fnSeen[i] = 0;
    if (fnByName === null && i + 1 > FN_SCAN_MAX) {
      fnByName = new Map();
      for (let j = 0; j <= i; j++) indexName(fnByName, fns[j]!.name, j);
    } else if (fnByName !== null) {
      indexName(fnByName, name, i);
    }
  };

  /** Indices of the functions named `name`, in declaration order. */
  const functionsNamed = (name: string): number[] => {
    if (fnByName !== null) return fnByName.get(name) ?? [];
    const out: number[] = [];
    for (let j = 0; j < fns.length; j++) if (fns[j]!.name === name) out.push(j);
    return out;
  };

  const functionHits = (name: string, hits: number, at: number) => {
    const list = functionsNamed(name);
    if (list.length === 0) {
      sink.warn('CW_LCOV_FNDA_WITHOUT_FN', `line ${at}: FNDA for "${name.slice(0, 80)}" has no FN record; ignored`, at);
      return;
    }
    // Several functions may share a name (istanbul writes one FN/FNDA pair per function, in the
    // same order); the n-th FNDA of a name belongs to its n-th FN, extra ones to the last.
    const first = list[0]!;
    const n = fnSeen[first]!;
    if (list.length === 1) {
      fnSeen[first] = 1;
      const only = fns[first]!;
      only.hits = n > 0 ? only.hits + hits : hits;
      return;
    }
    fnSeen[first] = n + 1;
    const target = fns[list[Math.min(n, list.length - 1)]!]!;
    target.hits = n < list.length ? hits : target.hits + hits;
  };

  /**
   * FNDA:<hits>,<name> with the name still in bytes[s, e): when it names the function the cursor
   * expects, unique in its record and not yet counted, no string is made at all.
   */
  const functionHitsBytes = (b: Uint8Array, s: number, e: number, hits: number, at: number) => {
    const c = fnCursor;
    if (!fnDuplicates && c < fns.length && fnSeen[c] === 0) {
      const name = fns[c]!.name;
      let same = name.length === e - s;
      for (let i = 0; same && i < name.length; i++) {
        const x = b[s + i]!;
        if (x >= 0x80 || name.charCodeAt(i) !== x) same = false;
      }
      if (same) {
        fns[c]!.hits = hits;
        fnSeen[c] = 1;
        fnCursor = c + 1;
        return;
      }
    }
    functionHits(decodeRange(b, s, e), hits, at);
  };

  const startRecord = (path: string, at: number) => {
    flushLines();
    if (inRecord) {
      sink.warn('CW_LCOV_MISSING_END', `line ${at}: SF before the previous record's end_of_record`, at);
      closeRecord();
    }
    sawAnyRecord = true;
    inRecord = true;
    recordStart = at;
    file = report.file(path, at);
  };

  const endRecord = (at: number) => {
    if (!inRecord) sink.warn('CW_LCOV_STRAY_END', `line ${at}: end_of_record without SF`, at);
    closeRecord();
  };

  const onLine = (text: string, at: number) => {
    if (text.length === 0) return;
    const colon = text.indexOf(':');
    if (colon < 0) {
      if (text === 'end_of_record') return endRecord(at);
      if (text.trim().length === 0) return;
      bad(at, 'an LCOV record such as "DA:<line>,<hits>"', text);
      return;
    }
    const tag = text.slice(0, colon);
    const v = colon + 1;
    switch (tag) {
      case 'DA': {
        if (file === null) return noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"DA:<line>,<hits>[,<checksum>]"', text);
        const c2 = text.indexOf(',', c1 + 1);
        const line = parseUint(text, v, c1);
        const hits = parseCount(text, c1 + 1, c2 < 0 ? text.length : c2);
        if (line < 0 || hits < 0) return bad(at, '"DA:<line>,<hits>[,<checksum>]" with non-negative integers', text);
        daCount++;
        file.line(line, hits, at);
        return;
      }
      case 'BRDA': {
        if (file === null) return noFile(at, tag);
        // BRDA:<line>,<block>,<branch>,<taken>; lcov 2.x allows commas inside <branch> (an expression).
        const c1 = text.indexOf(',', v);
        const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
        const cl = text.lastIndexOf(',');
        if (c1 < 0 || c2 < 0 || cl <= c2) return bad(at, '"BRDA:<line>,<block>,<branch>,<taken>"', text);
        const line = parseUint(text, v, c1);
        const takenText = text.slice(cl + 1);
        // `-` means the block never ran: not taken, and no count to add.
        const taken = takenText === '-' ? 0 : parseCount(takenText);
        if (line < 0 || taken < 0) return bad(at, '"BRDA:<line>,<block>,<branch>,<taken>" with <taken> a count or "-"', text);
        file.branch(line, text.slice(c1 + 1, cl), taken, at);
        return;
      }
      case 'FN': {
        if (file === null) return noFile(at, tag);
        hasFunctionMetric = true;
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"FN:<line>,<name>"', text);
        const line = parseUint(text, v, c1);
        if (line < 0) return bad(at, '"FN:<line>[,<end line>],<name>"', text);
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
        declareFunction(name, line, endLine, at);
        return;
      }
      case 'FNDA': {
        if (file === null) return noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"FNDA:<hits>,<name>"', text);
        const hits = parseCount(text, v, c1);
        if (hits < 0) return bad(at, '"FNDA:<hits>,<name>" with a non-negative count', text);
        functionHits(text.slice(c1 + 1), hits, at);
        return;
      }
      case 'SF':
        startRecord(text.slice(v), at);
        return;
      case 'LF': {
        const n = parseUint(text, v);
        if (n < 0) return bad(at, '"LF:<count>"', text);
        lf = n;
        return;
      }
      // Summaries are recomputed from records; lcov 2.x function aliases/leaders and MC/DC records
      // are data we do not model yet.
      case 'FNF':
      case 'FNH':
        hasFunctionMetric = true;
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
        sink.warn('CW_LCOV_UNKNOWN_RECORD', `line ${at}: unknown record type "${tag.slice(0, 40)}"; ignored`, at);
    }
  };

  const noFile = (at: number, tag: string) => {
    sink.error('CW_LCOV_NO_SOURCE', `line ${at}: ${tag} record outside an SF ... end_of_record block`, at);
  };

  /**
   * The hot path: DA and BRDA lines (nearly every line of a tracefile) are read straight from the
   * bytes. Anything unusual (fractions, stray characters, records outside SF) falls back to the
   * string path above, which owns every diagnostic, so both paths give identical results.
   */
  const onBytes = (b: Uint8Array, s: number, e: number, at: number) => {
    if (file !== null && e - s > 3 && b[s] === 68 /* D */ && b[s + 1] === 65 /* A */ && b[s + 2] === 58 /* : */) {
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
          daCount++;
          pushDa(line, hits, at);
          return;
        }
      }
    } else if (
      file !== null && e - s > 5 && b[s] === 66 /* B */ && b[s + 1] === 82 /* R */ && b[s + 2] === 68 /* D */ && b[s + 3] === 65 /* A */ && b[s + 4] === 58
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
            if (line >= 1 && line <= maxLine && taken <= maxHits) {
              brLines.push(line);
              brTaken.push(taken);
              brIds[brLines.length - 1] = branchId(b, idStart, last);
            } else {
              file.branch(line, branchId(b, idStart, last), taken, at);
            }
            return;
          }
        }
      }
    }
    // Summary lines and record ends: no text to keep, so no decoding either.
    const n = e - s;
    if (n === 13 && b[s] === 101 /* e */ && b[s + 12] === 100 /* d */ && b[s + 3] === 95 /* _ */) {
      endRecord(at);
      return;
    }
    if (n > 3 && b[s] === 83 /* S */ && b[s + 1] === 70 /* F */ && b[s + 2] === 58) {
      startRecord(decodeRange(b, s + 3, e), at);
      return;
    }
    if (file !== null && n > 5 && b[s] === 70 /* F */ && b[s + 1] === 78 /* N */) {
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
          functionHitsBytes(b, i + 1, e, hits, at);
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
          hasFunctionMetric = true;
          declareFunction(functionName(b, ns, e), line, null, at);
          return;
        }
      }
    }
    if (n > 3 && b[s] === 76 /* L */ && b[s + 2] === 58 /* : */) {
      if (b[s + 1] === 72 /* H */) return;
      if (b[s + 1] === 70 /* F */) {
        const v = parseUintBytes(b, s + 3, e);
        if (v >= 0) {
          lf = v;
          return;
        }
      }
    } else if (n > 4 && b[s + 3] === 58 && ((b[s] === 66 && b[s + 1] === 82) /* BR */ || (b[s] === 70 && b[s + 1] === 78) /* FN */)) {
      const third = b[s + 2];
      if (third === 70 /* F */ || third === 72 /* H */) {
        if (b[s] === 70) hasFunctionMetric = true;
        return;
      }
    } else if (n >= 3 && b[s] === 84 /* T */ && b[s + 1] === 78 /* N */ && b[s + 2] === 58) {
      return;
    }
    onLine(decodeRange(b, s, e), at);
  };

  // Branch ids are nearly always "<small block>,<small branch>": reuse one string per pair.
  const idCache = new Map<number, string>();
  const branchId = (b: Uint8Array, s: number, e: number): string => {
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
        let id = idCache.get(key);
        if (id === undefined) {
          id = decodeRange(b, s, e);
          idCache.set(key, id);
        }
        return id;
      }
    }
    return decodeRange(b, s, e);
  };

  // Function names repeat across files (istanbul's "(anonymous_3)", constructors, generated code):
  // one string per distinct short ASCII name, found by a hash of its bytes without decoding.
  const nameTable = new Map<number, string[]>();
  let namesInterned = 0;
  const functionName = (b: Uint8Array, s: number, e: number): string => {
    const n = e - s;
    if (n > 64 || namesInterned >= NAMES_MAX) return decodeRange(b, s, e);
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) {
      const c = b[i]!;
      if (c >= 0x80) return decodeRange(b, s, e);
      h = Math.imul(h ^ c, 0x01000193);
    }
    h &= 0x3fffffff; // a small integer key (a heap number would be allocated and hashed slowly)
    const list = nameTable.get(h);
    if (list !== undefined) {
      for (let k = 0; k < list.length; k++) {
        const name = list[k]!;
        if (name.length !== n) continue;
        let i = 0;
        while (i < n && name.charCodeAt(i) === b[s + i]) i++;
        if (i === n) return name;
      }
    }
    const name = decodeRange(b, s, e);
    if (list === undefined) nameTable.set(h, [name]);
    else list.push(name);
    namesInterned++;
    return name;
  };

  /** Ids "<block>,<branch>" of small numbers (block up to 4 digits, branch up to 2), by block * 100 + branch. */
  const idTable: (string | undefined)[] = [];

  /**
   * `DA:<line>,<hits>\n` and `BRDA:<line>,<block>,<branch>,<taken>\n` (nearly every line of a
   * tracefile) read in the same pass that finds the line end. Anything else, or any irregularity
   * (leading zeros in an id, long numbers, checksums), returns -1: onBytes then reads the line.
   */
  const fastRecord = (b: Uint8Array, s: number, n: number, at: number): number => {
    if (file === null || s + 5 >= n) return -1;
    const c0 = b[s];
    if (c0 === 68 /* D */) {
      if (b[s + 1] !== 65 /* A */ || b[s + 2] !== 58 /* : */) return -1;
      let i = s + 3;
      let line = 0;
      let c = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        line = line * 10 + (c - 48);
        i++;
      }
      if (i === s + 3 || c !== 44 || i - s > 12) return -1;
      const hs = ++i;
      let hits = 0;
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        hits = hits * 10 + (c - 48);
        i++;
      }
      if (i === hs || i - hs > 15) return -1;
      if (c === 13 && i + 1 < n && b[i + 1] === 10) i++;
      else if (c !== 10) return -1;
      daCount++;
      pushDa(line, hits, at);
      return i + 1;
    }
    if (c0 !== 66 /* B */ || b[s + 1] !== 82 /* R */ || b[s + 2] !== 68 /* D */ || b[s + 3] !== 65 /* A */ || b[s + 4] !== 58 /* : */) return -1;
    let i = s + 5;
    let line = 0;
    let c = 0;
    while (i < n && (c = b[i]!) >= 48 && c <= 57) {
      line = line * 10 + (c - 48);
      i++;
    }
    if (i === s + 5 || c !== 44 || i - s > 14) return -1;
    let start = ++i;
    let block = 0;
    while (i < n && (c = b[i]!) >= 48 && c <= 57) {
      block = block * 10 + (c - 48);
      i++;
    }
    if (i === start || c !== 44 || i - start > 4 || (b[start] === 48 && i - start > 1)) return -1;
    start = ++i;
    let branch = 0;
    while (i < n && (c = b[i]!) >= 48 && c <= 57) {
      branch = branch * 10 + (c - 48);
      i++;
    }
    if (i === start || c !== 44 || i - start > 2 || (b[start] === 48 && i - start > 1)) return -1;
    start = ++i;
    let taken = 0;
    if (i < n && b[i] === 45 /* - */) {
      c = ++i < n ? b[i]! : 0;
    } else {
      while (i < n && (c = b[i]!) >= 48 && c <= 57) {
        taken = taken * 10 + (c - 48);
        i++;
      }
      if (i === start || i - start > 15) return -1;
    }
    if (c === 13 && i + 1 < n && b[i + 1] === 10) i++;
    else if (c !== 10 || i >= n) return -1;
    const key = block * 100 + branch;
    let id = idTable[key];
    if (id === undefined) {
      id = `${block},${branch}`;
      idTable[key] = id;
    }
    if (line >= 1 && line <= maxLine && taken <= maxHits) {
      brLines.push(line);
      brTaken.push(taken);
      brIds[brLines.length - 1] = id;
    } else {
      file.branch(line, id, taken, at);
    }
    return i + 1;
  };

  const splitter = new ByteLineReader(onBytes, sink, options.limits.maxRecordLength, fastRecord);
  return {
    write: (chunk) => splitter.write(chunk),
    end(): ParseOutcome {
      splitter.end();
      if (inRecord) {
        sink.warn('CW_LCOV_MISSING_END', 'the last record has no end_of_record (truncated file?)', splitter.lines);
        closeRecord();
      }
      if (!sawAnyRecord) sink.error('CW_LCOV_EMPTY', 'no SF record found: not an LCOV tracefile, or empty');
      const diagnostics = sink.finish();
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics };
    },
  };
}

function indexName(map: Map<string, number[]>, name: string, i: number): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [i]);
  else list.push(i);
}
