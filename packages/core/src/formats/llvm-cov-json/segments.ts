/**
 * llvm-cov's own line counting, ported from llvm/lib/ProfileData/Coverage/CoverageMapping.cpp
 * (SegmentBuilder, LineCoverageStats, LineCoverageIterator) as shipped in LLVM 14 (Debian clang
 * 14.0.6, the fixture's producer). Regions of one function (or one file) become sorted segments; each
 * source line between the first and last segment is then "mapped" or not and gets a count. A
 * faithful port is the only way to reproduce `llvm-cov report`'s line numbers: a line's count is not a
 * simple function of the regions covering it (gap regions, skipped regions, wrapped segments).
 */

/** Region kinds of the coverage mapping (CounterMappingRegion::RegionKind). */
export const CODE_REGION = 0;
export const EXPANSION_REGION = 1;
export const SKIPPED_REGION = 2;
export const GAP_REGION = 3;

export interface Region {
  readonly ls: number;
  readonly cs: number;
  readonly le: number;
  readonly ce: number;
  /** Mutable: combineRegions adds up the counts of duplicate regions. */
  count: number;
  readonly kind: number;
}

export interface Segment {
  readonly line: number;
  readonly col: number;
  readonly count: number;
  readonly hasCount: boolean;
  readonly isRegionEntry: boolean;
  readonly isGap: boolean;
}

/** Compares two (line, column) locations. */
function cmpLoc(l1: number, c1: number, l2: number, c2: number): number {
  return l1 - l2 || c1 - c2;
}
const cmpEnd = (a: Region, b: Region) => cmpLoc(a.le, a.ce, b.le, b.ce);
const sameEnd = (a: Region, b: Region) => a.le === b.le && a.ce === b.ce;

/** A work allowance shared by the caller's steps; `left` below 0 means the work was cut short. */
export interface Work {
  left: number;
}

/**
 * SegmentBuilder::buildSegments: sorts and combines `regions` (modified in place) and returns the
 * segments, in strictly ascending location order for well-formed input. LLVM's algorithm is
 * quadratic in the nesting depth of regions; `work` (one unit per active region visited) bounds that
 * for hostile input: when it runs out the segments built so far are returned and `work.left` < 0.
 */
export function buildSegments(regions: Region[], work: Work = { left: Infinity }): Segment[] {
  // sortNestedRegions: by start; a containing region before the regions it contains; for the same
  // area Code < Expansion < Skipped, so the most suitable region becomes active.
  regions.sort((a, b) => cmpLoc(a.ls, a.cs, b.ls, b.cs) || cmpLoc(b.le, b.ce, a.le, a.ce) || a.kind - b.kind);
  // combineRegions: regions covering the same area are one; counts add up only across regions of
  // the active one's kind (a macro fully expanded to another macro must not count twice).
  const combined: Region[] = [];
  for (const r of regions) {
    const active = combined.length > 0 ? combined[combined.length - 1]! : null;
    if (active !== null && active.ls === r.ls && active.cs === r.cs && active.le === r.le && active.ce === r.ce) {
      if (r.kind === active.kind) active.count += r.count;
      continue;
    }
    combined.push({ ...r });
  }

  const segments: Segment[] = [];
  let active: Region[] = [];

  const startSegment = (region: Region, line: number, col: number, isRegionEntry: boolean, emitSkipped = false) => {
    const hasCount = !emitSkipped && region.kind !== SKIPPED_REGION;
    // A segment that would not change rendering is dropped.
    if (segments.length > 0 && !isRegionEntry && !emitSkipped) {
      const last = segments[segments.length - 1]!;
      if (last.hasCount === hasCount && last.count === region.count && !last.isRegionEntry) return;
    }
    if (hasCount) segments.push({ line, col, count: region.count, hasCount: true, isRegionEntry, isGap: region.kind === GAP_REGION });
    else segments.push({ line, col, count: 0, hasCount: false, isRegionEntry, isGap: false });
  };

  /** completeRegionsUntil: closes active[first..] (regions ending before `loc`; all when loc is null). */
  const completeRegionsUntil = (loc: { line: number; col: number } | null, first: number) => {
    const done = active.slice(first);
    // The loop below looks ahead over the completed regions: quadratic in their number.
    work.left -= done.length * done.length;
    done.sort(cmpEnd); // Array.prototype.sort is stable, like std::stable_sort
    active = active.slice(0, first).concat(done);
    const e = active.length;
    for (let i = first + 1; i < e; i++) {
      let completed = active[i]!;
      const prev = active[i - 1]!;
      // Don't emit any more segments if they start where the new region begins.
      if (loc !== null && prev.le === loc.line && prev.ce === loc.col) break;
      // Don't emit a segment if the next completed region ends at the same location.
      if (sameEnd(prev, completed)) continue;
      // Use the count from the last completed region which ends at this location.
      for (let j = i + 1; j < e; j++) if (sameEnd(completed, active[j]!)) completed = active[j]!;
      startSegment(completed, prev.le, prev.ce, false);
    }
    const last = active[e - 1]!;
    if (first > 0 && loc !== null && !(last.le === loc.line && last.ce === loc.col)) {
      // A gap between the end of the last completed region and the new region: the enclosing
      // active region's count fills it.
      startSegment(active[first - 1]!, last.le, last.ce, false);
    } else if (first === 0 && (loc === null || !(loc.line === last.le && loc.col === last.ce))) {
      // No region left active: a skipped segment marks the code after it (between functions).
      startSegment(last, last.le, last.ce, false, true);
    }
    active.length = first;
  };

  for (let idx = 0; idx < combined.length; idx++) {
    work.left -= active.length + 1;
    if (work.left < 0) return segments;
    const cr = combined[idx]!;
    // Active regions which end before the current region starts are completed (stable partition).
    let anyDone = false;
    for (const a of active) {
      if (cmpLoc(a.le, a.ce, cr.ls, cr.cs) <= 0) {
        anyDone = true;
        break;
      }
    }
    if (anyDone) {
      const keep: Region[] = [];
      const done: Region[] = [];
      for (const a of active) (cmpLoc(a.le, a.ce, cr.ls, cr.cs) <= 0 ? done : keep).push(a);
      active = keep.concat(done);
      completeRegionsUntil({ line: cr.ls, col: cr.cs }, keep.length);
    }
    const gap = cr.kind === GAP_REGION;
    if (cr.ls === cr.le && cr.cs === cr.ce) {
      // Zero-length regions never become active. The last one, or a skipped one, emits a skipped
      // segment followed by the enclosing region's count (LLVM's fix for empty skipped lines, in
      // Debian's LLVM 14 as in upstream 17+; the fixture's own file segments show it).
      const skipped = idx + 1 === combined.length || cr.kind === SKIPPED_REGION;
      const top = active.length > 0 ? active[active.length - 1]! : cr;
      startSegment(top, cr.ls, cr.cs, !gap, skipped);
      if (skipped && active.length > 0) startSegment(active[active.length - 1]!, cr.ls, cr.cs, false);
      continue;
    }
    const next = combined[idx + 1];
    if (next === undefined || next.ls !== cr.ls || next.cs !== cr.cs) startSegment(cr, cr.ls, cr.cs, !gap);
    active.push(cr);
  }
  if (active.length > 0) completeRegionsUntil(null, 0);
  return segments;
}

