import { xmlRootTag } from '../../xml/xml-root.js';

/**
 * OpenCover XML (OpenCover, coverlet `--format opencover`, AltCover): root element
 * `<CoverageSession>`, with `<Modules>`/`<Module>` children. No other coverage format uses that root:
 * Cobertura, Clover and SonarQube generic use `<coverage>`, JaCoCo `<report>`, dotCover `<Root>`.
 */
export function detectOpenCover(head: string, _fileName: string): number {
  if (xmlRootTag(head)?.name !== 'CoverageSession') return 0;
  return head.includes('<Modules') || head.includes('<Summary') ? 1 : 0.9;
}
