import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { encodeUtf8 } from '../text/text-decoder.js';
import { type XmlAttributes, type XmlRecordSpec, XmlTokenizer } from './xml-tokenizer.js';

// Records (record-reader.ts) are a fast path: a tokenizer given record specs must show a handler
// exactly what one without them shows through openTag + closeTag, whatever the tags look like and
// wherever the chunks end.

const TYPES = ['stmt', 'cond', 'METHOD'];
const SPECS: XmlRecordSpec[] = [
  { element: 'line', attributes: ['nr', 'mi', { name: 'type', choices: TYPES }, 'cb', { name: 'cc', fraction: true }] },
  { element: 'c', attributes: ['v'] },
];

/** What openTag can tell of a spec's attributes, as a record would have it (slots, then denominators). */
function slotsOf(spec: XmlRecordSpec, a: XmlAttributes): number[] {
  const denominators: number[] = [];
  const slots = spec.attributes.map((attr) => {
    if (typeof attr === 'string') return a.uint(attr);
    if (!a.has(attr.name)) {
      if ('fraction' in attr) denominators.push(-2);
      return -2;
    }
    if ('choices' in attr) return attr.choices.findIndex((c) => a.is(attr.name, c));
    const m = /^\d+(?:\.\d+)?% \((\d+)\/(\d+)\)$/.exec(a.get(attr.name)!);
    denominators.push(m === null ? -1 : digits(m[2]!));
    return m === null ? -1 : digits(m[1]!);
  });
  return [...slots, ...denominators];
}

/** A decimal number with XmlAttributes.uint's arithmetic (long numbers round alike). */
function digits(s: string): number {
  let v = 0;
  for (const c of s) v = v * 10 + (c.charCodeAt(0) - 48);
  return v;
}

/** Declines records whose first slot is 13 (the handler wants the general path for them). */
const DECLINED = 13;

/** Records delivered by the fast path in all runs (the tests check it is taken at all). */
let delivered = 0;

/**
 * `recordLines` false: records (and the general path's tags of record elements) do not ask for their
 * line, so lines are counted past them unasked, as a parser's hot path does.
 */
function run(xml: string, chunk: number, records: boolean, recordLines = true): { events: string[]; diagnostics: string[] } {
  const events: string[] = [];
  const sink = new DiagnosticSink('t.xml');
  const t: XmlTokenizer = new XmlTokenizer(
    {
      openTag(name, a) {
        const spec = SPECS.find((s) => s.element === name);
        const at = spec === undefined || recordLines ? t.line : '?';
        events.push(`<${name} ${spec === undefined ? a.count : slotsOf(spec, a).join(',')} @${at} ${t.openElements.length}`);
      },
      closeTag(name) {
        // (A record's element is never on the stack: the general path's close of it is not an event.)
        if (!SPECS.some((s) => s.element === name)) events.push(`</${name}`);
      },
      record(kind, values) {
        if (values[0] === DECLINED) return false;
        // (During the general path's openTag the element is on the stack: one more open element.)
        events.push(`<${SPECS[kind]!.element} ${[...values].join(',')} @${recordLines ? t.line : '?'} ${t.openElements.length + 1}`);
        delivered++;
        return true;
      },
    },
    sink,
    { maxTokenLength: 1 << 16, maxDepth: 4, ...(records ? { records: SPECS } : {}) },
  );
  const bytes = encodeUtf8(xml);
  for (let i = 0; i < bytes.length; i += chunk) t.write(bytes.subarray(i, i + chunk));
  t.end();
  return { events, diagnostics: sink.finish().map((d) => `${d.code}@${d.line}: ${d.message}`) };
}

const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('13', '007', '9007199254740993', '123456789012345678901234', '') },
  { weight: 2, arbitrary: fc.constantFrom(...TYPES, 'stm', 'stmts', 'STMT', 'cond ') },
  { weight: 1, arbitrary: fc.constantFrom('-1', '1.5', '&#49;', '&amp;', 'é', '1e3', ' 1', '1>2', "'") },
  // Cobertura's condition-coverage, regular and not
  { weight: 2, arbitrary: fc.constantFrom('50% (1/2)', '0% (0/4)', '33.33% (1/3)', '100% (2/2)', '13% (9007199254740993/123456789012345678901234)') },
  { weight: 1, arbitrary: fc.constantFrom('50%(1/2)', '50% ( 1/2)', '% (1/2)', '50% (1/)', '50% (/2)', '1.% (1/2)', '50% (1/2', '50 (1/2)', '50% (1/2) ', '50%_(1/2)', '50% _1/2)', '50% (1/2)x', '50% (&#49;/2)', '.5% (1/2)', '50% (1 / 2)') },
);
const attrName = fc.constantFrom('nr', 'mi', 'type', 'cb', 'cc', 'v', 'nrx', 'n', 'x', 'é');
const attr = fc.tuple(attrName, value, fc.constantFrom(' ', ' ', ' ', '\n', '  ', '\t'), fc.constantFrom('"', '"', '"', "'"), fc.constantFrom('=', '=', ' = ')).map(
  ([name, v, space, q, eq]) => (q === "'" && v === "'") || (q === '"' && v === '"') ? `${space}${name}${eq}""` : `${space}${name}${eq}${q}${v}${q}`,
);
const ending = fc.constantFrom('/>', '/>', '/>', ' />', '  />', ' / >', '></line>', '>text</line>', '/ >');
const lineTag = fc.tuple(fc.array(attr, { maxLength: 6 }), ending).map(([attrs, end]) => `<line${attrs.join('')}${end.replace('line', 'line')}`);
const cTag = fc.tuple(fc.array(attr, { maxLength: 2 }), fc.constantFrom('/>', '></c>')).map(([attrs, end]) => `<c${attrs.join('')}${end}`);
/** A regular JaCoCo-like line, most of what real reports hold. */
const regular = fc
  .tuple(fc.nat(40), fc.nat(3), fc.constantFrom(...TYPES), fc.nat(3), fc.option(fc.tuple(fc.nat(4), fc.nat(4))), fc.constantFrom('/>', ' />'))
  .map(([a, b, t, c, cc, end]) => `<line nr="${a}" mi="${b}" type="${t}" cb="${c}"${cc === null ? '' : ` cc="${Math.round((100 * cc[0]) / (cc[1] || 1))}% (${cc[0]}/${cc[1]})"`}${end}`);
