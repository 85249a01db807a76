import { headStartsWith } from '../../text/json-guards.js';

/**
 * gcovr `--json` output: `{"gcovr/format_version": "0.x", "files": [{"file", "lines": [{"line_number",
 * "count", "branches", ...}], "functions": [{"name", "lineno", "execution_count"}]}]}`.
 *
 * gcovr before 8.0 sorts keys, so `gcovr/format_version` is the LAST key and is missing from a
 * truncated head; the `gcovr/`-prefixed line keys (`gcovr/noncode`, `gcovr/excluded`, `gcovr/md5`) and
 * gcovr's function key `lineno` identify it instead. GCC's own `gcov --json-format` shares the
 * `line_number`/`count`/`branches` layout but names `gcc_version` and `unexecuted_block`, which gcovr
 * never writes: those heads are left to the gcov-json format.
 */
export function detectGcovrJson(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  if (head.includes('"gcovr/format_version"')) return 0.99;
  if (head.includes('"gcc_version"') || head.includes('"unexecuted_block"')) return 0;
  const lineEntries = head.includes('"line_number"');
  if (lineEntries && head.includes('"gcovr/')) return 0.95;
  if (lineEntries && head.includes('"lineno"') && head.includes('"execution_count"')) return 0.9;
  if (lineEntries && head.includes('"files"') && head.includes('"branches"') && head.includes('"count"')) return 0.6;
  return 0;
}
