import { describe, expect, it } from 'vitest';
import { BadEntries, describeJson, headStartsWith, isObject, own, quoteKey } from './json-guards.js';

describe('json-guards', () => {
  it('own() never returns Object.prototype members for keys the document lacks', () => {
    const o = JSON.parse('{"a": 1, "__proto__": 2}') as Record<string, unknown>;
    expect(own(o, 'a')).toBe(1);
    expect(own(o, '__proto__')).toBe(2);
    expect(own(o, 'constructor')).toBeUndefined();
    expect(own(o, 'toString')).toBeUndefined();
    expect(own({}, '__proto__')).toBeUndefined();
  });

  it('isObject excludes null and arrays', () => {
    expect([isObject({}), isObject(null), isObject([]), isObject('x')]).toEqual([true, false, false, false]);
  });

  it('describes values briefly and bounds long keys', () => {
    expect(describeJson('x'.repeat(100))).toBe(`a string "${'x'.repeat(40)}…"`);
    expect([describeJson(null), describeJson(undefined), describeJson([]), describeJson(Infinity), describeJson(true), describeJson({})]).toEqual([
      'null', 'nothing', 'an array', 'the number Infinity', 'the boolean true', 'an object',
    ]);
    expect(quoteKey('k'.repeat(500)).length).toBeLessThan(130);
  });

  it('BadEntries counts every bad entry and names the first', () => {
    const b = new BadEntries();
    expect(b.summary('a number')).toBeNull();
    b.add(3, 'x', '.inner[2]');
    b.add('key', null);
    expect(b.summary('a number')).toBe('2 entries are not a number (first: [3].inner[2], a string "x")');
    const k = new BadEntries();
    k.add('a"b', 7);
    expect(k.summary('an object')).toBe('1 entry is not an object (first: ["a\\"b"], the number 7)');
  });

  it('headStartsWith skips whitespace only', () => {
    expect(headStartsWith(' \r\n\t{', '{')).toBe(true);
    expect(headStartsWith('x{', '{')).toBe(false);
    expect(headStartsWith('', '{')).toBe(false);
    expect(headStartsWith('  [', '[')).toBe(true);
  });
});
