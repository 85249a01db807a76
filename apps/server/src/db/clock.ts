/** Times are stored as ISO-8601 UTC text of fixed width, so text order is time order in every database. */
export function isoNow(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}
