/** LCOV tracefiles start with `TN:` or `SF:` records and hold `DA:` lines and `end_of_record`. */
export function detectLcov(head: string, fileName: string): number {
  const hasStart = /^(TN|SF):/m.test(head);
  if (!hasStart) return 0;
  const hasData = /^(DA|FN|FNDA|BRDA|LF):/m.test(head) || head.includes('end_of_record');
  if (!hasData) return /\.(info|lcov)$/i.test(fileName) ? 0.6 : 0.3;
  return 0.95;
}
