import { headStartsWith } from '../../text/json-guards.js';

/**
 * `llvm-cov export -format=text` writes compact JSON with sorted keys: `{"data":[{"files":[{...` (or
 * `"functions"`/`"totals"` first for odd exports), with "type":"llvm.coverage.json.export" at the very
 * end of what may be an 18 MB file, so the head usually shows only the opening. That opening plus any
 * llvm-specific key (`"segments"`, `"expansions"`, `"filenames"`, the type string) is certain.
 */
export function detectLlvmCovJson(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  if (head.includes('"llvm.coverage.json.export"')) return 0.99;
  const opening = /^\s*\{\s*"data"\s*:\s*\[\s*\{\s*"(files|functions|totals)"\s*:\s*\[?/.test(head);
  if (!opening) return 0;
  if (/"(segments|expansions|filenames|regions)"\s*:\s*\[/.test(head)) return 0.98;
  // The first file's branch list can fill the whole head: branch tuples of 9 numbers are llvm's too.
  if (/"branches"\s*:\s*\[\s*\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]/.test(head)) return 0.95;
  return 0.8;
}
