import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { encodeUtf8 } from '../text/text-decoder.js';
import { XmlTokenizer, type XmlAttributes } from './xml-tokenizer.js';

function tokenize(xml: string | Uint8Array, chunkSize = Infinity, withText = false) {
  const events: string[] = [];
  const sink = new DiagnosticSink('t.xml');
  const t = new XmlTokenizer(
    {
      openTag(name, attrs) {
        const a: string[] = [];
        for (let i = 0; i < attrs.count; i++) a.push(`${attrs.nameAt(i)}=${attrs.valueAt(i)}`);
        events.push(`<${name}${a.length ? ' ' + a.join(' ') : ''}>@${t.line}`);
      },
      closeTag(name) {
        events.push(`</${name}>`);
      },
      ...(withText ? { text: (s: string) => { if (s.trim()) events.push(`#${s}`); } } : {}),
    },
    sink,
    { maxTokenLength: 1 << 16 },
  );
  const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
  const step = Number.isFinite(chunkSize) ? chunkSize : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) t.write(bytes.subarray(i, i + step));
  t.end();
  return { events, diagnostics: sink.finish() };
}

const COBERTURA_HEAD = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "https://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.5">
  <!-- a comment with <tags> -->
  <sources><source>/home/runner/work/x</source></sources>
  <packages><package name="a &amp; b"><classes>
    <class filename='src/a.py'><lines><line number="1" hits="3"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines></class>
  </classes></package></packages>
</coverage>
`;

describe('XmlTokenizer', () => {
  it('reports tags, attributes (entities decoded) and line numbers', () => {
    const { events, diagnostics } = tokenize(COBERTURA_HEAD, Infinity, true);
    expect(diagnostics).toEqual([]);
    expect(events).toContain('<package name=a & b>@6');
    expect(events).toContain('<line number=2 hits=0 branch=true condition-coverage=50% (1/2)>@7');
    expect(events).toContain('#/home/runner/work/x');
    expect(events[events.length - 1]).toBe('</coverage>');
  });

  it('gives the same events whatever the chunk boundaries', () => {
    const whole = tokenize(COBERTURA_HEAD, Infinity, true).events;
    for (const size of [1, 2, 3, 7, 64]) expect(tokenize(COBERTURA_HEAD, size, true).events).toEqual(whole);
  });

  it('never expands DTD entities (XXE and billion laughs are inert and reported)', () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE r [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> ]>
<r v="&xxe;&b;">&b;</r>`;
    const { events, diagnostics } = tokenize(xxe, Infinity, true);
    expect(events).toContain('<r v=&xxe;&b;>@3');
    expect(events).toContain('#&b;');
    expect(diagnostics.map((d) => d.code)).toEqual(['CW_XML_ENTITIES_IGNORED', 'CW_XML_ENTITY_UNEXPANDED']);
  });

  it('decodes character references, and CDATA is text', () => {
    const { events } = tokenize('<a t="&#65;&#x42;&lt;&#0;"><![CDATA[<not a tag>]]></a>', Infinity, true);
    expect(events).toEqual(['<a t=AB<\uFFFD>@1', '#<not a tag>', '</a>']);
  });

  it.each([
    ['<a><b></a>', 'CW_XML_MISMATCHED_TAG', 1],
    ['<a>\n<b>', 'CW_XML_TRUNCATED', 2],
    ['<a x=1/>', 'CW_XML_SYNTAX', 1],
    ['<a x/>', 'CW_XML_SYNTAX', 1],
    ['not xml at all', 'CW_XML_SYNTAX', 1],
    ['', 'CW_XML_NO_ROOT', 1],
    ['<a/><b/>', 'CW_XML_SYNTAX', 1],
    ['<a\n\n x="1', 'CW_XML_TRUNCATED', 1],
  ])('reports %j as %s at line %i', (xml, code, line) => {
    const { diagnostics } = tokenize(xml);
    expect(diagnostics[0]).toMatchObject({ code, severity: 'error', file: 't.xml', line });
  });

  it('bounds token length and nesting depth', () => {
    const long = `<a b="${'x'.repeat(70_000)}"/>`;
    expect(tokenize(long, 4096).diagnostics[0]?.code).toBe('CW_XML_TOKEN_TOO_LONG');
    const deep = '<a>'.repeat(300) + '</a>'.repeat(300);
    expect(tokenize(deep).diagnostics[0]?.code).toBe('CW_XML_TOO_DEEP');
  });

  it('handles a BOM and CRLF line ends', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encodeUtf8('<?xml version="1.0"?>\r\n<a>\r\n<b c="d"/>\r\n</a>\r\n')]);
    const { events, diagnostics } = tokenize(bytes);
    expect(diagnostics).toEqual([]);
    expect(events).toEqual(['<a>@2', '<b c=d>@3', '</b>', '</a>']);
  });
});

