/**
 * Issuers whose kind follows from the URL alone. Anything else (GitHub Enterprise Server,
 * self-managed GitLab) must say its kind: a guess would pick the wrong claims.
 */
const WELL_KNOWN: readonly { match: (u: URL) => boolean; kind: 'github' | 'gitlab' }[] = [
  // GitHub.com, and GitHub Enterprise Cloud's per-enterprise issuers below it.
  { match: (u) => u.host === 'token.actions.githubusercontent.com', kind: 'github' },
  { match: (u) => u.host === 'gitlab.com' && (u.pathname === '/' || u.pathname === ''), kind: 'gitlab' },
];

/**
 * COVERWATCH_OIDC_ISSUERS: either the JSON list of the config file (`[{"issuer":...,"kind":...}]`),
 * or a comma list of `kind=URL` entries, where the kind may be left out for GitHub.com and GitLab.com.
 * Returns the raw list for the schema to validate, or a message saying what is wrong.
 */
export function parseIssuersEnv(text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return { value: JSON.parse(trimmed) as unknown };
    } catch (e) {
      return { error: `not valid JSON: ${(e as Error).message}` };
    }
  }
  const list: { issuer: string; kind: string }[] = [];
  for (const entry of trimmed.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = /^([a-z]+)=(.+)$/.exec(entry);
    if (m !== null) {
      list.push({ kind: m[1]!, issuer: m[2]! });
      continue;
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return { error: `${JSON.stringify(entry)} is neither kind=URL nor a URL` };
    }
    const known = WELL_KNOWN.find((w) => w.match(url));
    if (known === undefined) return { error: `cannot tell the kind of ${entry}: write github=${entry} or gitlab=${entry}` };
    list.push({ kind: known.kind, issuer: entry });
  }
  return { value: list };
}
