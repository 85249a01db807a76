import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, type ParseOutcome } from '../../index.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { IstanbulEntryBytes } from './entry-bytes.js';
import { createIstanbulJsonParser } from './parse.js';
import { outcomeSnapshot, parseInChunks } from '../../../test/comparable.js';

const LIMITS = { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6 };

function parse(bytes: Uint8Array, fastPath: boolean, chunk: number, limits = LIMITS): ParseOutcome {
  const p = createIstanbulJsonParser({ fileName: 'coverage-final.json', limits }, fastPath);
  return parseInChunks(p, bytes, chunk);
}


// Documents are written as text, member by member, so ids can come out of order or twice and
// whitespace can go anywhere (JSON.stringify of an object would sort integer keys and repeat none).
type Member = [string, string];
const obj = (members: readonly Member[], sp: string) => `{${sp}${members.map(([k, v]) => `${JSON.stringify(k)}${sp}:${sp}${v}`).join(`,${sp}`)}${sp}}`;

const num = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 12 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1001', '1000000', '1000001', '0', '-1', '1.5', '2e0', 'null', '"3"', '12345678901234567', '01', 'true') },
);
const line = fc.oneof({ weight: 40, arbitrary: fc.integer({ min: 1, max: 12 }).map(String) }, { weight: 1, arbitrary: num });
const sp = fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\n  ', '\r\n') });
/** Mostly nothing, sometimes one of `rare`. */
const seldom = (rare: Member[][]) => fc.oneof({ weight: 30, arbitrary: fc.constant<Member[]>([]) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
const position = fc.tuple(line, num, fc.boolean()).map(([l, c, noColumn]): Member[] => (noColumn ? [['line', l]] : [['line', l], ['column', c]]));
const location = fc
  .tuple(position, position, seldom([[['skip', 'true']], [['extra', '{"a":[1,{"b":null}]}']], [['start', 'null']]]), sp)
  .map(([s, e, extra, w]) => obj([['start', obj(s, w)], ['end', obj(e, w)], ...extra], w));
const id = fc.oneof({ weight: 60, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('01', 'a', '1000000000', '-1') });
const name = fc.oneof({ weight: 20, arbitrary: fc.constantFrom('"f"', '"(anonymous_1)"', '"a\\"b"', '"ünï"', '"\\u00e9t\\u00e9"') }, { weight: 1, arbitrary: fc.constantFrom('7', 'null') });
const fnMeta = fc
  .tuple(name, location, location, fc.option(line), seldom([[['skip', 'true']], [['decl', 'null']]]), sp)
  .map(([n, decl, loc, l, extra, w]) => obj([['name', n], ['decl', decl], ['loc', loc], ...(l === null ? [] : [['line', l] as Member]), ...extra], w));
const branchMeta = fc
  .tuple(fc.option(line), location, fc.array(location, { maxLength: 3 }), fc.constantFrom('"if"', '"switch"', '"binary-expr"'), sp)
  .map(([l, loc, locations, type, w]) => obj([['loc', loc], ['type', type], ['locations', `[${locations.join(',')}]`], ...(l === null ? [] : [['line', l] as Member])], w));
/**
 * A map and its counts over the same ids, in any order, an id now and then repeated, and rarely one
 * side missing an id (a count without a location is an error for the general reader).
 */
const paired = (meta: fc.Arbitrary<string>, count: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(fc.tuple(id, meta, count, fc.oneof({ weight: 40, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2) })), { maxLength: 6 }), sp)
    .map(([items, w]) => [obj(items.filter((i) => i[3] !== 1).map(([k, m]) => [k, m]), w), obj(items.filter((i) => i[3] !== 2).map(([k, , c]) => [k, c]), w)] as const);
const counts = fc.array(num, { maxLength: 4 }).map((ns) => `[${ns.join(',')}]`);

const entry = fc
  .tuple(
    fc.oneof({ weight: 10, arbitrary: fc.constantFrom('"/src/a.js"', '"/src/b.js"', '"d\\\\e.js"', '"ü.js"') }, { weight: 1, arbitrary: fc.constantFrom('""', '3') }),
    paired(location, num),
    paired(fnMeta, num),
    paired(branchMeta, counts),
    fc.oneof(
      { weight: 10, arbitrary: fc.shuffledSubarray(['path', 'statementMap', 's', 'fnMap', 'f', 'branchMap', 'b', '_coverageSchema', 'hash', 'inputSourceMap', 'all'], { minLength: 11 }) },
      // A map missing or repeated, an old istanbul `data` wrapper.
      { weight: 1, arbitrary: fc.shuffledSubarray(['path', 'statementMap', 's', 'fnMap', 'f', 'branchMap', 'b', 'hash', 'data', 's'], { minLength: 5 }) },
    ),
    sp,
  )
  .map(([p, [sm, s], [fm, f], [bm, b], keys, w]) => {
    const values: Record<string, string> = { path: p, statementMap: sm, s, fnMap: fm, f, branchMap: bm, b, _coverageSchema: '"1a1c"', hash: '"abc"', inputSourceMap: '{"version":3,"sources":["a.ts"],"names":[],"x":[[1,2],{}]}', data: '{}', all: 'false' };
    return obj(
      keys.map((k) => [k, values[k]!]),
      w,
    );
  });

const document = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom('/src/a.js', '/src/b.js', '/src/c.js', 'x\\y.js'), entry), { maxLength: 4 }), sp)
  .map(([entries, w]) => `${w}{${w}${entries.map(([k, v]) => `${JSON.stringify(k)}:${w}${v}`).join(`,${w}`)}${w}}${w}`);

