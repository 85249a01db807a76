/**
 * The normalized coverage of one source file. Every column is sorted and free of duplicates, so two
 * equal coverages are equal field by field, and merging is concatenation followed by normalization.
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
  readonly lineHits: Float64Array;
  /** Branch outcomes sorted by (line, id): the line a branch belongs to. */
  readonly branchLines: Int32Array;
  /** Branch identity within its line, as the format names it (e.g. lcov `block,branch`). */
  readonly branchIds: readonly string[];
  /** How often each branch outcome was taken (0 = never, including lcov's `-`). */
  readonly branchTaken: Float64Array;
  /** Functions sorted by (line, name); identity is (name, line). null where the format has no function metric. */
  readonly functions: readonly FunctionRecord[] | null;
  /** Statements sorted by (line, column); null where the format has no statement metric. */
  readonly statements: StatementColumns | null;
}

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
