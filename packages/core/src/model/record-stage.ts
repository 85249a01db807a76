import { grownFloat64, grownInt32 } from './typed-grow.js';

/** The builder a stage holds records for (a structural type: file-builder.ts imports this file). */
export interface StageOwner {
  takeStaged(stage: RecordStage): void;
}

/** Records a stage holds before it hands them over in one call. */
const STAGE_MAX = 1 << 16;

/**
 * Typed columns shared by the builders of one report, holding the single records (`line()`,
 * `branch()`, `statement()`) of the file being read until another file's record comes or the
 * report is built; then they go to their builder in one bulk handover, a view into the slabs. Most
 * parsers read a file's records together, so a file's single records end up as typed columns
 * (12 bytes a line) instead of JS arrays (16 bytes a line, twice that while they grow, and work for
 * the garbage collector): that was most of the memory of compact inputs (Coveralls, coverage.py)
 * and of the readers that collect a whole document before building (llvm-cov, SimpleCov).
 */
export class RecordStage {
  owner: StageOwner | null = null;
  L: Int32Array = new Int32Array(256);
  H: Float64Array = new Float64Array(256);
  nL = 0;
  BL: Int32Array = new Int32Array(64);
  BI: string[] = [];
  BT: Float64Array = new Float64Array(64);
  nB = 0;
  SL: Int32Array = new Int32Array(64);
  SC: Int32Array = new Int32Array(64);
  SH: Float64Array = new Float64Array(64);
  nS = 0;

  /** Hands what the stage holds to its owner and frees the stage. */
  flush(): void {
    const o = this.owner;
    if (o === null) return;
    this.owner = null;
    o.takeStaged(this);
    this.nL = 0;
    this.nB = 0;
    this.BI.length = 0;
    this.nS = 0;
  }

  /** Hands a full stage over; its owner keeps it for the records that follow. */
  private spill(): void {
    const o = this.owner;
    this.flush();
    this.owner = o;
  }

  line(line: number, hits: number): void {
    let n = this.nL;
    if (n === this.L.length) {
      if (n >= STAGE_MAX) {
        this.spill();
        n = 0;
      } else {
        this.L = grownInt32(this.L, n * 2);
        this.H = grownFloat64(this.H, n * 2);
      }
    }
    this.L[n] = line;
    this.H[n] = hits;
    this.nL = n + 1;
  }

  branch(line: number, id: string, taken: number): void {
    let n = this.nB;
    if (n === this.BL.length) {
      if (n >= STAGE_MAX) {
        this.spill();
        n = 0;
      } else {
        this.BL = grownInt32(this.BL, n * 2);
        this.BT = grownFloat64(this.BT, n * 2);
      }
    }
    this.BL[n] = line;
    this.BI[n] = id;
    this.BT[n] = taken;
    this.nB = n + 1;
  }

  statement(line: number, column: number, hits: number): void {
    let n = this.nS;
    if (n === this.SL.length) {
      if (n >= STAGE_MAX) {
        this.spill();
        n = 0;
      } else {
        this.SL = grownInt32(this.SL, n * 2);
        this.SC = grownInt32(this.SC, n * 2);
        this.SH = grownFloat64(this.SH, n * 2);
      }
    }
    this.SL[n] = line;
    this.SC[n] = column;
    this.SH[n] = hits;
    this.nS = n + 1;
  }
}
