/**
 * Files that hold only totals and no line data. Uploading one would show numbers nobody can explain,
 * so they are recognised and refused with a pointer to the file that should be uploaded instead.
 */
export interface SummaryOnlyMatch {
  readonly kind: string;
  readonly instead: string;
}

export function detectSummaryOnly(head: string): SummaryOnlyMatch | null {
  const start = head.trimStart();
  if (!start.startsWith('{')) return null;
  // istanbul json-summary: {"total": {"lines": {"total": ...}, "statements": ...}, "<file>": {...}}
  if (/^\{\s*"total"\s*:\s*\{\s*"(lines|statements|functions|branches)"\s*:\s*\{\s*"total"/.test(start)) {
    return { kind: 'istanbul coverage-summary.json', instead: 'coverage-final.json (istanbul/nyc/c8 reporter "json") or lcov.info' };
  }
  // gcovr --json-summary: per-file and root "line_total"/"line_covered"/"line_percent" keys.
  if (/"line_percent"\s*:/.test(start) && /"line_total"\s*:/.test(start) && !/"lines"\s*:\s*\[/.test(start)) {
    return { kind: 'gcovr --json-summary output', instead: 'the output of gcovr --json (or --cobertura)' };
  }
  return null;
}
