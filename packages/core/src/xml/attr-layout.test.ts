import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { encodeUtf8 } from '../text/text-decoder.js';
import { XmlTokenizer, type XmlAttributes } from './xml-tokenizer.js';

// Attribute layouts (attr-layout.ts) are an accelerator: once an element has been seen, its next
// tags are matched against the attributes it had. These tests read the same tags once after a
// layout was learned (fast path, and general scanner past the first difference) and once each in a
// fresh tokenizer (general scanner only): any disagreement fails.

const NAMES = ['nr', 'mi', 'ci', 'mb', 'cb', 'x', 'a', 'é', 'missing'];

/** Everything a parser can ask, in an order unlike the document's, then in the document's. */
function readTag(a: XmlAttributes): unknown[] {
  const out: unknown[] = [a.count];
  for (const n of [...NAMES].reverse()) out.push(a.get(n), a.uint(n), a.has(n), a.is(n, '3'), a.is(n, '<&>'));
  for (const n of NAMES) out.push(a.uint(n), a.get(n));
  for (let i = -1; i <= a.count; i++) out.push(a.nameAt(i), a.valueAt(i));
  return out;
}

function run(xml: string, chunks: number[]): { events: unknown[]; diagnostics: string[] } {
  const events: unknown[] = [];
  const sink = new DiagnosticSink('t.xml');
  const t = new XmlTokenizer(
    { openTag: (name, a) => events.push(name, t.line, ...(name === 'r' ? [] : readTag(a))), closeTag: (name) => events.push(`/${name}`) },
    sink,
    { maxTokenLength: 1 << 16 },
  );
  const bytes = encodeUtf8(xml);
  let at = 0;
  for (const c of chunks) {
    t.write(bytes.subarray(at, Math.min(bytes.length, at + c)));
    at += c;
  }
  if (at < bytes.length) t.write(bytes.subarray(at));
  t.end();
  return { events, diagnostics: sink.finish().map((d) => `${d.code}@${d.line}: ${d.message}`) };
}

const CANON = '<line nr="8" mi="0" ci="3" mb="0" cb="0"/>';
/** Tags of the same element that differ from the layout somewhere (each valid XML). */
const VARIANTS = [
  '<line mi="0" nr="8" ci="3" mb="0" cb="0"/>',
  "<line nr='8' mi='0' ci='3' mb='0' cb='0'/>",
  '<line nr="8" mi=\'0\' ci="3" mb="0" cb="0"/>',
  '<line nr="&#56;" mi="&amp;" ci="3&lt;" mb="&#x33;" cb="&gt;"/>',
  '<line nr="8" mi="0"/>',
  '<line nr="8" mi="0" ci="3" mb="0" cb="0" x="<&>"/>',
  '<line nr="8" mi="0" ci="3" mb="0" cb="0" x="a" a="b" é="3"/>',
  '<line\tnr="8"\nmi="0"  ci="3" mb="0" cb="0" />',
  '<line nr = "8" mi= "0" ci ="3" mb="0" cb="0">text</line>',
  '<line nr="8" mi="0" ci="3" mb="0" cb="0"></line>',
  '<line nr="" mi="1.5" ci="-3" mb="9007199254740991" cb="0"/>',
  '<line nr="8" mi="a>b" ci="\'" mb=\'"\' cb="0"/>',
  '<line nrx="8" nr="9" m="0" ci="3" mb="0" cb="0"/>',
  '<line n="8" mi="0" ci="3" mb="0" cb="0"/>',
  '<line é="3" nr="8" mi="0" ci="3" mb="0" cb="0"/>',
  '<line/>',
  '<line ci="3" ci="4" nr="8"/>',
];

