import { headStartsWith } from '../../text/json-guards.js';

/**
 * `gcov --json-format` (gcc 9+) writes one object per translation unit with `gcc_version`,
 * `format_version`, `current_working_directory`, `data_file` and `files[]`; gcc serialises object
 * keys in hash order, so any of them may come first and a truncated head may show only some. Its line
 * objects carry `unexecuted_block` and its functions `demangled_name` + `blocks_executed`, which
 * gcovr's JSON (also `files[].lines[].line_number`) never has; gcovr's keys are `gcovr/...`.
 */
export function detectGcovJson(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  if (/"gcovr\/[a-z_]+"\s*:/.test(head)) return 0;
  const gcc = /"gcc_version"\s*:\s*"/.test(head);
  const version = /"format_version"\s*:\s*"/.test(head);
  const lineKeys = /"unexecuted_block"\s*:/.test(head) || (/"demangled_name"\s*:/.test(head) && /"blocks_executed"\s*:/.test(head));
  const lineNumber = /"line_number"\s*:/.test(head);
  if (gcc && (version || lineKeys || lineNumber)) return 0.97;
  if (gcc) return 0.8;
  if (lineKeys && lineNumber) return 0.85;
  return 0;
}
