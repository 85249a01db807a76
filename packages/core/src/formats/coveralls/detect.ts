import { headStartsWith } from '../../text/json-guards.js';

/**
 * Coveralls API JSON (`{"source_files": [{"name", "coverage": [...], "branches": [...]}], ...}`), as
 * gcovr `--coveralls`, coveralls-python, node-coveralls and cargo-tarpaulin write it. Key patterns
 * only: the head may be the truncated first 64 KiB, and `coverage` arrays of big files are long.
 */
export function detectCoveralls(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  if (!/"source_files"\s*:\s*\[/.test(head)) return 0;
  if (/"coverage"\s*:\s*\[/.test(head)) return 0.95;
  // Job metadata only (the first source file starts past the head, or its `source` text is huge).
  if (/"(repo_token|service_name|service_job_id|run_at|git)"\s*:/.test(head)) return 0.8;
  return 0.6;
}
