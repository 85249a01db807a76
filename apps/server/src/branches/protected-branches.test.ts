import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveProtected, isProtectedBranch, protectedPatternProblem } from './protected-branches.js';

describe('protected branches', () => {
  it('names, * within a segment, ** across segments; nothing else is syntax', () => {
    const p = ['main', 'release/*', 'hotfix/**', 'v*.x', 'a.b+c'];
    for (const b of ['main', 'release/1.0', 'hotfix/x', 'hotfix/x/y', 'v1.x', 'v12.x', 'a.b+c']) expect(isProtectedBranch(b, p), b).toBe(true);
    for (const b of ['mainline', 'feature/main', 'release/1.0/rc', 'release', 'v1.y', 'aXb+c', 'contributor:main', 'Main']) expect(isProtectedBranch(b, p), b).toBe(false);
    // `**` also matches no segment at all.
    expect(isProtectedBranch('hotfix', p)).toBe(true);
  });

  it('defaults: the list, else the default branch, else main and master', () => {
    expect(effectiveProtected(['trunk'], 'main')).toEqual(['trunk']);
    expect(effectiveProtected([], 'main')).toEqual([]);
    expect(effectiveProtected(null, 'develop')).toEqual(['develop']);
    expect(effectiveProtected(null, null)).toEqual(['main', 'master']);
  });

  it('refuses unusable patterns by name', () => {
    expect(protectedPatternProblem('')).toBe('a pattern is empty');
    expect(protectedPatternProblem('a//b')).toMatch(/empty segment/);
    expect(protectedPatternProblem('a\nb')).toMatch(/control characters/);
    expect(protectedPatternProblem('*'.repeat(9))).toMatch(/more than 8 wildcards/);
    expect(protectedPatternProblem('release/*')).toBeNull();
  });

  it('a pattern without wildcards matches exactly itself', () => {
    const segment = fc.stringMatching(/^[a-z0-9._+-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.array(segment, { minLength: 1, maxLength: 4 }), (a, b) => {
        expect(isProtectedBranch(b.join('/'), [a.join('/')])).toBe(a.join('/') === b.join('/'));
      }),
    );
  });

  it('* agrees with a reference regular expression within one segment', () => {
    const piece = fc.constantFrom('a', 'b', '*');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.stringMatching(/^[ab]{0,8}$/), (pat, text) => {
        const p = pat.join('');
        const re = new RegExp(`^${p.replace(/\*/g, '[^/]*')}$`);
        expect(isProtectedBranch(text || 'x', [p])).toBe(re.test(text || 'x'));
      }),
    );
  });
});
