import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import type { ParseOutcome } from '../types.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createJacocoParser } from './parse.js';
import { expectFastPathAgrees, parseInChunks } from '../../../test/comparable.js';

// `<line>` and `<counter>` read as records (xml/record-reader.ts) must give exactly the report and
// diagnostics of the openTag path, for regular tags and for every kind of tag it hands back.

function parse(xml: string, fastRecords: boolean, chunk: number): ParseOutcome {
  const p = createJacocoParser({ fileName: 'jacoco.xml', limits: { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6 } }, fastRecords);
  return parseInChunks(p, encodeUtf8(xml), chunk);
}


const count = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '999', '1000', '1001', '70000', '123456789012', '', '-1', '1.5', '&#49;') });
const lineNr = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 30 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '1000', '1001', '99999999', '') });
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(lineNr, count, count, count, count).map(([nr, mi, ci, mb, cb]) => `<line nr="${nr}" mi="${mi}" ci="${ci}" mb="${mb}" cb="${cb}"/>`) },
  { weight: 1, arbitrary: fc.tuple(lineNr, count).map(([nr, ci]) => `<line ci="${ci}" nr="${nr}"/>`) },
  { weight: 1, arbitrary: fc.constantFrom('<line mi="1"/>', '<line nr="3" mi="1" ci="0" mb="0" cb="0" x="y"/>', "<line nr='4' ci='1'/>", '<line nr="5" ci="2"></line>') },
);
const type = fc.constantFrom('INSTRUCTION', 'BRANCH', 'LINE', 'METHOD', 'COMPLEXITY', 'CLASS', 'OTHER', '');
const counter = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(type, count, count).map(([t, m, c]) => `<counter type="${t}" missed="${m}" covered="${c}"/>`) },
  { weight: 1, arbitrary: fc.tuple(count, count).map(([m, c]) => `<counter missed="${m}" covered="${c}"/>`) },
  { weight: 1, arbitrary: fc.tuple(type, count).map(([t, c]) => `<counter covered="${c}" type="${t}"/>`) },
);
const method = fc.tuple(fc.constantFrom('run', 'add'), fc.constantFrom('3', '7', '', '2000'), fc.array(counter, { maxLength: 4 })).map(
  ([name, at, cs]) => `<method name="${name}" desc="()V"${at === '' ? '' : ` line="${at}"`}>${cs.join('')}</method>`,
);
const cls = fc.tuple(fc.constantFrom('A.java', 'B.java', ''), fc.array(method, { maxLength: 3 }), fc.array(counter, { maxLength: 2 })).map(
  ([src, ms, cs]) => `<class name="p/X"${src === '' ? '' : ` sourcefilename="${src}"`}>${ms.join('')}${cs.join('')}</class>`,
);
const sourcefile = fc.tuple(fc.constantFrom('A.java', 'B.java'), fc.array(line, { maxLength: 12 }), fc.array(counter, { maxLength: 3 })).map(
  ([name, ls, cs]) => `<sourcefile name="${name}">${ls.join('')}${cs.join('')}</sourcefile>`,
);
const body = fc.array(fc.oneof(cls, sourcefile, counter, line), { maxLength: 6 });
const pkg = fc.tuple(fc.constantFrom(' name="p"', ' name="q"', ' name="p"', ''), body).map(([name, items]) => `<package${name}>${items.join('')}</package>`);
const doc = fc.tuple(fc.array(pkg, { minLength: 1, maxLength: 3 }), fc.constantFrom('report', 'report', 'report', 'coverage'), fc.boolean()).map(([pkgs, root, truncated]) => {
  const xml = `<?xml version="1.0"?><${root} name="r">${pkgs.join('')}<counter type="LINE" missed="1" covered="2"/></${root}>`;
  return truncated ? xml.slice(0, Math.floor(xml.length * 0.7)) : xml;
});

describe('JaCoCo records', () => {
  it('give exactly what the openTag path gives (report, diagnostics and their order), whatever the chunks', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 64 }), (xml, chunk) => {
        expectFastPathAgrees(parse, xml, chunk);
      }),
      { numRuns: 400 },
    );
  });
});
