import { headStartsWith } from '../../text/json-guards.js';

/**
 * coverage.py `coverage json`: `{"meta": {"version": ..., "branch_coverage": ...}, "files": {path:
 * {"executed_lines": [...], "missing_lines": [...], ...}}, "totals": {...}}`. Key patterns only (the
 * head may be a truncated 64 KiB): `executed_lines`/`missing_lines` are coverage.py's own names.
 */
export function detectCoveragepyJson(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  const lines = head.includes('"executed_lines"') || head.includes('"missing_lines"');
  const meta = head.includes('"meta"') && (head.includes('"branch_coverage"') || head.includes('"show_contexts"'));
  if (lines && (meta || head.includes('"files"'))) return 0.95;
  if (lines) return 0.8;
  // A head that ends inside a huge first file may show only the meta block.
  if (meta && head.includes('"files"')) return 0.7;
  return 0;
}
