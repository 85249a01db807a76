import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import type { ParseOutcome } from '../types.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createCoberturaParser } from './parse.js';
import { expectFastPathAgrees, outcomeSnapshot, parseInChunks } from '../../../test/comparable.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';

// `<line>` read as a record (xml/record-reader.ts) must give exactly the report and diagnostics of
// the openTag path: class lines with and without condition-coverage, method lines, and every kind
// of tag it hands back.

const LIMITS = { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6 };

function parse(bytes: Uint8Array, fastRecords: boolean, chunk: number, limits = LIMITS): ParseOutcome {
  const p = createCoberturaParser({ fileName: 'coverage.xml', limits }, fastRecords);
  return parseInChunks(p, bytes, chunk);
}

const num = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '999', '1000', '1001', '1000001', '123456789012', '', '-1', '1.5', '1.0', '&#49;') });
const lineNr = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('0', '1000', '1001', '', '-3', '2.0') });
const cc = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(4), fc.nat(4)).map(([a, b]) => `${b === 0 ? 100 : Math.round((100 * a) / b)}% (${a}/${b})`) },
  { weight: 1, arbitrary: fc.constantFrom('50% (1/2)', '33.33% (1/3)', '50% (3/2)', '50%(1/2)', '50% ( 1/2 )', 'x', '', '0% (0/99999999)', '50% (1/2') },
);
const branch = fc.constantFrom('true', 'false', 'True', '');
const classLine = fc.oneof(
  // coverage.py, Cobertura, gcovr, istanbul
  { weight: 6, arbitrary: fc.tuple(lineNr, num, fc.option(cc)).map(([l, h, c]) => `<line number="${l}" hits="${h}" branch="${c === null ? 'false' : 'true'}"${c === null ? '' : ` condition-coverage="${c}"`}/>`) },
  { weight: 2, arbitrary: fc.tuple(lineNr, num).map(([l, h]) => `<line number="${l}" hits="${h}"/>`) },
  { weight: 2, arbitrary: fc.tuple(branch, cc, num, lineNr).map(([b, c, h, l]) => `<line branch="${b}" condition-coverage="${c}" hits="${h}" number="${l}"/>`) },
  // with <condition> children (coverlet): never a record, and a record may follow it
  { weight: 1, arbitrary: fc.tuple(lineNr, num).map(([l, h]) => `<line number="${l}" hits="${h}" branch="true"><conditions><condition number="0" type="jump" coverage="50%"/></conditions></line>`) },
  { weight: 1, arbitrary: fc.constantFrom('<line number="3"/>', '<line hits="1"/>', '<line number="4" hits="1" x="y"/>', "<line number='5' hits='1'/>", '<line number="6" hits="1"></line>', '<line number="7"  hits="1"/>', '<line number="8" hits="1"><line number="9" hits="1"/><condition number="0" type="jump" coverage="50%"/></line>') },
);
const method = fc.tuple(fc.constantFrom('f', 'g', ''), fc.option(num), fc.array(fc.tuple(lineNr, fc.option(num)), { maxLength: 3 })).map(
  ([name, hits, lines]) =>
    `<method name="${name}"${hits === null ? '' : ` hits="${hits}"`} signature="()V"><lines>${lines.map(([l, h]) => `<line number="${l}"${h === null ? '' : ` hits="${h}"`}/>`).join('')}</lines></method>`,
);
const klass = fc.tuple(fc.constantFrom('a.py', 'b.py', ''), fc.array(method, { maxLength: 2 }), fc.array(classLine, { maxLength: 12 })).map(
  ([name, methods, lines]) => `<class name="c" filename="${name}">\n  <methods>${methods.join('\n')}</methods>\n  <lines>\n    ${lines.join('\n    ')}\n  </lines>\n</class>`,
);
const doc = fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: klass }, { weight: 1, arbitrary: classLine }), { maxLength: 5 }), fc.constantFrom('coverage', 'coverage', 'report'), fc.boolean()).map(
  ([items, root, truncated]) => {
    const xml = `<?xml version="1.0"?>\n<${root} lines-valid="3">\n<packages><package name="p"><classes>${items.join('\n')}</classes></package></packages>\n</${root}>\n`;
    return truncated ? xml.slice(0, Math.floor(xml.length * 0.7)) : xml;
  },
);

describe('Cobertura records', () => {
  it('give exactly what the openTag path gives (report, diagnostics and their order), whatever the chunks', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 64 }), (xml, chunk) => {
        expectFastPathAgrees((text, fast, size) => parse(encodeUtf8(text), fast, size), xml, chunk);
      }),
      { numRuns: 400 },
    );
  });

  it('agree on every real Cobertura fixture', () => {
    const root = fixturesDir();
    const files = readdirSync(root)
      .filter((d) => d.endsWith('-cobertura'))
      .flatMap((d) => readdirSync(path.join(root, d)).filter((f) => f.endsWith('.xml')).map((f) => path.join(root, d, f)));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      const general = parse(bytes, false, 1 << 16, DEFAULT_LIMITS);
      expect(general.status, f).toBe('ok');
      expect(outcomeSnapshot(parse(bytes, true, 1 << 16, DEFAULT_LIMITS)), f).toEqual(outcomeSnapshot(general));
    }
  });
});
