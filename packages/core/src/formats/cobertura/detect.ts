/**
 * Cobertura XML has the root element `<coverage>` carrying rate attributes (`line-rate`,
 * `lines-valid`...) and holds `<packages><package><classes><class filename=...>`. Three other
 * formats also use a `<coverage>` root and must not be taken for it: Clover (`<coverage clover=...>`
 * with `<project>`), SonarQube generic coverage (`<coverage version="1"><file path=...>`) and any
 * unknown dialect without Cobertura's elements (low confidence only).
 */
export function detectCobertura(head: string, fileName: string): number {
  const root = rootTag(head);
  if (root === null || !/^<coverage[\s/>]/.test(root)) return 0;
  if (/\sclover\s*=/.test(root)) return 0;
  if (/\s(line-rate|lines-valid|branch-rate|branches-valid)\s*=/.test(root)) return 0.95;
  if (head.includes('<packages') || /<class\s[^>]*\bfilename\s*=/.test(head)) return 0.9;
  if (head.includes('<lineToCover') || /<file\s[^>]*\bpath\s*=/.test(head) || head.includes('<project')) return 0;
  if (/cobertura/i.test(head)) return 0.8;
  // A bare <coverage> root (perhaps a report cut short): only a hint, never enough on its own.
  return /cobertura|coverage\.xml$/i.test(fileName) ? 0.4 : 0.2;
}

/**
 * The text of the first element start tag (up to its '>' or the end of `head`), skipping the XML
 * declaration, comments, processing instructions and the DOCTYPE; null when there is none.
 */
function rootTag(head: string): string | null {
  let i = 0;
  for (;;) {
    const lt = head.indexOf('<', i);
    if (lt < 0) return null;
    // Only whitespace (and a BOM) may come before the first markup of an XML document.
    if (i === 0 && /\S/.test(head.slice(0, lt).replace(/^\uFEFF/, ''))) return null;
    const next = head.charCodeAt(lt + 1);
    if (next === 63 /* ? */) {
      const e = head.indexOf('?>', lt);
      if (e < 0) return null;
      i = e + 2;
    } else if (head.startsWith('<!--', lt)) {
      const e = head.indexOf('-->', lt);
      if (e < 0) return null;
      i = e + 3;
    } else if (next === 33 /* ! */) {
      const e = head.indexOf('>', lt);
      if (e < 0) return null;
      i = e + 1;
    } else {
      const e = head.indexOf('>', lt);
      return head.slice(lt, e < 0 ? head.length : e + 1);
    }
  }
}
