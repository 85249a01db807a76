import type { BranchRecord, FileCoverage } from './file-coverage.js';

/**
 * The state of one line. A line is `partial` when it ran but at least one of its branch outcomes was
 * never taken; a line that never ran is a `miss` whatever its branch data says.
 */
export type LineRecord =
  | { readonly kind: 'hit'; readonly line: number; readonly hits: number }
  | { readonly kind: 'miss'; readonly line: number }
  | {
      readonly kind: 'partial';
      readonly line: number;
      readonly hits: number;
      readonly branchesTaken: number;
      readonly branchesTotal: number;
      /** Ids of the branch outcomes never taken. */
      readonly missedBranches: readonly string[];
    };

/** The line records of a file in line order. */
export function* lineRecords(file: FileCoverage): Generator<LineRecord> {
  const { lineNumbers, lineHits, branchLines, branchIds, branchTaken } = file;
  let b = 0;
  for (let i = 0; i < lineNumbers.length; i++) {
    const line = lineNumbers[i]!;
    const hits = lineHits[i]!;
    while (b < branchLines.length && branchLines[b]! < line) b++;
    let total = 0;
    let taken = 0;
    const missed: string[] = [];
    for (let j = b; j < branchLines.length && branchLines[j] === line; j++) {
      total++;
      if (branchTaken[j]! > 0) taken++;
      else missed.push(branchIds[j]!);
    }
    if (hits === 0) yield { kind: 'miss', line };
    else if (taken < total) yield { kind: 'partial', line, hits, branchesTaken: taken, branchesTotal: total, missedBranches: missed };
    else yield { kind: 'hit', line, hits };
  }
}

/** The branch outcomes of a file, sorted by (line, id). */
export function* branchRecords(file: FileCoverage): Generator<BranchRecord> {
  for (let i = 0; i < file.branchLines.length; i++) {
    yield { line: file.branchLines[i]!, id: file.branchIds[i]!, taken: file.branchTaken[i]! };
  }
}
