import { headStartsWith } from '../../text/json-guards.js';

/**
 * SimpleCov `.resultset.json`: `{"<command name>": {"coverage": {"<absolute path>": {"lines": [...],
 * "branches": {...}}}, "timestamp": N}}`. The document opens with the command name then `coverage`,
 * so an anchored match on the first bytes is enough (and works on a truncated head); `timestamp` sits
 * at the end of each command and is not required.
 */
const START = /^\s*\{\s*"(?:[^"\\]|\\.){0,512}"\s*:\s*\{\s*"coverage"\s*:\s*\{\s*("|\})/;

/** The first file's value: `{"lines": ...` (SimpleCov >= 0.18) or a bare array (older SimpleCov). */
const FIRST_FILE = /"coverage"\s*:\s*\{\s*"(?:[^"\\]|\\.){0,4096}"\s*:\s*(\[|\{\s*"(lines|branches|methods)"\s*:)/;

export function detectSimplecovResultset(head: string, fileName: string): number {
  if (!headStartsWith(head, '{')) return 0;
  const start = head.length > 4096 ? head.slice(0, 4096) : head;
  if (!START.test(start)) return 0;
  const named = /(^|[\\/])\.?resultset[^\\/]*\.json$/i.test(fileName);
  if (named) return 0.99;
  if (FIRST_FILE.test(start)) return 0.95;
  return 0.7;
}
