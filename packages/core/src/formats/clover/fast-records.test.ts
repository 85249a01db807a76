import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import type { ParseOutcome } from '../types.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createCloverParser } from './parse.js';
import { expectFastPathAgrees, parseInChunks } from '../../../test/comparable.js';

// `<line>` read as a record (xml/record-reader.ts) must give exactly the report and diagnostics of
// the openTag path, in both flavours (istanbul and Clover proper), for regular tags and for every
// kind of tag it hands back.

function parse(xml: string, fastRecords: boolean, chunk: number): ParseOutcome {
  const p = createCloverParser({ fileName: 'clover.xml', limits: { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6 } }, fastRecords);
  return parseInChunks(p, encodeUtf8(xml), chunk);
}


const num = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '999', '1000', '1001', '1000001', '123456789012', '', '-1', '1.5', '&#49;') });
const lineNr = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '1000', '1001', '') });
const type = fc.constantFrom('stmt', 'stmt', 'cond', 'method', 'other', '');
const line = fc.oneof(
  // istanbul's order, then PHPUnit's and OpenClover's
  { weight: 6, arbitrary: fc.tuple(lineNr, num, type, num, num).map(([l, c, t, tc, fc_]) => `<line num="${l}" count="${c}" type="${t}"${t === 'cond' ? ` truecount="${tc}" falsecount="${fc_}"` : ''}/>`) },
  { weight: 2, arbitrary: fc.tuple(lineNr, type, num).map(([l, t, c]) => `<line num="${l}" type="${t}" count="${c}"/>`) },
  { weight: 2, arbitrary: fc.tuple(lineNr, num, num).map(([l, tc, f]) => `<line num="${l}" type="cond" truecount="${tc}" falsecount="${f}"/>`) },
  { weight: 1, arbitrary: fc.tuple(lineNr, num).map(([l, c]) => `<line num="${l}" type="method" name="f${l}" count="${c}"/>`) },
  { weight: 1, arbitrary: fc.constantFrom('<line num="3"/>', '<line count="1" type="stmt"/>', '<line num="4" count="1" type="stmt" x="y"/>', "<line num='5' count='1' type='stmt'/>", '<line num="6" count="1" type="stmt"></line>') },
);
const file = fc.tuple(fc.constantFrom('a.js', 'b.js', ''), fc.array(line, { maxLength: 12 })).map(
  ([name, ls]) => `<file name="${name}">\n  <metrics conditionals="2"/>\n    ${ls.join('\n    ')}\n  </file>`,
);
const doc = fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: file }, { weight: 1, arbitrary: line }), { maxLength: 5 }), fc.constantFrom(' clover="3.2.0"', ' clover="4.4.1"', ''), fc.constantFrom('coverage', 'coverage', 'report'), fc.boolean()).map(
  ([items, version, root, truncated]) => {
    const xml = `<?xml version="1.0"?>\n<${root} generated="1"${version}>\n<project><package name="p">${items.join('\n')}</package></project>\n</${root}>\n`;
    return truncated ? xml.slice(0, Math.floor(xml.length * 0.7)) : xml;
  },
);

describe('Clover records', () => {
  it('give exactly what the openTag path gives (report, diagnostics and their order), whatever the chunks', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 64 }), (xml, chunk) => {
        expectFastPathAgrees(parse, xml, chunk);
      }),
      { numRuns: 400 },
    );
  });
});
