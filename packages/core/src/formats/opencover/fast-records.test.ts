import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import type { ParseOutcome } from '../types.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createOpenCoverParser } from './parse.js';
import { expectFastPathAgrees, parseInChunks } from '../../../test/comparable.js';

// `<SequencePoint>` read as a record (xml/record-reader.ts) must give exactly the report and
// diagnostics of the openTag path: inside and outside methods, skipped subtrees, with and without
// fileid, and every kind of tag it hands back.

function parse(xml: string, fastRecords: boolean, chunk: number): ParseOutcome {
  const p = createOpenCoverParser({ fileName: 'opencover.xml', limits: { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6 } }, fastRecords);
  return parseInChunks(p, encodeUtf8(xml), chunk);
}

const num = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '999', '1000', '1001', '1000001', '', '-1', '1.5', '&#49;', '16707566') });
const line = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '1000', '1001', '', '16707566') });
const fileid = fc.constantFrom(' fileid="1"', ' fileid="1"', ' fileid="2"', ' fileid="9"', '', ' fileid="x"');
const sp = fc.oneof(
  // OpenCover's attributes and order, then coverlet's (no offset)
  {
    weight: 6,
    arbitrary: fc
      .tuple(num, line, fc.option(line), fileid, fc.constantFrom(' />', '/>'))
      .map(([vc, sl, el, f, end]) => `<SequencePoint vc="${vc}" uspid="1" ordinal="0" offset="0" sl="${sl}" sc="9"${el === null ? '' : ` el="${el}"`} ec="10" bec="0" bev="0"${f}${end}`),
  },
  { weight: 2, arbitrary: fc.tuple(num, line, line, fileid).map(([vc, sl, el, f]) => `<SequencePoint vc="${vc}" uspid="2" ordinal="1" sl="${sl}" sc="1" el="${el}" ec="2" bec="0" bev="0"${f} />`) },
  { weight: 1, arbitrary: fc.constantFrom('<SequencePoint sl="3" />', '<SequencePoint vc="1" />', '<SequencePoint vc="1" sl="4" x="y" />', "<SequencePoint vc='1' sl='5' />", '<SequencePoint vc="1" sl="6"></SequencePoint>') },
);
const bp = fc.tuple(num, line, fileid).map(([vc, sl, f]) => `<BranchPoint vc="${vc}" uspid="3" ordinal="0" offset="7" sl="${sl}" path="0" offsetend="9"${f} />`);
const methodXml = fc.tuple(fc.array(sp, { maxLength: 6 }), fc.array(bp, { maxLength: 2 }), fc.constantFrom('', ' skippedDueTo="Filter"'), fc.constantFrom('<FileRef uid="1" />', '')).map(
  ([sps, bps, skipped, ref]) =>
    `<Method visited="true"${skipped}><Name>M</Name>${ref}\n<SequencePoints>\n${sps.join('\n')}\n</SequencePoints><BranchPoints>${bps.join('')}</BranchPoints><MethodPoint vc="1" sl="1" fileid="1" /></Method>`,
);
const doc = fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: methodXml }, { weight: 1, arbitrary: sp }), { maxLength: 5 }), fc.constantFrom('CoverageSession', 'CoverageSession', 'Other'), fc.boolean()).map(
  ([items, root, truncated]) => {
    const xml = `<?xml version="1.0"?>\n<${root}><Modules><Module hash="h"><Files><File uid="1" fullPath="a.cs" /><File uid="2" fullPath="b.cs" /></Files>\n<Classes><Class><Methods>${items.join('\n')}</Methods></Class></Classes></Module></Modules>\n</${root}>\n`;
    return truncated ? xml.slice(0, Math.floor(xml.length * 0.7)) : xml;
  },
);

describe('OpenCover records', () => {
  it('give exactly what the openTag path gives (report, diagnostics and their order), whatever the chunks', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 64 }), (xml, chunk) => {
        expectFastPathAgrees(parse, xml, chunk);
      }),
      { numRuns: 400 },
    );
  });
});
