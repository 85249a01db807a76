import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, matchGlob } from './glob.js';

describe('ignore globs', () => {
  it.each([
    // pattern, path, matches
    ['*.pb.go', 'x.pb.go', true],
    ['*.pb.go', 'a/b/x.pb.go', true],
    ['*.pb.go', 'x.pb.go.txt', false],
    ['*.pb.go', 'xpb.go', false],
    // No slash: any depth, and everything beneath a matching directory.
    ['vendor', 'vendor', true],
    ['vendor', 'vendor/a.c', true],
    ['vendor', 'a/vendor/b/c.c', true],
    ['vendor', 'vendors/a.c', false],
    ['vendor', 'a/myvendor/c.c', false],
    // Trailing slash or /**: only beneath the directory.
    ['vendor/', 'vendor/a.c', true],
    ['vendor/', 'a/vendor/a.c', true],
    ['vendor/', 'vendor', false],
    ['vendor/**', 'vendor/a/b.c', true],
    ['vendor/**', 'vendor', false],
    ['vendor/**', 'a/vendor/b.c', false],
    // A slash at the start or in the middle anchors at the repository root.
    ['/vendor', 'vendor/a.c', true],
    ['/vendor', 'a/vendor/a.c', false],
    ['src/*.c', 'src/a.c', true],
    ['src/*.c', 'src/x/a.c', false],
    ['src/*.c', 'lib/src/a.c', false],
    ['./src/*.c', 'src/a.c', true],
    // ** across segments.
    ['**/x.c', 'x.c', true],
    ['**/x.c', 'a/b/x.c', true],
    ['src/**/gen/*.c', 'src/gen/a.c', true],
    ['src/**/gen/*.c', 'src/a/b/gen/a.c', true],
    ['src/**/gen/*.c', 'src/a/b/gen/x/a.c', false],
    ['src/**/gen/*.c', 'lib/src/gen/a.c', false],
    ['**/test_*.py', 'tests/unit/test_core.py', true],
    ['**/test_*.py', 'tests/unit/core_test.py', false],
    ['**', 'anything/at/all', true],
    ['**/**/**/a', 'x/y/a', true],
    // * and ? within one segment.
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYYc', true],
    ['a*b*c', 'aXbYYcd', false],
    ['a?.c', 'ab.c', true],
    ['a?.c', 'a.c', false],
    ['a?.c', 'abc.c', false],
    ['a?.c', 'a\u{1f600}.c', true],
    ['a**b', 'aXYb', true],
    ['a**b', 'aX/Yb', false],
    ['*', 'a/b/c', true],
    // Everything else is literal: no regex injection.
    ['a.c', 'abc', false],
    ['a.c', 'a.c', true],
    ['(a|b).c', 'a.c', false],
    ['(a|b).c', '(a|b).c', true],
    ['[ab].c', 'a.c', false],
    ['[ab].c', '[ab].c', true],
    ['{a,b}.c', '{a,b}.c', true],
    ['a+$^.c', 'a+$^.c', true],
    ['.*/tests/.*', 'src/tests/x.py', false],
    // Backslashes are separators, as in paths; NFC both sides.
    ['src\\gen\\*.c', 'src/gen/a.c', true],
    ['cafe\u0301/*', 'caf\u00e9/x', true],
  ])('%j vs %j -> %s', (pattern, path, expected) => {
    expect(matchGlob(pattern, path)).toBe(expected);
  });

  it.each([[''], ['!vendor'], ['../x'], ['a/../b'], ['a\0b'], ['/'], ['x'.repeat(2000)]])('rejects %j', (pattern) => {
    const c = compileGlob(pattern);
    expect(c.ok).toBe(false);
    expect(matchGlob(pattern, 'x')).toBe(false);
  });

  it('reports anchoring', () => {
    expect(compileGlob('src/*.c')).toMatchObject({ ok: true, glob: { anchored: true, source: 'src/*.c' } });
    expect(compileGlob('*.c')).toMatchObject({ ok: true, glob: { anchored: false } });
    expect(compileGlob('vendor/')).toMatchObject({ ok: true, glob: { anchored: false } });
  });

  it('stays fast on adversarial patterns', () => {
    const longPath = Array.from({ length: 2000 }, (_, i) => `d${i % 7}`).join('/') + '/b';
    const longSeg = 'a'.repeat(4000);
    const t0 = Date.now();
    expect(matchGlob('**/**/**/**/**/**/**/a', longPath)).toBe(false);
    expect(matchGlob('/' + Array.from({ length: 60 }, () => '**/d1').join('/') + '/**/a', longPath)).toBe(false);
    expect(matchGlob('*a*a*a*a*a*a*a*a*a*a*b', longSeg)).toBe(false);
    expect(matchGlob('**/' + '*a'.repeat(200) + 'b', `x/${longSeg}/${longSeg}`)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  // An independent reference: the same syntax compiled to a regular expression (fine for short inputs).
  function reference(pattern: string, path: string): boolean {
    const p = pattern.replace(/\\/g, '/');
    const segs = p.split('/').filter((s) => s !== '' && s !== '.');
    const anchored = p.replace(/\/+$/, '').includes('/');
    let dirOnly = p.endsWith('/');
    if (segs.length > 1 && segs[segs.length - 1] === '**') {
      segs.pop();
      dirOnly = true;
    }
    const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    let re = anchored ? '' : '(?:[^/]+/)*';
    for (const s of segs) {
      if (s === '**') re += '(?:[^/]+/)*';
      else re += Array.from(s).map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : esc(c))).join('') + '/';
    }
    re += dirOnly ? '[^/]+/(?:[^/]+/)*' : '(?:[^/]+/)*';
    return new RegExp(`^${re}$`, 'u').test(path + '/');
  }

  it('agrees with a regular-expression reference', () => {
    const seg = fc.array(fc.constantFrom('a', 'b', '*', '?', '**'), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
    const pattern = fc
      .tuple(fc.boolean(), fc.array(seg, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '/', '/**'))
      .map(([lead, segs, tail]) => (lead ? '/' : '') + segs.join('/') + tail);
    const path = fc.array(fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 3 }).map((a) => a.join('')), { minLength: 1, maxLength: 6 }).map((a) => a.join('/'));
    fc.assert(
      fc.property(pattern, path, (pat, p) => {
        expect(matchGlob(pat, p)).toBe(reference(pat, p));
      }),
      { numRuns: 5000 },
    );
  });
});
