import { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
import type { CountColumn, FileCoverage, FunctionRecord, StatementColumns } from './file-coverage.js';
import { PackedColumns } from './packed-columns.js';
import { comparePaths, type Report } from './report.js';

/**
 * Merges any number of reports (CI shards, several formats of one run) into one.
 *
 * Files merge by path; within a file, records merge by identity: lines by number, branches by
 * (line, id), functions by (name, line), statements by (line, column). Counts add up (saturating at
 * `limits.maxHits`), as istanbul and lcov do: a count is how often code ran, and a line covered in any
 * input is covered in the result. Because the result is normalized, merge is deterministic,
 * commutative and associative (property-tested in merge.test.ts).
 *
 * Every input file is already normalized (sorted, no duplicates), so a path present in several
 * reports is a k-way merge of sorted columns, written straight into typed arrays shared by all merged
 * files of the result (views per file, as ReportBuilder.build does); a path present in one report only
 * is reused as is.
 */
export function mergeReports(reports: readonly Report[], limits: ParseLimits = DEFAULT_LIMITS): Report {
  if (reports.length === 1) return reports[0]!;
  const groups = groupByPath(reports);
  // Upper bounds of the merged columns (duplicates across inputs shrink them).
  let nL = 0;
  let nB = 0;
  let nS = 0;
  for (const list of groups) {
    if (list.length === 1) continue;
    for (const f of list) {
      nL += f.lineNumbers.length;
      nB += f.branchLines.length;
      nS += f.statements?.lines.length ?? 0;
    }
  }
  const out = new PackedColumns(nL, nB, nS);
  const max = limits.maxHits;
  const files: FileCoverage[] = new Array<FileCoverage>(groups.length);
  for (let g = 0; g < groups.length; g++) {
    const list = groups[g]!;
    const p = list[0]!.path;
    files[g] = list.length === 1 ? list[0]! : mergeInto(p, list.length > FAN_IN ? reduceFanIn(p, list, max) : list, out, max);
  }
  return { files };
}

/**
 * The files of all reports grouped by path, groups in path order. Reports keep their files sorted by
 * path (see Report), so this is a k-way merge of the file lists; a report that is not sorted (built
 * by hand) falls back to a Map and a sort.
 */
function groupByPath(reports: readonly Report[]): FileCoverage[][] {
  let sorted = true;
  for (const r of reports) {
    const fs = r.files;
    for (let i = 1; i < fs.length && sorted; i++) if (!(fs[i - 1]!.path < fs[i]!.path)) sorted = false;
  }
  if (!sorted) {
    const byPath = new Map<string, FileCoverage[]>();
    for (const r of reports) {
      for (const f of r.files) {
        const list = byPath.get(f.path);
        if (list === undefined) byPath.set(f.path, [f]);
        else list.push(f);
      }
    }
    return [...byPath.keys()].sort(comparePaths).map((p) => byPath.get(p)!);
  }
  // Balanced pairwise merges of the sorted lists: each file is compared about log2(k) times (a scan
  // of every report's head per group compared each path with all k heads, and paths with long
  // common prefixes made that half the time of merging 20 shards).
  let lists: FileCoverage[][][] = reports.map((r) => r.files.map((f) => [f]));
  while (lists.length > 1) {
    const next: FileCoverage[][][] = [];
    for (let i = 0; i + 1 < lists.length; i += 2) next.push(mergeGroups(lists[i]!, lists[i + 1]!));
    if (lists.length % 2 === 1) next.push(lists[lists.length - 1]!);
    lists = next;
  }
  return lists[0] ?? [];
}

/** Merges two path-sorted lists of groups; a path in both gets a's files then b's (report order). */
function mergeGroups(a: FileCoverage[][], b: FileCoverage[][]): FileCoverage[][] {
  const out: FileCoverage[][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const pa = a[i]![0]!.path;
    const pb = b[j]![0]!.path;
    if (pa === pb) out.push(a[i++]!.concat(b[j++]!));
    else if (pa < pb) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Most inputs merged in one k-way pass (the head of each is scanned linearly). */
const FAN_IN = 16;

/** More inputs than FAN_IN (a path in hundreds of reports): merge groups first, into their own arrays. */
function reduceFanIn(path: string, list: readonly FileCoverage[], max: number): FileCoverage[] {
  let cur: readonly FileCoverage[] = list;
  while (cur.length > FAN_IN) {
    const next: FileCoverage[] = [];
    for (let i = 0; i < cur.length; i += FAN_IN) {
      const group = cur.slice(i, i + FAN_IN);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      let nL = 0;
      let nB = 0;
      let nS = 0;
      for (const f of group) {
        nL += f.lineNumbers.length;
        nB += f.branchLines.length;
        nS += f.statements?.lines.length ?? 0;
      }
      next.push(mergeInto(path, group, new PackedColumns(nL, nB, nS), max));
    }
    cur = next;
  }
  return cur as FileCoverage[];
}

function add(a: number, b: number, max: number): number {
  const s = a + b;
  return s > max ? max : s;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeInto(path: string, list: readonly FileCoverage[], out: PackedColumns, max: number): FileCoverage {
  // CI shards report the same files with the same lines, branches and functions, only counts
  // differ: then the keys are shared with the first input and only the counts are added up.
  return sameKeys(list) ? mergeSameKeys(path, list, out, max) : mergeGeneral(path, list, out, max);
}

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether every input has the first one's keys: lines, branches, functions (or none), statements (or none). */
function sameKeys(list: readonly FileCoverage[]): boolean {
  const f0 = list[0]!;
  for (let j = 1; j < list.length; j++) {
    const f = list[j]!;
    if (!sameInts(f.lineNumbers, f0.lineNumbers) || !sameInts(f.branchLines, f0.branchLines)) return false;
    for (let i = 0; i < f0.branchIds.length; i++) if (f.branchIds[i] !== f0.branchIds[i]) return false;
    const a = f0.functions;
    const b = f.functions;
    if ((a === null) !== (b === null)) return false;
    if (a !== null) {
      if (a.length !== b!.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i]!.line !== b![i]!.line || a[i]!.name !== b![i]!.name) return false;
    }
    const sa = f0.statements;
    const sb = f.statements;
    if ((sa === null) !== (sb === null)) return false;
    if (sa !== null && (!sameInts(sa.lines, sb!.lines) || !sameInts(sa.columns, sb!.columns))) return false;
  }
  return true;
}

/** Adds column `pick` of every input, element by element, into out[o...] (saturating, in input order). */
function sumInto(list: readonly FileCoverage[], pick: (f: FileCoverage) => CountColumn, out: Float64Array, o: number, max: number): void {
  const first = pick(list[0]!);
  const n = first.length;
  out.set(first, o);
  for (let j = 1; j < list.length; j++) {
    const v = pick(list[j]!);
    for (let i = 0; i < n; i++) out[o + i] = add(out[o + i]!, v[i]!, max);
  }
}

const pickLineHits = (f: FileCoverage): CountColumn => f.lineHits;
const pickBranchTaken = (f: FileCoverage): CountColumn => f.branchTaken;
const pickStatementHits = (f: FileCoverage): CountColumn => f.statements!.hits;

function mergeSameKeys(path: string, list: readonly FileCoverage[], out: PackedColumns, max: number): FileCoverage {
  const f0 = list[0]!;
  const nl = f0.lineNumbers.length;
  const l0 = out.oL;
  sumInto(list, pickLineHits, out.LH, l0, max);
  out.oL = l0 + nl;
  const nb = f0.branchLines.length;
  const b0 = out.oB;
  sumInto(list, pickBranchTaken, out.BT, b0, max);
  out.oB = b0 + nb;
  let functions: FunctionRecord[] | null = null;
  if (f0.functions !== null) {
    const fs = f0.functions;
    functions = new Array<FunctionRecord>(fs.length);
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      let endLine = f.endLine;
      let hits = f.hits;
      for (let j = 1; j < list.length; j++) {
        const r = list[j]!.functions![i]!;
        endLine = endLine === null ? r.endLine : r.endLine === null ? endLine : Math.max(endLine, r.endLine);
        hits = add(hits, r.hits, max);
      }
      functions[i] = { name: f.name, line: f.line, endLine, hits };
    }
  }
  let statements: StatementColumns | null = null;
  if (f0.statements !== null) {
    const s0 = out.oS;
    const ns = f0.statements.lines.length;
    sumInto(list, pickStatementHits, out.SH, s0, max);
    out.oS = s0 + ns;
    statements = { lines: f0.statements.lines, columns: f0.statements.columns, hits: out.SH.subarray(s0, s0 + ns) };
  }
  // Key columns are shared with the first input: reports are never modified after they are built.
  return {
    path,
    lineNumbers: f0.lineNumbers,
    lineHits: out.LH.subarray(l0, l0 + nl),
    branchLines: f0.branchLines,
    branchIds: f0.branchIds,
    branchTaken: out.BT.subarray(b0, b0 + nb),
    functions,
    statements,
  };
}

function mergeGeneral(path: string, list: readonly FileCoverage[], out: PackedColumns, max: number): FileCoverage {
  const k = list.length;

  // Lines: k-way merge by line number.
  const LN = out.LN;
  const LH = out.LH;
  const l0 = out.oL;
  out.oL = mergeLines(list, LN, LH, l0, max);

  // Branches: by (line, id).
  const BL = out.BL;
  const BT = out.BT;
  const b0 = out.oB;
  const ids: string[] = [];
  out.oB = mergeBranches(list, BL, BT, ids, b0, max);
  const pos = new Int32Array(k);

  // Functions: by (line, name); null only when no input has the metric.
  let functions: FunctionRecord[] | null = null;
  for (const f of list) if (f.functions !== null) functions = [];
  if (functions !== null) {
    pos.fill(0);
    for (;;) {
      let best: FunctionRecord | null = null;
      for (let j = 0; j < k; j++) {
        const fs = list[j]!.functions;
        if (fs === null || pos[j]! >= fs.length) continue;
        const r = fs[pos[j]!]!;
        if (best === null || r.line < best.line || (r.line === best.line && compareStrings(r.name, best.name) < 0)) best = r;
      }
      if (best === null) break;
      let acc: FunctionRecord | null = null;
      for (let j = 0; j < k; j++) {
        const fs = list[j]!.functions;
        if (fs === null || pos[j]! >= fs.length) continue;
        const r = fs[pos[j]!]!;
        if (r.line !== best.line || r.name !== best.name) continue;
        pos[j]!++;
        if (acc === null) acc = r;
        else {
          const endLine: number | null = acc.endLine === null ? r.endLine : r.endLine === null ? acc.endLine : Math.max(acc.endLine, r.endLine);
          acc = { name: r.name, line: r.line, endLine, hits: add(acc.hits, r.hits, max) };
        }
      }
      functions.push(acc!);
    }
  }

  // Statements: by (line, column); null only when no input has the metric.
  let statements: StatementColumns | null = null;
  let hasStatements = false;
  for (const f of list) if (f.statements !== null) hasStatements = true;
  if (hasStatements) {
    const s0 = out.oS;
    out.oS = mergeStatements(list, out.SL, out.SC, out.SH, s0, max);
    statements = { lines: out.SL.subarray(s0, out.oS), columns: out.SC.subarray(s0, out.oS), hits: out.SH.subarray(s0, out.oS) };
  }

  return {
    path,
    lineNumbers: LN.subarray(l0, out.oL),
    lineHits: LH.subarray(l0, out.oL),
    branchLines: BL.subarray(b0, out.oB),
    branchIds: ids,
    branchTaken: BT.subarray(b0, out.oB),
    functions,
    statements,
  };
}

/** k-way merge of strictly ascending keys with their counts into out[o...]; returns the new end. */
function mergeLines(list: readonly FileCoverage[], OK: Int32Array, OV: Float64Array, o: number, max: number): number {
  const k = list.length;
  if (k === 2) {
    const a = list[0]!.lineNumbers;
    const av = list[0]!.lineHits;
    const b = list[1]!.lineNumbers;
    const bv = list[1]!.lineHits;
    const na = a.length;
    const nb = b.length;
    let i = 0;
    let j = 0;
    while (i < na && j < nb) {
      const x = a[i]!;
      const y = b[j]!;
      if (x < y) {
        OK[o] = x;
        OV[o++] = av[i++]!;
      } else if (y < x) {
        OK[o] = y;
        OV[o++] = bv[j++]!;
      } else {
        OK[o] = x;
        OV[o++] = add(av[i++]!, bv[j++]!, max);
      }
    }
    while (i < na) {
      OK[o] = a[i]!;
      OV[o++] = av[i++]!;
    }
    while (j < nb) {
      OK[o] = b[j]!;
      OV[o++] = bv[j++]!;
    }
    return o;
  }
  const keys = list.map((f) => f.lineNumbers);
  const vals = list.map((f) => f.lineHits);
  const END = Infinity;
  const pos = new Int32Array(k);
  const head = new Float64Array(k);
  for (let j = 0; j < k; j++) head[j] = keys[j]!.length > 0 ? keys[j]![0]! : END;
  for (;;) {
    let min = END;
    for (let j = 0; j < k; j++) if (head[j]! < min) min = head[j]!;
    if (min === END) return o;
    let h = -1;
    for (let j = 0; j < k; j++) {
      if (head[j] !== min) continue;
      const p = pos[j]!;
      const v = vals[j]![p]!;
      h = h < 0 ? v : add(h, v, max);
      const c = keys[j]!;
      pos[j] = p + 1;
      head[j] = p + 1 < c.length ? c[p + 1]! : END;
    }
    OK[o] = min;
    OV[o++] = h;
  }
}

/** k-way merge of branch columns sorted by (line, id); returns the new end. */
function mergeBranches(list: readonly FileCoverage[], BL: Int32Array, BT: Float64Array, ids: string[], o: number, max: number): number {
  const k = list.length;
  if (k === 2) {
    const A = list[0]!;
    const B = list[1]!;
    const al = A.branchLines;
    const ai = A.branchIds;
    const at = A.branchTaken;
    const bl = B.branchLines;
    const bi = B.branchIds;
    const bt = B.branchTaken;
    const na = al.length;
    const nb = bl.length;
    let i = 0;
    let j = 0;
    while (i < na && j < nb) {
      const d = al[i]! - bl[j]! || compareStrings(ai[i]!, bi[j]!);
      if (d < 0) {
        BL[o] = al[i]!;
        ids.push(ai[i]!);
        BT[o++] = at[i++]!;
      } else if (d > 0) {
        BL[o] = bl[j]!;
        ids.push(bi[j]!);
        BT[o++] = bt[j++]!;
      } else {
        BL[o] = al[i]!;
        ids.push(ai[i]!);
        BT[o++] = add(at[i++]!, bt[j++]!, max);
      }
    }
    for (; i < na; i++) {
      BL[o] = al[i]!;
      ids.push(ai[i]!);
      BT[o++] = at[i]!;
    }
    for (; j < nb; j++) {
      BL[o] = bl[j]!;
      ids.push(bi[j]!);
      BT[o++] = bt[j]!;
    }
    return o;
  }
  const pos = new Int32Array(k);
  for (;;) {
    let best = -1;
    let line = 0;
    let id = '';
    for (let j = 0; j < k; j++) {
      const f = list[j]!;
      const p = pos[j]!;
      if (p >= f.branchLines.length) continue;
      const l = f.branchLines[p]!;
      if (best < 0 || l < line || (l === line && compareStrings(f.branchIds[p]!, id) < 0)) {
        best = j;
        line = l;
        id = f.branchIds[p]!;
      }
    }
    if (best < 0) return o;
    let t = -1;
    for (let j = best; j < k; j++) {
      const f = list[j]!;
      const p = pos[j]!;
      if (p < f.branchLines.length && f.branchLines[p] === line && f.branchIds[p] === id) {
        t = t < 0 ? f.branchTaken[p]! : add(t, f.branchTaken[p]!, max);
        pos[j] = p + 1;
      }
    }
    BL[o] = line;
    BT[o++] = t;
    ids.push(id);
  }
}

/** k-way merge of statement columns sorted by (line, column); returns the new end. */
function mergeStatements(list: readonly FileCoverage[], SL: Int32Array, SC: Int32Array, SH: Float64Array, o: number, max: number): number {
  const k = list.length;
  if (k === 2 && list[0]!.statements !== null && list[1]!.statements !== null) {
    const A = list[0]!.statements!;
    const B = list[1]!.statements!;
    const al = A.lines;
    const ac = A.columns;
    const ah = A.hits;
    const bl = B.lines;
    const bc = B.columns;
    const bh = B.hits;
    const na = al.length;
    const nb = bl.length;
    let i = 0;
    let j = 0;
    while (i < na && j < nb) {
      const d = al[i]! - bl[j]! || ac[i]! - bc[j]!;
      if (d < 0) {
        SL[o] = al[i]!;
        SC[o] = ac[i]!;
        SH[o++] = ah[i++]!;
      } else if (d > 0) {
        SL[o] = bl[j]!;
        SC[o] = bc[j]!;
        SH[o++] = bh[j++]!;
      } else {
        SL[o] = al[i]!;
        SC[o] = ac[i]!;
        SH[o++] = add(ah[i++]!, bh[j++]!, max);
      }
    }
    for (; i < na; i++) {
      SL[o] = al[i]!;
      SC[o] = ac[i]!;
      SH[o++] = ah[i]!;
    }
    for (; j < nb; j++) {
      SL[o] = bl[j]!;
      SC[o] = bc[j]!;
      SH[o++] = bh[j]!;
    }
    return o;
  }
  const pos = new Int32Array(k);
  for (;;) {
    let best = -1;
    let bl = 0;
    let bc = 0;
    for (let j = 0; j < k; j++) {
      const s = list[j]!.statements;
      if (s === null || pos[j]! >= s.lines.length) continue;
      const p = pos[j]!;
      const l = s.lines[p]!;
      const c = s.columns[p]!;
      if (best < 0 || l < bl || (l === bl && c < bc)) {
        best = j;
        bl = l;
        bc = c;
      }
    }
    if (best < 0) return o;
    let h = -1;
    for (let j = best; j < k; j++) {
      const s = list[j]!.statements;
      if (s === null) continue;
      const p = pos[j]!;
      if (p < s.lines.length && s.lines[p] === bl && s.columns[p] === bc) {
        h = h < 0 ? s.hits[p]! : add(h, s.hits[p]!, max);
        pos[j] = p + 1;
      }
    }
    SL[o] = bl;
    SC[o] = bc;
    SH[o++] = h;
  }
}
