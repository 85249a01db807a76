import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePath } from './normalize.js';

const codes = (raw: string) => normalizePath(raw).problems.map((p) => p.code);

describe('normalizePath', () => {
  it.each([
    // [input, path, absolute]
    ['/home/runner/work/gcc-cjson/cJSON.c', 'home/runner/work/gcc-cjson/cJSON.c', true],
    ['C:\\a\\repo\\src\\x.cs', 'a/repo/src/x.cs', true],
    ['c:/a/repo/src/x.cs', 'a/repo/src/x.cs', true],
    ['C:\\a/mixed\\x.cs', 'a/mixed/x.cs', true],
    ['./lib/x.js', 'lib/x.js', false],
    ['src//a.py', 'src/a.py', false],
    ['src\\sub\\a.py', 'src/sub/a.py', false],
    ['.\\src\\a.py', 'src/a.py', false],
    ['\\\\server\\share\\repo\\x.c', 'repo/x.c', true],
    ['\\\\?\\C:\\repo\\x.c', 'repo/x.c', true],
    ['\\\\?\\UNC\\server\\share\\repo\\x.c', 'repo/x.c', true],
    ['file:///home/u/a%20b/x.c', 'home/u/a b/x.c', true],
    ['file:///C:/a/x.c', 'a/x.c', true],
    ['FILE://localhost/x.c', 'x.c', true],
    ['file:///caf%C3%A9.c', 'café.c', true],
    ['file:///bad%zz.c', 'bad%zz.c', true],
    ['a/b/../c', 'a/c', false],
    ['a/./b/.', 'a/b', false],
    ['./C:/x', 'x', true],
    ['name/fraser/neil/plaintext/diff_match_patch.java', 'name/fraser/neil/plaintext/diff_match_patch.java', false],
    ['github.com/spf13/pflag/flag.go', 'github.com/spf13/pflag/flag.go', false],
    ['\ufeffsrc/a.c\r\n', 'src/a.c', false],
    ['\ufeff\ufeffsrc/a.c\r', 'src/a.c', false],
    ['a b/c d.c', 'a b/c d.c', false],
    ['a:b/c', 'a:b/c', false],
  ])('%j -> %j', (input, path, absolute) => {
    const n = normalizePath(input);
    expect(n.path).toBe(path);
    expect(n.absolute).toBe(absolute);
    expect(n.problems).toEqual([]);
  });

  it('drops .. segments that climb above the root and says so', () => {
    expect(normalizePath('../src/x.c')).toMatchObject({ path: 'src/x.c', absolute: false });
    expect(codes('../src/x.c')).toEqual(['CW_PATH_ESCAPES_ROOT']);
    expect(normalizePath('/../../etc/passwd').path).toBe('etc/passwd');
    expect(normalizePath('a/../../b').path).toBe('b');
    expect(normalizePath('C:\\..\\..\\x').path).toBe('x');
  });

  it.each([
    ['', 'CW_PATH_EMPTY'],
    ['/', 'CW_PATH_EMPTY'],
    ['.', 'CW_PATH_EMPTY'],
    ['./', 'CW_PATH_EMPTY'],
    ['C:\\', 'CW_PATH_EMPTY'],
    ['\ufeff\r\n', 'CW_PATH_EMPTY'],
    ['a\0b.c', 'CW_PATH_NUL'],
    ['file:///a%00b.c', 'CW_PATH_NUL'],
  ])('rejects %j (%s)', (input, code) => {
    const n = normalizePath(input);
    expect(n.path).toBeNull();
    expect(n.problems.map((p) => p.code)).toContain(code);
  });

  it('rejects paths over the length limit before doing any work', () => {
    expect(normalizePath('a/'.repeat(3000)).problems.map((p) => p.code)).toEqual(['CW_PATH_TOO_LONG']);
    expect(normalizePath('abcdef', { maxLength: 5 }).path).toBeNull();
    expect(normalizePath('abcde', { maxLength: 5 }).path).toBe('abcde');
  });

  it('keeps U+FFFD and lone surrogates (as U+FFFD) but flags them', () => {
    expect(normalizePath('src/caf\ufffd.c')).toMatchObject({ path: 'src/caf\ufffd.c' });
    expect(codes('src/caf\ufffd.c')).toEqual(['CW_PATH_INVALID_UNICODE']);
    expect(normalizePath('src/\ud800x.c').path).toBe('src/\ufffdx.c');
    expect(normalizePath('src/\udc00.c').path).toBe('src/\ufffd.c');
    expect(normalizePath('src/\ud83d\ude00.c')).toMatchObject({ path: 'src/\ud83d\ude00.c', problems: [] });
  });

  it('keeps control characters but flags them', () => {
    expect(normalizePath('a\tb.c')).toMatchObject({ path: 'a\tb.c' });
    expect(codes('a\tb.c')).toEqual(['CW_PATH_CONTROL_CHAR']);
    expect(codes('a\rb.c')).toEqual(['CW_PATH_CONTROL_CHAR']);
  });

  it('composes Unicode (NFD from macOS equals the NFC git stores)', () => {
    expect(normalizePath('cafe\u0301/x.c').path).toBe('caf\u00e9/x.c');
  });

  // Paths built from the characters that matter to normalisation, so the interesting cases are common.
  const pathChars = fc.constantFrom('a', 'b', 'C', ':', '/', '\\', '.', '..', '%', '0', 'f', 'i', 'l', 'e', '?', ' ', '\ufeff', '\r', '\n', '\ufffd', '\ud800', 'e\u0301', 'file://', 'C:\\', '\\\\');
  const arbPath = fc.oneof(fc.array(pathChars, { maxLength: 24 }).map((a) => a.join('')), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 30 }));

  it('is idempotent', () => {
    fc.assert(
      fc.property(arbPath, (raw) => {
        const once = normalizePath(raw);
        if (once.path === null) return;
        const twice = normalizePath(once.path);
        expect(twice.path).toBe(once.path);
        expect(twice.problems.filter((p) => p.code !== 'CW_PATH_INVALID_UNICODE' && p.code !== 'CW_PATH_CONTROL_CHAR')).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('always gives a clean relative path or null', () => {
    fc.assert(
      fc.property(arbPath, (raw) => {
        const n = normalizePath(raw);
        if (n.path === null) {
          expect(n.problems.length).toBeGreaterThan(0);
          return;
        }
        expect(n.path).not.toMatch(/^\//);
        expect(n.path).not.toContain('\\');
        expect(n.path).not.toContain('\0');
        for (const seg of n.path.split('/')) expect(['', '.', '..']).not.toContain(seg);
        expect(n.path.split('/')[0]).not.toMatch(/^[A-Za-z]:$/);
      }),
      { numRuns: 3000 },
    );
  });
});