describe('XmlTokenizer attributes read in place', () => {
  /** Runs `read` on every open tag and collects what it returns. */
  function readAll(xml: string, read: (name: string, attrs: XmlAttributes) => unknown, chunkSize = Infinity) {
    const out: unknown[] = [];
    const t = new XmlTokenizer({ openTag: (name, attrs) => out.push(read(name, attrs)), closeTag() {} }, new DiagnosticSink('t.xml'), { maxTokenLength: 1 << 16 });
    const bytes = encodeUtf8(xml);
    const step = Number.isFinite(chunkSize) ? chunkSize : bytes.length;
    for (let i = 0; i < bytes.length; i += step) t.write(bytes.subarray(i, i + step));
    t.end();
    return out;
  }

  it('uint reads non-negative integers without a string: -2 absent, -1 not an integer', () => {
    const xml = '<a n="42" z="0" big="9007199254740991" ref="&#49;&#x32;" neg="-1" frac="1.5" sp=" 1" empty="" word="x" amp="&amp;"/>';
    const names = ['n', 'z', 'big', 'ref', 'neg', 'frac', 'sp', 'empty', 'word', 'amp', 'missing'];
    expect(readAll(xml, (_, a) => names.map((n) => a.uint(n)))).toEqual([[42, 0, 9007199254740991, 12, -1, -1, -1, -1, -1, -1, -2]]);
  });

  it('get, uint, nameAt and valueAt agree in any reading order, across chunk boundaries', () => {
    const xml = `<r>${'<line nr="7" mi="0" ci="3" mb="1" cb="2"/>'.repeat(3)}<x b="&lt;b&gt;" a='1' a="2"/></r>`;
    const read = (name: string, a: XmlAttributes) =>
      name === 'line'
        ? [a.uint('cb'), a.uint('nr'), a.get('ci'), a.uint('mb'), a.uint('mi'), a.uint('nr'), a.count, a.nameAt(4), a.valueAt(4), a.nameAt(5), a.valueAt(-1)]
        : name === 'x'
          ? [a.get('b'), a.get('a'), a.uint('a'), a.count]
          : null;
    const expected = [null, ...Array(3).fill([2, 7, '3', 1, 0, 7, 5, 'cb', '2', '', '']), ['<b>', '1', 1, 3]];
    for (const size of [Infinity, 1, 5, 13]) expect(readAll(xml, read, size)).toEqual(expected);
  });

  it('reports the right line for every tag of one-line and many-line documents, in any chunking', () => {
    const oneLine = `<r>${'<a x="1"/>'.repeat(500)}</r>`;
    const manyLines = `<r>\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i % 7)}<a i="${i}"/>\n`).join('')}</r>`;
    for (const size of [Infinity, 1, 7, 4096]) {
      const lines1 = readAll(oneLine, () => 0, size);
      expect(lines1).toHaveLength(501);
      const t1: number[] = [];
      const t2: number[] = [];
      for (const [xml, acc] of [[oneLine, t1], [manyLines, t2]] as const) {
        const t: XmlTokenizer = new XmlTokenizer({ openTag: () => acc.push(t.line), closeTag() {} }, new DiagnosticSink(undefined), { maxTokenLength: 1 << 16 });
        const bytes = encodeUtf8(xml);
        const step = Number.isFinite(size) ? size : bytes.length;
        for (let i = 0; i < bytes.length; i += step) t.write(bytes.subarray(i, i + step));
        t.end();
      }
      expect(t1.every((l) => l === 1)).toBe(true);
      expect(t2).toEqual([1, ...Array.from({ length: 300 }, (_, i) => i + 2)]);
    }
  });

  it('skipWhitespaceText drops indentation runs but keeps real text whole', () => {
    const xml = '<r>\n  <Name>  A::B()  </Name>\n  <Name>x&amp;y</Name>\n</r>';
    const texts: string[] = [];
    const t = new XmlTokenizer({ openTag() {}, closeTag() {}, text: (s) => texts.push(s) }, new DiagnosticSink(undefined), { maxTokenLength: 1 << 16, skipWhitespaceText: true });
    t.write(encodeUtf8(xml));
    t.end();
    expect(texts).toEqual(['  A::B()  ', 'x&y']);
  });

  it('closing tags get the opening tag\'s name; a mismatch still names both', () => {
    const closed: string[] = [];
    const t = new XmlTokenizer({ openTag() {}, closeTag: (n) => closed.push(n) }, new DiagnosticSink(undefined), { maxTokenLength: 1 << 16 });
    t.write(encodeUtf8('<a><bb></bb ><b/></a>'));
    t.end();
    expect(closed).toEqual(['bb', 'b', 'a']);
    const sink = new DiagnosticSink('t.xml');
    const u = new XmlTokenizer({ openTag() {}, closeTag() {} }, sink, { maxTokenLength: 1 << 16 });
    u.write(encodeUtf8('<a><bb></b></a>'));
    u.end();
    expect(sink.items[0]!.message).toBe('expected </bb>, found </b>');
  });
});

describe('XmlTokenizer byte scanning', () => {
  /** Collects `read(name, attrs)` for every open tag, and every text, feeding `chunkSize`-byte chunks. */
  function collect(xml: string | Uint8Array, read: (name: string, attrs: XmlAttributes) => unknown, chunkSize = Infinity) {
    const out: unknown[] = [];
    const sink = new DiagnosticSink('t.xml');
    const t = new XmlTokenizer({ openTag: (name, attrs) => out.push(read(name, attrs)), closeTag() {}, text: (s) => out.push(`#${s}`) }, sink, { maxTokenLength: 1 << 16, skipWhitespaceText: true });
    const bytes = typeof xml === 'string' ? encodeUtf8(xml) : xml;
    const step = Number.isFinite(chunkSize) ? chunkSize : bytes.length || 1;
    for (let i = 0; i < bytes.length; i += step) t.write(bytes.subarray(i, i + step));
    t.end();
    return { out, diagnostics: sink.finish() };
  }

  it('is() compares values in place, entities and non-ASCII included', () => {
    const xml = '<a t="stmt" e="a&amp;b" u="é" r="&#65;" empty=""/>';
    const read = (_: string, a: XmlAttributes) => [
      a.is('t', 'stmt'), a.is('t', 'stm'), a.is('t', 'stmts'), a.is('t', 'cond'),
      a.is('e', 'a&b'), a.is('e', 'a&amp;b'), a.is('u', 'é'), a.is('u', 'e'), a.is('r', 'A'),
      a.is('empty', ''), a.is('missing', ''), a.is('missing', 'x'),
      a.has('empty'), a.has('u'), a.has('missing'),
    ];
    for (const size of [Infinity, 1, 3]) {
      expect(collect(xml, read, size).out).toEqual([[true, false, false, false, true, false, true, false, true, true, false, false, true, true, false]]);
    }
  });

  it('finds attributes with non-ASCII names, and names that differ only inside', () => {
    const xml = '<a aéb="1" ab="2" axb="3" ayb="4" ü="5" é="6"/>';
    const read = (_: string, a: XmlAttributes) => [a.get('aéb'), a.get('ab'), a.uint('ayb'), a.get('axb'), a.get('ü'), a.uint('é'), a.get('azb'), a.nameAt(0)];
    for (const size of [Infinity, 1, 2]) expect(collect(xml, read, size).out).toEqual([['1', '2', 4, '3', '5', 6, undefined, 'aéb']]);
  });

  it('decodes UTF-8 names, values and text split across chunks', () => {
    const xml = '\uFEFF<é a="ü€𝄞"><b>ß 𝄞 x</b></é>';
    const read = (name: string, a: XmlAttributes) => `${name}:${a.count ? a.get('a') : ''}`;
    for (const size of [Infinity, 1, 2, 3, 5]) {
      const { out, diagnostics } = collect(xml, read, size);
      expect(diagnostics).toEqual([]);
      expect(out).toEqual(['é:ü€𝄞', 'b:', '#ß 𝄞 x']);
    }
  });

  it('gives the same string object for a repeated tag name, also past the name table limits', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `n${i}`);
    const xml = `<r>${names.map((n) => `<${n}/><${n} a="1"></${n}>`).join('')}<line/><line/></r>`;
    const seen: string[] = [];
    const { diagnostics } = collect(xml, (name) => seen.push(name));
    expect(diagnostics).toEqual([]);
    expect(seen).toEqual(['r', ...names.flatMap((n) => [n, n]), 'line', 'line']);
    expect(seen[seen.length - 1]).toBe(seen[seen.length - 2]);
  });

  it('reads many distinct short values right (value cache collisions)', () => {
    const xml = `<r>${Array.from({ length: 3000 }, (_, i) => `<v x="${(i * 7919) % 5003}" y="k${i % 37}"/>`).join('')}</r>`;
    const { out } = collect(xml, (name, a) => (name === 'v' ? `${a.get('x')}|${a.get('y')}|${a.get('x')}` : null));
    expect(out.slice(1)).toEqual(Array.from({ length: 3000 }, (_, i) => `${(i * 7919) % 5003}|k${i % 37}|${(i * 7919) % 5003}`));
  });

  it('counts lines right in long pretty-printed and one-line documents, whatever the chunking', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i % 13)}<a i="${i}"${i % 5 === 0 ? '\n   j="x"' : ''}/>${i % 3 === 0 ? '\r\n' : '\n'}`);
    const xml = `<r>\n${rows.join('')}</r>`;
    const expected: number[] = [];
    let line = 2;
    for (const row of rows) {
      expected.push(line);
      line += row.split('\n').length - 1;
    }
    for (const size of [Infinity, 1, 3, 4, 61, 4096]) {
      const lines: number[] = [];
      const t: XmlTokenizer = new XmlTokenizer({ openTag: (n) => n === 'a' && lines.push(t.line), closeTag() {} }, new DiagnosticSink(undefined), { maxTokenLength: 1 << 16 });
      const bytes = encodeUtf8(xml);
      const step = Number.isFinite(size) ? size : bytes.length;
      for (let i = 0; i < bytes.length; i += step) t.write(bytes.subarray(i, i + step));
      t.end();
      expect(lines).toEqual(expected);
    }
  });

  it('stays well-formed on tags cut anywhere, and reports truncation', () => {
    const xml = '<r><a b="1" c = \'2\'>t&amp;x</a><!-- c --><?pi x?><![CDATA[d]]></r>';
    const whole = collect(xml, (n, a) => `${n}:${a.get('b') ?? ''}${a.get('c') ?? ''}`).out;
    expect(whole).toEqual(['r:', 'a:12', '#t&x', '#d']);
    for (let cut = 1; cut < xml.length; cut++) {
      const { diagnostics } = collect(xml.slice(0, cut), () => 0, 2);
      // (A cut inside "<!--" or "<![CDATA[" leaves markup that is not XML: a syntax error.)
      const expected = /<!-?$|<!\[[A-Z]*$/.test(xml.slice(0, cut)) ? 'CW_XML_SYNTAX' : 'CW_XML_TRUNCATED';
      expect(diagnostics.map((d) => d.code)).toEqual([expected]);
    }
  });
});

describe('XmlTokenizer: long text in small chunks', () => {
  it('reports the same text whatever the chunking (the resumed search for "<" keeps its place across writes)', () => {
    const xml = `<a><b>${'x'.repeat(5000)}</b>${'y'.repeat(3000)}<c/></a>`;
    const whole = tokenize(xml, Infinity, true).events;
    for (const size of [1, 3, 16, 1000]) {
      const ev = tokenize(xml, size, true).events;
      expect(ev.filter((e) => !e.startsWith('#'))).toEqual(whole.filter((e) => !e.startsWith('#')));
      expect(ev.filter((e) => e.startsWith('#')).join('')).toEqual(whole.filter((e) => e.startsWith('#')).join(''));
    }
  });
});

describe('XmlTokenizer open elements', () => {
  it('include the element being reported, self-closing or not, and only while it is open', () => {
    const seen: string[] = [];
    const t: XmlTokenizer = new XmlTokenizer(
      { openTag: (n) => seen.push(`<${n} ${t.openElements.join('/')}`), closeTag: (n) => seen.push(`</${n} ${t.openElements.join('/')}`) },
      new DiagnosticSink('t.xml'),
      { maxTokenLength: 1 << 16 },
    );
    t.write(encodeUtf8('<r><file><metrics a="1"/><line/></file><x></x></r>'));
    t.end();
    expect(seen).toEqual([
      '<r r', '<file r/file', '<metrics r/file/metrics', '</metrics r/file', '<line r/file/line', '</line r/file', '</file r', '<x r/x', '</x r', '</r ',
    ]);
  });
});
