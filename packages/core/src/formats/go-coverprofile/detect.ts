/**
 * A Go cover profile (`go test -coverprofile`) starts with `mode: set|count|atomic` and then holds one
 * `<file>:<l>.<c>,<l>.<c> <numStmt> <count>` block per line. Without the mode line (a profile whose
 * header was stripped, which `go tool cover` itself refuses) the block shape is still distinctive
 * enough for a guess below the certainty of a real header.
 */
export function detectGoCoverprofile(head: string, fileName: string): number {
  let i = 0;
  // Skip leading blank lines (concatenating profiles with `echo "" > coverage.txt; cat ... >>`
  // starts the file with an empty line, as in Codecov's own Go example).
  while (i < head.length) {
    const c = head.charCodeAt(i);
    if (c === 10 || c === 13 || c === 32 || c === 9) i++;
    else break;
  }
  if (/^mode: (set|count|atomic)\s*$/m.test(head.slice(i, i + 40))) return 0.98;
  // No header: look for block lines in the first few lines of the head.
  const sample = head.slice(i, i + 4096).split('\n', 8);
  let blocks = 0;
  for (const l of sample) if (BLOCK.test(l)) blocks++;
  if (blocks === 0) return 0;
  if (blocks >= 2 || /\.(out|cov|coverprofile)$/i.test(fileName)) return 0.7;
  return 0.4;
}

const BLOCK = /^\S.*\.go:\d+\.\d+,\d+\.\d+ \d+ \d+\r?$/;
