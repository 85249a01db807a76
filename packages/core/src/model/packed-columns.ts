import type { NormalizedColumns } from './file-builder.js';
import type { CountColumn, FileCoverage } from './file-coverage.js';

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

/**
 * Columns shared by many files, each file taking views of what it wrote: ReportBuilder.build packs
 * the files of a report that were not typed views already (`file()`), and mergeReports writes merged
 * files into them directly (the arrays and the next free offset of each are public for it).
 */
export class PackedColumns {
  /**
   * One instance for the life of the process. V8's optimized code for build(), file() and the merge
   * depends on this class's hidden class, which dies with the last instance (each report's is garbage
   * once built): the code was then thrown away and compiled again for every report.
   */
  static readonly shapeAnchor = new PackedColumns(0, 0, 0);

  readonly LN: Int32Array;
  readonly LH: Float64Array;
  readonly BL: Int32Array;
  readonly BT: Float64Array;
  readonly SL: Int32Array;
  readonly SC: Int32Array;
  readonly SH: Float64Array;
  oL = 0;
  oB = 0;
  oS = 0;

  constructor(nL: number, nB: number, nS: number) {
    this.LN = new Int32Array(nL);
    this.LH = new Float64Array(nL);
    this.BL = new Int32Array(nB);
    this.BT = new Float64Array(nB);
    this.SL = new Int32Array(nS);
    this.SC = new Int32Array(nS);
    this.SH = new Float64Array(nS);
  }

  file(path: string, c: NormalizedColumns): FileCoverage {
    let lineNumbers: Int32Array;
    let lineHits: CountColumn;
    if (linesAreViews(c)) {
      lineNumbers = c.lines as Int32Array;
      lineHits = c.hits as CountColumn;
    } else if (c.lines.length === 0) {
      lineNumbers = EMPTY_I32;
      lineHits = EMPTY_F64;
    } else {
      const l = c.lines.length;
      const o = this.oL;
      this.LN.set(c.lines, o);
      this.LH.set(c.hits, o);
      lineNumbers = this.LN.subarray(o, o + l);
      lineHits = this.LH.subarray(o, o + l);
      this.oL = o + l;
    }
    let branchLines: Int32Array;
    let branchTaken: CountColumn;
    if (branchesAreViews(c)) {
      branchLines = c.bLines as Int32Array;
      branchTaken = c.bTaken as CountColumn;
    } else if (c.bLines.length === 0) {
      // Most files of most formats have no branches: one shared empty column each (an empty typed
      // array has nothing to modify), not two fresh views per file for the GC to copy.
      branchLines = EMPTY_I32;
      branchTaken = EMPTY_F64;
    } else {
      const b = c.bLines.length;
      const o = this.oB;
      this.BL.set(c.bLines, o);
      this.BT.set(c.bTaken, o);
      branchLines = this.BL.subarray(o, o + b);
      branchTaken = this.BT.subarray(o, o + b);
      this.oB = o + b;
    }
    let statements: FileCoverage['statements'] = null;
    if (c.sLines !== null) {
      if (statementsAreViews(c)) {
        statements = { lines: c.sLines as Int32Array, columns: c.sCols as Int32Array, hits: c.sHits as Float64Array };
      } else {
        const s = c.sLines.length;
        const o = this.oS;
        this.SL.set(c.sLines, o);
        this.SC.set(c.sCols!, o);
        this.SH.set(c.sHits!, o);
        statements = { lines: this.SL.subarray(o, o + s), columns: this.SC.subarray(o, o + s), hits: this.SH.subarray(o, o + s) };
        this.oS = o + s;
      }
    }
    return { path, lineNumbers, lineHits, branchLines, branchIds: c.bIds, branchTaken, functions: c.functions, statements };
  }
}

const isCounts = (a: ArrayLike<number>): boolean => a instanceof Float64Array || a instanceof Uint32Array;

/** Whether a file's line columns are typed views already (kept as they are, not packed). */
export function linesAreViews(c: NormalizedColumns): boolean {
  return c.lines instanceof Int32Array && isCounts(c.hits);
}

/** Whether a file's branch columns are typed views already. */
export function branchesAreViews(c: NormalizedColumns): boolean {
  return c.bLines instanceof Int32Array && isCounts(c.bTaken);
}

/** Whether a file's statement columns are typed views already. */
export function statementsAreViews(c: NormalizedColumns): boolean {
  return c.sLines instanceof Int32Array && c.sCols instanceof Int32Array && c.sHits instanceof Float64Array;
}
