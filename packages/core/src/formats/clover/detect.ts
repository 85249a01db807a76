import { xmlRootTag } from '../../xml/xml-root.js';

/**
 * Clover XML: root `<coverage>` holding `<project>` (and OpenClover's `<testproject>`), then
 * `[<package>] <file> <line num=... type=...>`. Istanbul and OpenClover put a `clover="x.y.z"`
 * attribute on the root; PHPUnit only `generated="<timestamp>"`. Cobertura (`<coverage line-rate=...>`
 * with `<packages>`), SonarQube generic (`<coverage version="1">` with `<lineToCover>`) share the root
 * name but never have `<project>` or `<line num=`; JaCoCo (`<report>`) and OpenCover
 * (`<CoverageSession>`) have other roots.
 */
export function detectClover(head: string, _fileName: string): number {
  const root = xmlRootTag(head);
  if (root === null || root.name !== 'coverage') return 0;
  if (/\s(line-rate|lines-valid|branch-rate)\s*=/.test(root.text) || head.includes('<lineToCover')) return 0;
  const hasProject = head.includes('<project');
  const hasCloverAttr = /\sclover\s*=/.test(root.text);
  if (hasCloverAttr) return hasProject ? 1 : 0.9;
  if (!hasProject) return 0;
  // PHPUnit: <coverage generated="..."><project timestamp="...">.
  if (/\sgenerated\s*=/.test(root.text)) return 0.9;
  return head.includes('<line num=') || head.includes('<file ') ? 0.7 : 0.4;
}
