/**
 * JaCoCo XML: root element `<report>`, nearly always with JaCoCo's DOCTYPE
 * (`-//JACOCO//DTD Report 1.1//EN`). EMMA's XML also has a `<report>` root, so without the DOCTYPE we
 * also need a JaCoCo-only element: `<sessioninfo>`, `<sourcefile>` or a `<counter type=...>`.
 * Cobertura (`<coverage line-rate>`), Clover (`<coverage clover>`), SonarQube generic
 * (`<coverage version>`) and OpenCover (`<CoverageSession>`) have other roots.
 */
export function detectJacoco(head: string, _fileName: string): number {
  if (xmlRootName(head) !== 'report') return 0;
  if (head.includes('-//JACOCO//DTD Report')) return 1;
  if (head.includes('<sessioninfo') || head.includes('<sourcefile') || /<counter\s+type="(?:INSTRUCTION|BRANCH|LINE|COMPLEXITY|METHOD|CLASS)"/.test(head)) {
    return 0.9;
  }
  // A bare <report> root: a weak candidate only (EMMA, JUnit-like tools).
  return 0.2;
}

/**
 * The name of the root element in the first bytes of an XML document, skipping the prolog (XML
 * declaration, processing instructions, comments, DOCTYPE with an internal subset); null when the
 * head holds no element or is not XML.
 */
export function xmlRootName(head: string): string | null {
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
      // DOCTYPE: skip to the '>' that is outside quotes and the internal subset's [ ... ].
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