/** A document with one byte changed, dropped or doubled: mostly invalid JSON, sometimes another value. */
const mutated = fc.tuple(document, fc.nat(), fc.constantFrom('drop', 'double', '"', '}', ',', '1', 'x')).map(([doc, at, how]) => {
  const i = doc.length === 0 ? 0 : at % doc.length;
  if (how === 'drop') return doc.slice(0, i) + doc.slice(i + 1);
  if (how === 'double') return doc.slice(0, i + 1) + doc.slice(i);
  return doc.slice(0, i) + how + doc.slice(i + 1);
});

describe('istanbul JSON fast path (entries read from their bytes)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives exactly what the general path gives (report and diagnostics), whatever the chunks', () => {
    const commit = vi.spyOn(IstanbulEntryBytes.prototype, 'commit');
    fc.assert(
      fc.property(fc.oneof(document, mutated), fc.integer({ min: 1, max: 97 }), (text, chunk) => {
        const bytes = encodeUtf8(text);
        const general = outcomeSnapshot(parse(bytes, false, bytes.length + 1));
        expect(outcomeSnapshot(parse(bytes, true, bytes.length + 1))).toEqual(general);
        expect(outcomeSnapshot(parse(bytes, true, chunk))).toEqual(general);
      }),
      { numRuns: 600 },
    );
    // The generated entries are not all left to the general reader (which would prove nothing).
    expect(commit.mock.calls.length).toBeGreaterThan(100);
  });

  it('reads every entry of the real nyc and c8 reports itself, and agrees with the general path on them', () => {
    const commit = vi.spyOn(IstanbulEntryBytes.prototype, 'commit');
    for (const dir of ['js-qs-nyc-istanbul-json', 'js-express-c8-istanbul-json']) {
      const bytes = new Uint8Array(readFileSync(path.join(fixturesDir(), dir, 'coverage-final.json')));
      const entries = Object.keys(JSON.parse(new TextDecoder().decode(bytes)) as object).length;
      commit.mockClear();
      const fast = parse(bytes, true, 65536, DEFAULT_LIMITS);
      expect(commit).toHaveBeenCalledTimes(entries);
      expect(outcomeSnapshot(fast)).toEqual(outcomeSnapshot(parse(bytes, false, bytes.length, DEFAULT_LIMITS)));
    }
  });

  it('leaves to the general reader what it does not take, so its diagnostics stay the same', () => {
    const commit = vi.spyOn(IstanbulEntryBytes.prototype, 'commit');
    const clean = '{"path":"a.js","statementMap":{"0":{"start":{"line":1,"column":0},"end":{"line":1,"column":5}}},"s":{"0":1},"fnMap":{},"f":{},"branchMap":{},"b":{}}';
    const doc = `{"a.js":${clean},\n"b.js":${clean.replace('"a.js"', '"b.js"').replace('"0":1}', '"0":1.5}')},\n"c.js":${clean.replace('"a.js"', '"c.js"').replace('"line":1,', '"line":0,')}}`;
    const r = parse(encodeUtf8(doc), true, 16);
    expect(commit).toHaveBeenCalledTimes(1);
    expect(r.report.files.map((f) => f.path)).toEqual(['a.js', 'b.js', 'c.js']);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_LINE_INVALID', undefined]]);
  });

  it('leaves no count of an entry it gave up on to the next entry', () => {
    // (A random run of the property above found it: "01" makes the byte reader give up after it
    // stored the count of "0", and the next entry has a location "0" without a count.)
    const loc = (l: number) => `{"start":{"line":${l},"column":0},"end":{"line":${l},"column":9}}`;
    const fn = (l: number) => `{"name":"f${l}","decl":${loc(l)},"loc":${loc(l)}}`;
    const entry = (p: string, st: string, s: string, fm: string, f: string) => `"${p}":{"path":"${p}","statementMap":{${st}},"s":{${s}},"fnMap":{${fm}},"f":{${f}},"branchMap":{},"b":{}}`;
    const doc = `{${[
      entry('a.js', `"0":${loc(1)}`, '"0":4,"01":1', '', ''),
      entry('b.js', `"0":${loc(5)},"1":${loc(6)}`, '"1":2', '', ''),
      entry('c.js', '', '', `"0":${fn(1)}`, '"0":3,"01":1'),
      entry('d.js', '', '', `"0":${fn(7)},"1":${fn(8)}`, '"1":0'),
    ].join(',')}}`;
    const bytes = encodeUtf8(doc);
    const general = parse(bytes, false, bytes.length);
    const file = (p: string) => general.report.files.find((f) => f.path === p)!;
    expect([...file('b.js').lineNumbers]).toEqual([6]);
    expect(file('d.js').functions).toEqual([{ name: 'f8', line: 8, endLine: 8, hits: 0 }]);
    for (const chunk of [bytes.length, 7]) expect(outcomeSnapshot(parse(bytes, true, chunk))).toEqual(outcomeSnapshot(general));
  });
});
