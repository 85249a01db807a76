import { describe, expect, it } from 'vitest';
import { applyFixes, parseFix, type PathFix } from './fixes.js';
import { normalizePath } from './normalize.js';

function fixes(...rules: string[]): PathFix[] {
  return rules.map((r) => {
    const p = parseFix(r);
    if (!p.ok) throw new Error(p.error);
    return p.fix;
  });
}

/** Normalises like the resolver does, then applies the fixes. */
function fix(path: string, ...rules: string[]) {
  const r = applyFixes(normalizePath(path).path!, fixes(...rules));
  return { path: r.path, fix: r.fix?.source ?? null };
}

describe('parseFix', () => {
  it.each([
    ['before::after', 'before', 'after'],
    ['::src/main/java', '', 'src/main/java'],
    ['/home/runner/work/gcc-cjson/::', 'home/runner/work/gcc-cjson', ''],
    ['C:\\a\\repo\\::', 'a/repo', ''],
    ['./a//b/::c/./d/', 'a/b', 'c/d'],
    ['/::x', '', 'x'],
  ])('%j -> before %j, after %j', (rule, before, after) => {
    expect(parseFix(rule)).toMatchObject({ ok: true, fix: { source: rule, before, after, notes: [] } });
  });

  it.each([
    ['no-separator', 'has no "::"'],
    ['::', 'changes nothing'],
    ['a::a', 'changes nothing'],
    ['../x::', "'..'"],
    ['x::../y', "'..'"],
    ['a\0b::c', 'NUL'],
  ])('rejects %j', (rule, message) => {
    const r = parseFix(rule);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  it('takes glob characters in before literally, with a note', () => {
    const r = parseFix('src/*/gen::gen');
    expect(r.ok && r.fix.notes.length).toBe(1);
    expect(applyFixes('src/x/gen/a.c', fixes('src/*/gen::gen')).fix).toBeNull();
    expect(applyFixes('src/*/gen/a.c', fixes('src/*/gen::gen')).path).toBe('gen/a.c');
  });
});

describe('applyFixes', () => {
  it('strips an absolute CI build prefix (before::)', () => {
    expect(fix('/home/runner/work/gcc-cjson/cJSON.c', '/home/runner/work/gcc-cjson/::')).toEqual({ path: 'cJSON.c', fix: '/home/runner/work/gcc-cjson/::' });
  });

  it('strips a Windows prefix written either way', () => {
    expect(fix('C:\\a\\repo\\src\\x.cs', 'C:\\a\\repo::').path).toBe('src/x.cs');
    expect(fix('C:\\a\\repo\\src\\x.cs', 'c:/a/repo/::').path).toBe('src/x.cs');
  });

  it('prepends a prefix (::prefix), e.g. for JaCoCo package paths', () => {
    expect(fix('name/fraser/neil/plaintext/diff_match_patch.java', '::src/main/java').path).toBe('src/main/java/name/fraser/neil/plaintext/diff_match_patch.java');
  });

  it('replaces a prefix (before::after), e.g. a Go module path', () => {
    expect(fix('github.com/spf13/pflag/flag.go', 'github.com/spf13/pflag::')).toEqual({ path: 'flag.go', fix: 'github.com/spf13/pflag::' });
    expect(fix('build/gen/a.c', 'build/gen::src/generated').path).toBe('src/generated/a.c');
  });

  it('matches whole segments only', () => {
    expect(fix('srcs/a.c', 'src::lib')).toEqual({ path: 'srcs/a.c', fix: null });
    expect(fix('src/a.c', 'src::lib').path).toBe('lib/a.c');
  });

  it('renames a single file when before is the whole path, and an empty result is null', () => {
    expect(fix('old.c', 'old.c::new.c').path).toBe('new.c');
    expect(fix('a/b.c', 'a/b.c::')).toEqual({ path: null, fix: 'a/b.c::' });
  });

  it('applies only the first matching fix, in order (no chaining)', () => {
    expect(fix('a/x.c', 'a::b', 'b::c')).toEqual({ path: 'b/x.c', fix: 'a::b' });
    expect(fix('a/x.c', 'z::y', '::p', 'a::b')).toEqual({ path: 'p/a/x.c', fix: '::p' });
  });

  it('leaves paths no fix matches alone', () => {
    expect(fix('src/a.c', 'lib::x')).toEqual({ path: 'src/a.c', fix: null });
    expect(applyFixes('src/a.c', [])).toEqual({ path: 'src/a.c', fix: null });
  });
});
