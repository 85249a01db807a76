import { xmlRootTag } from '../../xml/xml-root.js';

/**
 * Cobertura XML has the root element `<coverage>` carrying rate attributes (`line-rate`,
 * `lines-valid`...) and holds `<packages><package><classes><class filename=...>`. Three other
 * formats also use a `<coverage>` root and must not be taken for it: Clover (`<coverage clover=...>`
 * with `<project>`), SonarQube generic coverage (`<coverage version="1"><file path=...>`) and any
 * unknown dialect without Cobertura's elements (low confidence only).
 */
export function detectCobertura(head: string, fileName: string): number {
  const root = xmlRootTag(head)?.text ?? null;
  if (root === null || !/^<coverage[\s/>]/.test(root)) return 0;
  if (/\sclover\s*=/.test(root)) return 0;
  if (/\s(line-rate|lines-valid|branch-rate|branches-valid)\s*=/.test(root)) return 0.95;
  if (head.includes('<packages') || /<class\s[^>]*\bfilename\s*=/.test(head)) return 0.9;
  if (head.includes('<lineToCover') || /<file\s[^>]*\bpath\s*=/.test(head) || head.includes('<project')) return 0;
  if (/cobertura/i.test(head)) return 0.8;
  // A bare <coverage> root (perhaps a report cut short): only a hint, never enough on its own.
  return /cobertura|coverage\.xml$/i.test(fileName) ? 0.4 : 0.2;
}
