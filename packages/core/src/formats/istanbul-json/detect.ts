import { headStartsWith } from '../../text/json-guards.js';

/**
 * istanbul `coverage-final.json` (nyc, c8, jest, babel-plugin-istanbul): a JSON object keyed by file
 * path whose values carry `statementMap`, `fnMap`, `branchMap`, `s`, `f`, `b`. Only key patterns are
 * matched, never a parse: the head may be the truncated first 64 KiB of a large report. Every
 * producer writes `path` then `statementMap` first in each file, so the key is near the start.
 */
export function detectIstanbulJson(head: string, _fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  if (!head.includes('"statementMap"')) return 0;
  const more = head.includes('"fnMap"') || head.includes('"branchMap"') || /"s"\s*:\s*\{/.test(head);
  return more ? 0.95 : 0.85;
}
