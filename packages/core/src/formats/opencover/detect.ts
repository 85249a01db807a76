/**
 * OpenCover XML (OpenCover, coverlet `--format opencover`, AltCover): root element
 * `<CoverageSession>`, with `<Modules>`/`<Module>` children. No other coverage format uses that root:
 * Cobertura, Clover and SonarQube generic use `<coverage>`, JaCoCo `<report>`, dotCover `<Root>`.
 */
export function detectOpenCover(head: string, _fileName: string): number {
  if (xmlRootName(head) !== 'CoverageSession') return 0;
  return head.includes('<Modules') || head.includes('<Summary') ? 1 : 0.9;
}

/**
 * The name of the root element in the first bytes of an XML document, skipping the prolog (XML
 * declaration, processing instructions, comments, DOCTYPE); null when there is none. (A copy of
 * jacoco/detect.ts's: formats do not import each other.)
 */
function xmlRootName(head: string): string | null {
  let i = 0;
  const n = head.length;
  for (;;) {
    while (i < n && isSpace(head.charCodeAt(i))) i++;
    if (i >= n || head.charCodeAt(i) !== 60 /* < */) return null;
    if (head.startsWith('<?', i)) {
      const e = head.indexOf('?>', i + 2);
      if (e < 0) return null;
      i = e + 2;
    } else if (head.startsWith('<!--', i)) {
      const e = head.indexOf('-->', i + 4);
      if (e < 0) return null;
      i = e + 3;
    } else if (head.startsWith('<!', i)) {
      let depth = 0;
      let quote = 0;
      let j = i + 2;
      for (; j < n; j++) {
        const c = head.charCodeAt(j);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 34 || c === 39) quote = c;
        else if (c === 91) depth++;
        else if (c === 93) depth--;
        else if (c === 62 && depth <= 0) break;
      }
      if (j >= n) return null;
      i = j + 1;
    } else {
      let j = i + 1;
      while (j < n) {
        const c = head.charCodeAt(j);
        if (isSpace(c) || c === 62 || c === 47) break;
        j++;
      }
      return j > i + 1 ? head.slice(i + 1, j) : null;
    }
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
}
