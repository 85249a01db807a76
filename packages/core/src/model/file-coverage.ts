/**
 * The normalized coverage of one source file. Every column is sorted and free of duplicates, so two
 * equal coverages hold the same values field by field (count columns may differ in array type, see
 * CountColumn), and merging is concatenation followed by normalization.
 *
 * Lines without data are absent (never a zero-hit record). A line's state is derived, never stored:
 * see `lineRecords` in line-records.ts.
 */
export interface FileCoverage {
  /** The path exactly as the report wrote it (path resolution happens later, in paths/). */
  readonly path: string;
  /** Line numbers with data, strictly ascending. */
  readonly lineNumbers: Int32Array;
  /** Execution count of each line in `lineNumbers` (0 = the line never ran). */
  readonly lineHits: CountColumn;
  /** Branch outcomes sorted by (line, id): the line a branch belongs to. */
  readonly branchLines: Int32Array;
  /** Branch identity within its line, as the format names it (e.g. lcov `block,branch`). */
  readonly branchIds: readonly string[];
  /** How often each branch outcome was taken (0 = never, including lcov's `-`). */
  readonly branchTaken: CountColumn;
  /** Functions sorted by (line, name); identity is (name, line). null where the format has no function metric. */
  readonly functions: readonly FunctionRecord[] | null;
  /** Statements sorted by (line, column); null where the format has no statement metric. */
  readonly statements: StatementColumns | null;
}

/**
 * Counts, as integers: 32 bits where every count of the column fits (the common case, half the
 * memory), else doubles (exact to 2^53). Read them by index; never assume one of the two.
 */
export type CountColumn = Float64Array | Uint32Array;

export interface FunctionRecord {
  readonly name: string;
  /** First line of the function (1-based). */
  readonly line: number;
  /** Last line, where the format gives it. */
  readonly endLine: number | null;
  readonly hits: number;
}

export interface StatementColumns {
  readonly lines: Int32Array;
  /** Start column of the statement (0 where the format gives none); (line, column) is its identity. */
  readonly columns: Int32Array;
  readonly hits: Float64Array;
}

/** A branch outcome, as returned by `branchRecords`. */
export interface BranchRecord {
  readonly line: number;
  readonly id: string;
  readonly taken: number;
}
