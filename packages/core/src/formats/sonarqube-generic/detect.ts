import { xmlRootTag } from '../../xml/xml-root.js';

/**
 * SonarQube generic test coverage: root `<coverage version="1">` holding `<file path=...>` elements
 * of `<lineToCover lineNumber=... covered=...>`. Cobertura (`<coverage line-rate=... version=...>`)
 * and Clover (`<coverage generated=... clover=...>`) share the root name, so the decision rests on
 * `<lineToCover`, an element no other format has, or on a root whose only attribute is `version`.
 * SonarQube's generic *test execution* report (`<testExecutions>`) is not coverage and scores 0.
 */
export function detectSonarqubeGeneric(head: string, _fileName: string): number {
  const root = xmlRootTag(head);
  if (root === null || root.name !== 'coverage') return 0;
  const hasLine = head.includes('<lineToCover');
  // Cobertura and Clover roots carry attributes SonarQube's never has.
  if (/\s(line-rate|lines-valid|branch-rate|clover|generated)\s*=/.test(root.text)) return 0;
  const versionOne = /^<coverage\s+version\s*=\s*["']1["']\s*\/?>$/.test(root.text);
  if (hasLine) return versionOne ? 1 : 0.9;
  // An empty report (no file had coverage) or a first <file> longer than the head.
  if (versionOne && (/<file\s+path\s*=/.test(head) || /<\/coverage>|<coverage[^>]*\/>/.test(head))) return 0.8;
  return versionOne ? 0.4 : 0;
}