/** Regular in form, in any order, attributes missing or repeated. */
const shuffled = fc
  .array(fc.tuple(fc.constantFrom('nr', 'mi', 'type', 'cb', 'cc'), fc.oneof(fc.nat(20).map(String), fc.constantFrom(...TYPES, '', '13', '50% (1/2)', '7.5% (0/3)'))), { maxLength: 6 })
  .map((attrs) => `<line${attrs.map(([n, v]) => ` ${n}="${v}"`).join('')}/>`);
const item = fc.oneof(
  { weight: 8, arbitrary: regular },
  { weight: 4, arbitrary: shuffled },
  { weight: 4, arbitrary: lineTag },
  { weight: 1, arbitrary: cTag },
  { weight: 1, arbitrary: fc.constantFrom('\n', 'text', '<o></o>', '<o><line nr="1"/></o>', '<o><o><line nr="2"/></o></o>', '<!-- <line nr="1"/> -->', '<o a="\n"\n/>') },
  // Indentation, whose lines the tokenizer counts as it goes when records are read.
  { weight: 6, arbitrary: fc.constantFrom('\n', '\n  ', '\n      ', '\n         ', '\r\n    ', '  ', '\n\n  ', '\n\t') },
);
/** How a document ends: mostly well, else in a way the tokenizer reports (with records in the way). */
const end = fc.constantFrom('</r>', '</r>', '</r>', '</r><c v="1"/>', '<line', '<line nr="1"', '</o>', '<o><o><o><line nr="3"/></o></o></o></r>');
const doc = fc.tuple(fc.array(item, { maxLength: 30 }), fc.boolean(), end).map(([items, rootIsLine, tail]) => `${rootIsLine ? '<line nr="1" mi="2"/>' : ''}<r>\n${items.join('')}\n${tail}`);

describe('records read by the tokenizer agree with openTag', () => {
  it('give the same events and diagnostics as the general path, whatever the tags and the chunks', () => {
    delivered = 0;
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 80 }), (xml, chunk) => {
        const general = run(xml, xml.length + 1, false);
        expect(run(xml, xml.length + 1, true)).toEqual(general);
        expect(run(xml, chunk, true)).toEqual(general);
        expect(run(xml, chunk, true, false)).toEqual(run(xml, xml.length + 1, false, false));
      }),
      { numRuns: 500 },
    );
    expect(delivered).toBeGreaterThan(500);
  });

  it('learn the attribute order of each producer, and read every order alike', () => {
    const tags = ['<line nr="1" mi="2" type="cond" cb="3"/>', '<line cb="3" type="stmt" cc="71.4% (5/7)" mi="2" nr="1"/>', '<line type="METHOD" nr="1"/>', '<line/>', '<line mi="4"/>'];
    const xml = `<r>${[...tags, ...tags.reverse(), ...tags].join('\n')}</r>`;
    const general = run(xml, xml.length, false);
    expect(general.events).toContain('<line 1,2,1,3,-2,-2 @1 2');
    expect(general.events).toContain('<line 1,2,0,3,5,7 @2 2');
    expect(general.events).toContain('<line 1,-2,2,-2,-2,-2 @3 2');
    expect(general.events).toContain('<line -2,-2,-2,-2,-2,-2 @4 2');
    delivered = 0;
    for (let cut = 1; cut < xml.length; cut++) expect(run(xml, cut, true)).toEqual(general);
    expect(delivered).toBeGreaterThan(10 * xml.length);
  });

  it('count lines as the general path does, across indentation, records and tags that span lines', () => {
    const rec = '<line nr="1" mi="2"/>';
    const xml = `<r>\n  ${rec}<o a="\n"\n/>${rec}${rec}\n    ${rec}\r\n  <o\n/>\n  ${rec}<c v="1"></c>\n${rec}<!--\n-->${rec}\n  <line nr="13"/>${rec}<o a="\n${'x'.repeat(1100)}"/>\n  ${rec}\n</r>\n<c v="x"/>`;
    const general = run(xml, xml.length, false);
    expect(general.diagnostics).toEqual(['CW_XML_SYNTAX@15: a second root element <c>']);
    const unasked = run(xml, xml.length, false, false);
    for (let cut = 1; cut < xml.length; cut++) {
      expect(run(xml, cut, true)).toEqual(general);
      expect(run(xml, cut, true, false)).toEqual(unasked);
    }
  });

  it('refuse specs they cannot read exactly', () => {
    const sink = new DiagnosticSink('t.xml');
    const handler = { openTag: () => {}, closeTag: () => {} };
    expect(() => new XmlTokenizer(handler, sink, { maxTokenLength: 64, records: SPECS })).toThrow(/XmlHandler.record/);
    const withRecord = { ...handler, record: () => true };
    expect(() => new XmlTokenizer(withRecord, sink, { maxTokenLength: 64, records: [{ element: 'a', attributes: ['x', 'x'] }] })).toThrow(/twice/);
    expect(() => new XmlTokenizer(withRecord, sink, { maxTokenLength: 64, records: [{ element: 'a', attributes: [{ name: 'x', choices: ['a&b'] }] }] })).toThrow(/ASCII/);
  });
});
