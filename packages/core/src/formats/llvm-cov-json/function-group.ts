import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { functionBranches, functionLines, type BranchOutcomes, type Budget, type FunctionRecord } from './function-records.js';

/**
 * The instantiations of one function definition (same defining file and start), folded as they
 * stream in: only the best instantiation's lines and branches are kept, not every record, so memory
 * follows the report rather than the export. Folding in document order keeps llvm's choice among
 * equals (the first).
 */
export class InstantiationGroup {
  private total = 0;
  private readonly name: string;
  private sameName = true;
  private readonly endLine: number;
  /** The instantiation with the most covered lines (then the most lines), as FunctionCoverageSummary::get(Group) takes max(covered) and max(lines). */
  private bestLines: Float64Array | Int32Array | null = null;
  private bestCounts: Float64Array | null = null;
  private bestCovered = -1;
  private bestBranches: BranchOutcomes[] = [];
  private bestBranchesCovered = -1;
  private bestBranchesTotal = -1;
  /**
   * Instantiations kept whole until the end: those read before the export listed their file (only
   * an export that puts "functions" before "files", which llvm-cov never writes); once one is kept,
   * the group's later ones are too, so they fold in document order.
   */
  pending: FunctionRecord[] | null = null;

  /** `file` must be the group's own string (not a slice of a parsed entry). */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    first: FunctionRecord,
  ) {
    // Copied: a string out of JSON.parse may be a slice of the entry's text, which it would keep alive.
    this.name = (' ' + first.name).slice(1);
    this.endLine = first.regions.find((r) => r[5] === first.mainFile)![2]!;
  }

  /** Folds one instantiation in; false when the work budget ran out on it (the group is then unusable). */
  add(f: FunctionRecord, budget: Budget): boolean {
    this.total += f.count;
    if (f.name !== this.name) this.sameName = false;
    const l = functionLines(f, budget);
    if (budget.exceeded) return false;
    const n = l.lines.length;
    if (this.bestLines === null || l.covered > this.bestCovered || (l.covered === this.bestCovered && n > this.bestLines.length)) {
      this.bestLines = l.lines.every((x) => x <= 0x7fffffff) ? Int32Array.from(l.lines) : Float64Array.from(l.lines);
      this.bestCounts = Float64Array.from(l.counts);
      this.bestCovered = l.covered;
    }
    const br = functionBranches(f);
    let covered = 0;
    for (const x of br) covered += (x.trueCount > 0 ? 1 : 0) + (x.falseCount > 0 ? 1 : 0);
    if (covered > this.bestBranchesCovered || (covered === this.bestBranchesCovered && br.length * 2 > this.bestBranchesTotal)) {
      this.bestBranches = br;
      this.bestBranchesCovered = covered;
      this.bestBranchesTotal = br.length * 2;
    }
    return true;
  }

  /** Writes the group into its file: the best lines and branches, and one function. `used` holds the file's branch ids so far. */
  emit(b: FileCoverageBuilder, used: Set<string>): void {
    const lines = this.bestLines!;
    const counts = this.bestCounts!;
    for (let i = 0; i < lines.length; i++) b.line(lines[i]!, counts[i]!);
    for (const x of this.bestBranches) {
      // Ids must be unique per line, or the builder would merge two branches into one.
      let id = x.id;
      for (let n = 2; used.has(`${x.line}|${id}`); n++) id = `${x.id}#${n}`;
      used.add(`${x.line}|${id}`);
      b.branch(x.line, `${id}:true`, x.trueCount);
      b.branch(x.line, `${id}:false`, x.falseCount);
    }
    // Group names as llvm-cov prints them: the common name, else the definition's position.
    b.fn(this.sameName ? this.name : `Definition at line ${this.line}, column ${this.col}`, this.line, this.total, this.endLine);
  }
}