/** The mapped lines of a segment list and their counts, ascending. */
export interface LineCounts {
  readonly lines: number[];
  readonly counts: number[];
  /** How many lines were visited (mapped or not), for the caller's work budget. */
  readonly visited: number;
}

/**
 * LineCoverageIterator + LineCoverageStats (LLVM 14): walks every line from the first to the last
 * segment. A line is mapped unless it starts with a skipped region's entry, and only if a counted
 * non-gap region starts on it or the segment wrapping into it from above has a count. Its count is
 * the wrapped segment's, raised to the largest count of the regions starting on it. `maxVisited`
 * stops the walk early (hostile line numbers); `visited` then equals it.
 */
export function lineCounts(segments: readonly Segment[], maxVisited: number): LineCounts {
  const lines: number[] = [];
  const counts: number[] = [];
  const n = segments.length;
  if (n === 0) return { lines, counts, visited: 0 };
  let next = 0;
  let line = segments[0]!.line;
  let wrapped: Segment | null = null;
  let lineStart = 0;
  let lineEnd = 0;
  let visited = 0;
  while (next < n) {
    if (visited >= maxVisited) break;
    visited++;
    // The last segment of the previous line (if that line had any) wraps into this one.
    if (lineEnd > lineStart) wrapped = segments[lineEnd - 1]!;
    // Segments are ascending for well-formed regions; skip any that fall behind (malformed input)
    // rather than walking forever towards them.
    while (next < n && segments[next]!.line < line) next++;
    lineStart = next;
    while (next < n && segments[next]!.line === line) next++;
    lineEnd = next;
    let regionStarts = 0;
    for (let i = lineStart; i < lineEnd && regionStarts < 2; i++) {
      const s = segments[i]!;
      if (!s.isGap && s.hasCount && s.isRegionEntry) regionStarts++;
    }
    const first = lineEnd > lineStart ? segments[lineStart]! : null;
    const startOfSkipped = first !== null && !first.hasCount && first.isRegionEntry;
    const mapped = !startOfSkipped && ((wrapped !== null && wrapped.hasCount) || regionStarts > 0);
    if (mapped) {
      let count = wrapped !== null ? wrapped.count : 0;
      if (regionStarts > 0) {
        for (let i = lineStart; i < lineEnd; i++) {
          const s = segments[i]!;
          if (!s.isGap && s.hasCount && s.isRegionEntry && s.count > count) count = s.count;
        }
      }
      lines.push(line);
      counts.push(count);
    }
    line++;
  }
  return { lines, counts, visited };
}
