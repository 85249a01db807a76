/** Our own serialization always starts with the version key (writers/coverwatch-json.ts). */
export function detectCoverwatchJson(head: string): number {
  return /^\s*\{\s*"coverwatch"\s*:\s*1\s*,/.test(head) ? 1 : 0;
}
