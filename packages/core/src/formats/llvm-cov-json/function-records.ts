import { isNumber, isObject, own } from '../../text/json-guards.js';
import { EXPANSION_REGION, buildSegments, lineCounts, type Region } from './segments.js';

/** A work allowance shared by the steps of one parse; `exceeded` once it has run out. */
export interface Budget {
  left: number;
  exceeded: boolean;
}

/** A function record (one instantiation), validated. */
export interface FunctionRecord {
  readonly name: string;
  readonly count: number;
  readonly filenames: readonly string[];
  /** [ls, cs, le, ce, count, fileId, expandedFileId, kind] */
  readonly regions: readonly number[][];
  /** [ls, cs, le, ce, trueCount, falseCount, fileId, expandedFileId, kind, ...] */
  readonly branches: readonly number[][];
  readonly mainFile: number;
}

/** One branch region of an instantiation: two outcomes on one line. */
export interface BranchOutcomes {
  readonly line: number;
  readonly id: string;
  readonly trueCount: number;
  readonly falseCount: number;
}

export const isInt = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 0;
export const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;

/** Validates one `functions[]` entry; returns what is wrong as a string when it is not usable. */
export function readFunction(v: unknown): FunctionRecord | string {
  if (!isObject(v)) return 'not an object';
  const name = own(v, 'name');
  const count = own(v, 'count');
  const filenames = own(v, 'filenames');
  const regions = own(v, 'regions');
  const branches = own(v, 'branches');
  if (typeof name !== 'string') return '"name" must be a string';
  if (!isCount(count)) return '"count" must be a non-negative number';
  if (!Array.isArray(filenames) || filenames.length === 0 || !filenames.every((f) => typeof f === 'string')) return '"filenames" must be a non-empty array of strings';
  if (!Array.isArray(regions) || regions.length === 0) return '"regions" must be a non-empty array';
  const nf = filenames.length;
  for (const r of regions as unknown[]) {
    // [lineStart, colStart, lineEnd, colEnd, count, fileId, expandedFileId, kind]
    if (!Array.isArray(r) || r.length < 8) return 'each region must be an array of 8 numbers';
    if (!isInt(r[0]) || !isInt(r[1]) || !isInt(r[2]) || !isInt(r[3]) || !isCount(r[4]) || !isInt(r[5]) || !isInt(r[6]) || !isInt(r[7])) {
      return 'region fields must be non-negative numbers (integers but for the count)';
    }
    if (r[5] >= nf || (r[7] === EXPANSION_REGION && r[6] >= nf)) return 'a region names a file id outside "filenames"';
    if (r[2] < r[0] || (r[2] === r[0] && r[3] < r[1])) return 'a region ends before it starts';
  }
  if (branches !== undefined) {
    if (!Array.isArray(branches)) return '"branches" must be an array';
    for (const b of branches as unknown[]) {
      // [lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, fileId, expandedFileId, kind]
      if (!Array.isArray(b) || b.length < 9) return 'each branch must be an array of 9 numbers';
      if (!isInt(b[0]) || !isInt(b[1]) || !isInt(b[2]) || !isInt(b[3]) || !isCount(b[4]) || !isCount(b[5]) || !isInt(b[6])) {
        return 'branch fields must be non-negative numbers';
      }
      if (b[6] >= nf) return 'a branch names a file id outside "filenames"';
    }
  }
  const regs = regions as number[][];
  // findMainViewFileID: the definition's file is the first file id no expansion region targets.
  const expanded = new Uint8Array(nf);
  for (const r of regs) if (r[7] === EXPANSION_REGION) expanded[r[6]!] = 1;
  const mainFile = expanded.indexOf(0);
  if (mainFile < 0) return 'every file id is an expansion target (no main file)';
  if (!regs.some((r) => r[5] === mainFile)) return 'no region in the main file';
  return { name, count, filenames: filenames as string[], regions: regs, branches: (branches ?? []) as number[][], mainFile };
}

/** Lines of one instantiation, from its regions in the main file (CoverageMapping::getCoverageForFunction). */
export function functionLines(f: FunctionRecord, budget: Budget): { lines: number[]; counts: number[]; covered: number } {
  const regions: Region[] = [];
  for (const r of f.regions) {
    if (r[5] === f.mainFile) regions.push({ ls: r[0]!, cs: r[1]!, le: r[2]!, ce: r[3]!, count: r[4]!, kind: r[7]! });
  }
  const work = { left: budget.left };
  const segments = buildSegments(regions, work);
  budget.left = work.left;
  if (budget.left <= 0) {
    budget.exceeded = true;
    return { lines: [], counts: [], covered: 0 };
  }
  const lc = lineCounts(segments, budget.left);
  budget.left -= lc.visited;
  if (budget.left <= 0) budget.exceeded = true;
  let covered = 0;
  for (const c of lc.counts) if (c > 0) covered++;
  return { lines: lc.lines, counts: lc.counts, covered };
}

/**
 * Branch outcomes of one instantiation: its branches in the main file, then (sumBranchExpansions)
 * those inside each expansion, recursively, placed on the line of the outermost expansion site with
 * an id that records the path (`<site col>><line>.<col>`), since their own positions are in another
 * file (a macro definition).
 */
export function functionBranches(f: FunctionRecord): BranchOutcomes[] {
  const out: BranchOutcomes[] = [];
  const visit = (fileId: number, siteLine: number, path: string, depth: number) => {
    for (const b of f.branches) {
      if (b[6] !== fileId) continue;
      const line = siteLine > 0 ? siteLine : b[0]!;
      const id = siteLine > 0 ? `${path}${b[0]}.${b[1]}` : String(b[1]);
      out.push({ line, id, trueCount: b[4]!, falseCount: b[5]! });
    }
    // Expansion chains are short (nested macros); a cycle only exists in corrupt input.
    if (depth >= 32) return;
    for (const r of f.regions) {
      if (r[7] !== EXPANSION_REGION || r[5] !== fileId) continue;
      const site = siteLine > 0 ? siteLine : r[0]!;
      const p = siteLine > 0 ? `${path}${r[0]}.${r[1]}>` : `${r[1]}>`;
      visit(r[6]!, site, p, depth + 1);
    }
  };
  visit(f.mainFile, 0, '', 0);
  return out;
}
