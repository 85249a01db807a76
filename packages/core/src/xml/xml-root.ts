// Format detection looks at the root element of an XML head; every XML format shares this one reader.
/** The root element's name and the text of its start tag. */
export interface XmlRootTag {
  readonly name: string;
  readonly text: string;
}

/**
 * The first element start tag of an XML document's head, skipping the prolog (XML declaration,
 * processing instructions, comments, DOCTYPE with an internal subset); null when the head holds no
 * element or does not look like XML (text before the first markup).
 */
export function xmlRootTag(head: string): XmlRootTag | null {
  const n = head.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpaceOrBom(head.charCodeAt(i))) i++;
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
      // DOCTYPE: its '>' is the first one outside quotes and outside the internal subset [ ... ].
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
        if (isSpaceOrBom(c) || c === 62 || c === 47) break;
        j++;
      }
      if (j === i + 1) return null;
      const gt = head.indexOf('>', j);
      return { name: head.slice(i + 1, j), text: head.slice(i, gt < 0 ? n : gt + 1) };
    }
  }
}

function isSpaceOrBom(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
}
