import type { PathResolution } from './resolver.js';

// Characters that could change what a terminal shows: C0/C1 controls, bidi overrides and isolates
// ("Trojan Source"), zero-width characters, BOM, line/paragraph separators, and lone surrogates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A path made safe to print: as is when it holds only ordinary characters and no spaces at its ends,
 * else JSON-quoted with every unsafe character escaped as `\uXXXX`. Report paths are untrusted
 * input and end up in terminals and CI logs.
 */
export function displayPath(path: string): string {
  if (path !== '' && !UNSAFE.test(path) && !/^\s|\s$|^"/.test(path)) return path;
  return escapeUnsafe(JSON.stringify(path));
}

const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** Escapes unsafe characters (see UNSAFE) as `\uXXXX`, leaving everything else as is. */
function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Counts of resolutions by kind, every kind present (0 when none). */
export function summarizeResolutions(resolutions: readonly PathResolution[]): Record<PathResolution['kind'], number> {
  const counts: Record<PathResolution['kind'], number> = { exact: 0, suffix: 0, unresolved: 0, ignored: 0, ambiguous: 0, unmatched: 0, invalid: 0 };
  for (const r of resolutions) counts[r.kind]++;
  return counts;
}

/**
 * The text `coverwatch paths explain` prints: one line per report path,
 * `<kind>  <report path> -> <result>  (<rule>)`, candidates of an ambiguous path on the following
 * indented lines, then a summary line. Paths are escaped with {@link displayPath}. Deterministic:
 * the same resolutions give the same bytes.
 */
export function formatPathExplanations(resolutions: readonly PathResolution[]): string {
  const lines: string[] = [];
  for (const r of resolutions) {
    const from = displayPath(r.input);
    const kind = r.kind.padEnd(10);
    // Rules quote report paths (and config text): escape them like paths.
    const rule = escapeUnsafe(r.rule);
    switch (r.kind) {
      case 'exact':
      case 'suffix':
      case 'unresolved':
        lines.push(`${kind} ${from} -> ${displayPath(r.target)}  (${rule})`);
        break;
      case 'ignored':
        lines.push(`${kind} ${from}  (${rule}: ${displayPath(r.matched)})`);
        break;
      case 'ambiguous':
        lines.push(`${kind} ${from}  (${rule})`);
        for (const c of r.candidates) lines.push(`             candidate: ${displayPath(c)}`);
        if (r.candidateCount > r.candidates.length) lines.push(`             ... and ${r.candidateCount - r.candidates.length} more`);
        break;
      case 'unmatched':
      case 'invalid':
        lines.push(`${kind} ${from}  (${rule})`);
        break;
    }
    for (const p of r.problems) if (r.kind !== 'invalid') lines.push(`             note: ${escapeUnsafe(p.message)}`);
  }
  const c = summarizeResolutions(resolutions);
  const parts = (Object.keys(c) as PathResolution['kind'][]).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  lines.push(`${resolutions.length} path${resolutions.length === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`);
  return lines.join('\n') + '\n';
}
