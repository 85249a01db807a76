/**
 * A classic `.gcov` file starts with `        -:    0:Source:<path>` (then `Graph:`, `Data:`, `Runs:`)
 * and every source line is `<count>:<line>:<text>`, the count right-aligned in 9 columns: `-`,
 * `#####`, `=====`, a number, optionally with `*`. The `0:Source:` header is certain; without it (a
 * file cut at the front) a run of count lines is still a strong hint.
 */
export function detectGcovText(head: string, fileName: string): number {
  if (/^ *-: *0:Source:/m.test(head.slice(0, 4096))) return 0.97;
  const sample = head.slice(0, 8192).split('\n', 20);
  let lines = 0;
  for (const l of sample) if (COUNT_LINE.test(l)) lines++;
  if (lines >= 3) return /\.gcov$/i.test(fileName) ? 0.85 : 0.7;
  if (lines >= 1 && /\.gcov$/i.test(fileName)) return 0.6;
  return 0;
}

const COUNT_LINE = /^ *(-|#####|=====|\d+\*?|\d+(\.\d)?[kMGTPEZY]\*?): *\d+:/;
