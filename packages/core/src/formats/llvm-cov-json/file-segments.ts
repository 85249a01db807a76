import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { BadEntries, describeJson, isObject, own, type JsonObject } from '../../text/json-guards.js';
import { isCount, isInt, type Budget } from './function-records.js';
import { lineCounts, type Segment } from './segments.js';

/**
 * What a file entry's own segments and branches count (file-level counting, for `-skip-functions`
 * exports), in compact columns: whether the export has functions is only known once its
 * "functions" stream in or its end is read, after the files, so each file's counts are kept in this
 * form until then instead of the entry itself.
 */
export interface FileSegmentCounts {
  readonly lines: Float64Array;
  readonly counts: Float64Array;
  /** Per branch region: its line, id and the two outcome counts. */
  readonly branchLines: Float64Array;
  readonly branchIds: readonly string[];
  readonly branchTrue: Float64Array;
  readonly branchFalse: Float64Array;
  /** Diagnostics about the entry, said only if its counts are used. */
  readonly problems: readonly (readonly [code: string, message: string])[];
}

/** Counts one `files[]` entry from its segments, branches and expansions' branches; `where` names it in messages. */
export function countFileSegments(f: JsonObject, where: string, budget: Budget): FileSegmentCounts {
  const problems: [string, string][] = [];
  const segs = own(f, 'segments');
  const segments: Segment[] = [];
  if (segs !== undefined) {
    if (!Array.isArray(segs)) {
      problems.push(['CW_LLVM_COV_SEGMENT', `${where}: expected "segments" to be an array, found ${describeJson(segs)}`]);
    } else {
      const bad = new BadEntries();
      for (let i = 0; i < segs.length; i++) {
        const s: unknown = segs[i];
        // [line, col, count, hasCount, isRegionEntry, isGapRegion]; exports before LLVM 11 have no isGapRegion.
        if (!Array.isArray(s) || s.length < 5 || !isInt(s[0]) || !isInt(s[1]) || !isCount(s[2]) || typeof s[3] !== 'boolean' || typeof s[4] !== 'boolean') {
          bad.add(i, s);
          continue;
        }
        segments.push({ line: s[0], col: s[1], count: s[2], hasCount: s[3], isRegionEntry: s[4], isGap: s[5] === true });
      }
      const m = bad.summary('a segment [line, column, count, hasCount, isRegionEntry, isGapRegion]');
      if (m !== null) problems.push(['CW_LLVM_COV_SEGMENT', `${where}: segments: ${m}`]);
    }
  }
  let lines: number[] = [];
  let counts: number[] = [];
  if (!budget.exceeded) {
    const lc = lineCounts(segments, budget.left);
    budget.left -= lc.visited;
    if (budget.left <= 0) {
      budget.exceeded = true;
      problems.push(['CW_LLVM_COV_TOO_LARGE', `${where}: the segments span far more lines than an export of this size can hold (corrupt or hostile input)`]);
    }
    lines = lc.lines;
    counts = lc.counts;
  }
  const bad = new BadEntries();
  const used = new Set<string>();
  const bLines: number[] = [];
  const bIds: string[] = [];
  const bTrue: number[] = [];
  const bFalse: number[] = [];
  const addBranch = (v: unknown, where: number | string, line: number | null, prefix: string) => {
    if (!Array.isArray(v) || v.length < 6 || !isInt(v[0]) || !isInt(v[1]) || !isCount(v[4]) || !isCount(v[5])) {
      bad.add(where, v);
      return;
    }
    const l = line ?? v[0];
    const base = line === null ? String(v[1]) : `${prefix}${v[0]}.${v[1]}`;
    let id = base;
    for (let n = 2; used.has(`${l}|${id}`); n++) id = `${base}#${n}`;
    used.add(`${l}|${id}`);
    bLines.push(l);
    bIds.push(id);
    bTrue.push(v[4]);
    bFalse.push(v[5]);
  };
  const branches = own(f, 'branches');
  if (Array.isArray(branches)) branches.forEach((v: unknown, i) => addBranch(v, i, null, ''));
  const expansions = own(f, 'expansions');
  if (Array.isArray(expansions)) {
    expansions.forEach((e: unknown, i) => {
      const src = isObject(e) ? own(e, 'source_region') : undefined;
      const eb = isObject(e) ? own(e, 'branches') : undefined;
      if (!Array.isArray(src) || !isInt(src[0]) || !isInt(src[1])) {
        bad.add(`expansions[${i}]`, e);
        return;
      }
      if (Array.isArray(eb)) eb.forEach((v: unknown, j) => addBranch(v, `expansions[${i}].branches[${j}]`, src[0] as number, `${String(src[1])}>`));
    });
  }
  const m = bad.summary('a branch [lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, ...]');
  if (m !== null) problems.push(['CW_LLVM_COV_BRANCH', `${where}: ${m}`]);
  return {
    lines: Float64Array.from(lines),
    counts: Float64Array.from(counts),
    branchLines: Float64Array.from(bLines),
    branchIds: bIds,
    branchTrue: Float64Array.from(bTrue),
    branchFalse: Float64Array.from(bFalse),
    problems,
  };
}

/** Writes counted segments into the file's builder. */
export function applyFileSegments(c: FileSegmentCounts, b: FileCoverageBuilder): void {
  for (let i = 0; i < c.lines.length; i++) b.line(c.lines[i]!, c.counts[i]!);
  for (let i = 0; i < c.branchIds.length; i++) {
    b.branch(c.branchLines[i]!, `${c.branchIds[i]!}:true`, c.branchTrue[i]!);
    b.branch(c.branchLines[i]!, `${c.branchIds[i]!}:false`, c.branchFalse[i]!);
  }
}
