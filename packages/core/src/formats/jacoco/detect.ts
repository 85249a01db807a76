import { xmlRootTag } from '../../xml/xml-root.js';

/**
 * JaCoCo XML: root element `<report>`, nearly always with JaCoCo's DOCTYPE
 * (`-//JACOCO//DTD Report 1.1//EN`). EMMA's XML also has a `<report>` root, so without the DOCTYPE we
 * also need a JaCoCo-only element: `<sessioninfo>`, `<sourcefile>` or a `<counter type=...>`.
 * Cobertura (`<coverage line-rate>`), Clover (`<coverage clover>`), SonarQube generic
 * (`<coverage version>`) and OpenCover (`<CoverageSession>`) have other roots.
 */
export function detectJacoco(head: string, _fileName: string): number {
  if (xmlRootTag(head)?.name !== 'report') return 0;
  if (head.includes('-//JACOCO//DTD Report')) return 1;
  if (head.includes('<sessioninfo') || head.includes('<sourcefile') || /<counter\s+type="(?:INSTRUCTION|BRANCH|LINE|COMPLEXITY|METHOD|CLASS)"/.test(head)) {
    return 0.9;
  }
  // A bare <report> root: a weak candidate only (EMMA, JUnit-like tools).
  return 0.2;
}
