/** Escapes text for an XML attribute value (the only place our writers put data). */
export function xmlAttr(s: string): string {
  // Control characters are not allowed in XML 1.0 at all, escaped or not: replace them.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&apos;';
      default: return '\uFFFD';
    }
  });
}