describe('attribute layouts agree with the general scanner', () => {
  /** The events of `tags` read each alone in a fresh tokenizer (no layout learned), on the line they have in `doc`. */
  function reference(tags: string[]): unknown[] {
    const events: unknown[] = [];
    let line = 2;
    for (const tag of tags) {
      const r = run(`${'\n'.repeat(line - 1)}<r>${tag}</r>`, []);
      expect(r.diagnostics).toEqual([]);
      events.push(...r.events.slice(2, -1));
      line += tag.split('\n').length;
    }
    return events;
  }
  const docOf = (tags: string[]) => `<r>\n${tags.join('\n')}\n</r>`;

  it('for each variant after the layout of the usual tag, in any chunking and cut in two at every byte', () => {
    for (const v of VARIANTS) {
      // A fresh document per variant: the layout it meets is always CANON's.
      const tags = [CANON, CANON, v, CANON, v, v];
      const doc = docOf(tags);
      const whole = run(doc, []);
      expect(whole.diagnostics).toEqual([]);
      expect(whole.events.slice(2, -1)).toEqual(reference(tags));
      for (const size of [1, 2, 3, 5, 11]) expect(run(doc, Array(Math.ceil(doc.length / size) + 8).fill(size))).toEqual(whole);
      const n = encodeUtf8(doc).length;
      for (let cut = 1; cut < n; cut++) expect(run(doc, [cut])).toEqual(whole);
    }
  });

  it('when an element keeps changing its attributes (layouts relearned, then no longer)', () => {
    const tags = [CANON, CANON, ...VARIANTS.flatMap((v) => [v, CANON, v])];
    const doc = docOf(tags);
    const whole = run(doc, []);
    expect(whole.diagnostics).toEqual([]);
    expect(whole.events.slice(2, -1)).toEqual(reference(tags));
    for (const size of [1, 3, 7]) expect(run(doc, Array(Math.ceil(doc.length / size) + 8).fill(size))).toEqual(whole);
  });

  it('malformed tags after a learned layout give the same diagnostics as without it', () => {
    const bad = ['<line nr="8" mi=0/>', '<line nr="8" mi/>', '<line nr="8" mi="0" ci="3" mb="0" cb="0"', '<line nr="8" mi="0" ci="3" mb="0" cb="0" /x>', '<line nr="8" mi="0'];
    for (const b of bad) {
      const alone = run(`<r>${b}`, []);
      const after = run(`<r>${CANON}${CANON}${b}`, []);
      expect(after.diagnostics).toEqual(alone.diagnostics);
      expect(after.diagnostics.length).toBeGreaterThan(0);
      for (let cut = 1; cut < b.length; cut++) expect(run(`<r>${CANON}${CANON}${b}`, [3 + 2 * CANON.length + cut]).diagnostics).toEqual(alone.diagnostics);
    }
  });
});

describe('element names compared in words (the repeated-name fast path)', () => {
  function names(xml: string, cut?: number) {
    const events: string[] = [];
    const sink = new DiagnosticSink('t.xml');
    const t = new XmlTokenizer({ openTag: (n, a) => events.push(`<${n}:${a.count}@${t.line}`), closeTag: (n) => events.push(`/${n}`) }, sink, { maxTokenLength: 1 << 16 });
    const bytes = encodeUtf8(xml);
    if (cut === undefined) t.write(bytes);
    else {
      t.write(bytes.subarray(0, cut));
      t.write(bytes.subarray(cut));
    }
    t.end();
    return { events, diagnostics: sink.finish().map((d) => `${d.code}@${d.line}: ${d.message}`) };
  }

  it('tells apart names that share a prefix, and close tags with spaces, in any cut', () => {
    const xml = '<r><line/><lines a="1"/><line></line><lines></lines ><line\n/><lin/><SequencePoint/><SequencePoints><SequencePoint x="1"></SequencePoint></SequencePoints><l/><l></l>\n</r>';
    const expected = [
      '<r:0@1', '<line:0@1', '/line', '<lines:1@1', '/lines', '<line:0@1', '/line', '<lines:0@1', '/lines', '<line:0@1', '/line', '<lin:0@2', '/lin',
      '<SequencePoint:0@2', '/SequencePoint', '<SequencePoints:0@2', '<SequencePoint:1@2', '/SequencePoint', '/SequencePoints', '<l:0@2', '/l', '<l:0@2', '/l', '/r',
    ];
    expect(names(xml)).toEqual({ events: expected, diagnostics: [] });
    for (let cut = 1; cut < xml.length; cut++) expect(names(xml, cut)).toEqual({ events: expected, diagnostics: [] });
  });

  it('still reports mismatched close tags of similar names', () => {
    for (const [xml, msg] of [
      ['<r><line></lines></r>', 'expected </line>, found </lines>'],
      ['<r><lines></line></r>', 'expected </lines>, found </line>'],
      ['<r><line></lin></r>', 'expected </line>, found </lin>'],
    ] as const) {
      for (let cut = 1; cut < xml.length; cut++) expect(names(xml, cut).diagnostics).toEqual([`CW_XML_MISMATCHED_TAG@1: ${msg}`]);
    }
  });
});
