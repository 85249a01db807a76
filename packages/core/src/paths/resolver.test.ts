import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPathResolver, type PathResolution } from './resolver.js';

const pick = (r: PathResolution) => {
  switch (r.kind) {
    case 'exact':
    case 'suffix':
      return { kind: r.kind, repoPath: r.repoPath };
    case 'ambiguous':
      return { kind: r.kind, candidates: r.candidates };
    case 'ignored':
      return { kind: r.kind, glob: r.glob };
    case 'unresolved':
      return { kind: r.kind, path: r.path };
    default:
      return { kind: r.kind };
  }
};

describe('createPathResolver: real path shapes', () => {
  const repo = [
    'cJSON.c',
    'cJSON.h',
    'tests/common.h',
    'src/x.cs',
    'lib/x.js',
    'lib/formats.js',
    'src/a.py',
    'src/click/core.py',
    'tests/test_basic.py',
    'src/main/java/name/fraser/neil/plaintext/diff_match_patch.java',
    'flag.go',
    'lib/mustache.rb',
  ];
  const r = createPathResolver(repo);

  it.each([
    ['/home/runner/work/gcc-cjson/cJSON.c', 'suffix', 'cJSON.c'],
    ['/home/runner/work/gcc-cjson/tests/common.h', 'suffix', 'tests/common.h'],
    ['C:\\a\\repo\\src\\x.cs', 'suffix', 'src/x.cs'],
    ['./lib/x.js', 'exact', 'lib/x.js'],
    ['src//a.py', 'exact', 'src/a.py'],
    ['name/fraser/neil/plaintext/diff_match_patch.java', 'suffix', 'src/main/java/name/fraser/neil/plaintext/diff_match_patch.java'],
    ['github.com/spf13/pflag/flag.go', 'suffix', 'flag.go'],
    // istanbul clover name= (basename only) and coverage.py cobertura relative to a <source>.
    ['formats.js', 'suffix', 'lib/formats.js'],
    ['test_basic.py', 'suffix', 'tests/test_basic.py'],
    // SimpleCov keys and nyc lcov are absolute.
    ['/home/runner/work/ruby-mustache/lib/mustache.rb', 'suffix', 'lib/mustache.rb'],
    ['\ufeffsrc/click/core.py\r', 'exact', 'src/click/core.py'],
    ['file:///home/runner/work/x/src/click/core.py', 'suffix', 'src/click/core.py'],
  ])('%j -> %s %j', (input, kind, repoPath) => {
    const res = r.resolve(input);
    expect(pick(res)).toEqual({ kind, repoPath });
    expect(res.target).toBe(repoPath);
    expect(res.input).toBe(input);
  });

  it('says which rule matched', () => {
    expect(r.resolve('lib/x.js').rule).toBe('exact');
    expect(r.resolve('formats.js').rule).toMatch(/report path is the end of exactly one repository path/);
    expect(r.resolve('/home/runner/work/gcc-cjson/cJSON.c').rule).toMatch(/longest tail of the report path/);
  });
});

describe('createPathResolver: matching order', () => {
  it('prefers an exact match to any suffix match', () => {
    const r = createPathResolver(['x.js', 'lib/x.js']);
    expect(pick(r.resolve('x.js'))).toEqual({ kind: 'exact', repoPath: 'x.js' });
    expect(pick(r.resolve('/ci/lib/x.js'))).toEqual({ kind: 'suffix', repoPath: 'lib/x.js' });
  });

  it('prefers repository paths ending with the whole report path to shorter tails', () => {
    const r = createPathResolver(['a.c', 'y/x/src/a.c']);
    expect(pick(r.resolve('x/src/a.c'))).toEqual({ kind: 'suffix', repoPath: 'y/x/src/a.c' });
  });

  it('takes the longest tail of the report path that is a repository path', () => {
    const r = createPathResolver(['util.c', 'lib/util.c']);
    expect(pick(r.resolve('/home/ci/proj/lib/util.c'))).toEqual({ kind: 'suffix', repoPath: 'lib/util.c' });
    expect(pick(r.resolve('/home/ci/proj/util.c'))).toEqual({ kind: 'suffix', repoPath: 'util.c' });
  });

  it('never matches paths that only share a tail, nor partial segments', () => {
    const r = createPathResolver(['src/x/a.c', 'lib/ba.c']);
    expect(pick(r.resolve('build/x/a.c'))).toEqual({ kind: 'unmatched' });
    expect(pick(r.resolve('a.c'))).toEqual({ kind: 'suffix', repoPath: 'src/x/a.c' });
    expect(pick(r.resolve('ba.c'))).toEqual({ kind: 'suffix', repoPath: 'lib/ba.c' });
    expect(pick(r.resolve('x/ba.c'))).toEqual({ kind: 'unmatched' });
  });

  it('lists the candidates of an ambiguous match instead of guessing', () => {
    const r = createPathResolver(['b/index.js', 'a/index.js', 'c/lib/index.js', 'index.ts']);
    const res = r.resolve('index.js');
    expect(pick(res)).toEqual({ kind: 'ambiguous', candidates: ['a/index.js', 'b/index.js', 'c/lib/index.js'] });
    expect(res.kind === 'ambiguous' && res.candidateCount).toBe(3);
    expect(res.target).toBeNull();
    expect(res.rule).toBe('ambiguous: 3 repository paths end with "index.js"; add a fix to choose');
    expect(pick(r.resolve('lib/index.js'))).toEqual({ kind: 'suffix', repoPath: 'c/lib/index.js' });
    // JaCoCo: main and test trees with the same package.
    const j = createPathResolver(['src/main/java/p/A.java', 'src/test/java/p/A.java']);
    expect(pick(j.resolve('p/A.java'))).toEqual({ kind: 'ambiguous', candidates: ['src/main/java/p/A.java', 'src/test/java/p/A.java'] });
  });

  it('caps the candidate list but counts them all', () => {
    const repo = Array.from({ length: 100 }, (_, i) => `pkg${String(i).padStart(3, '0')}/index.js`);
    const res = createPathResolver(repo, { maxCandidates: 5 }).resolve('index.js');
    expect(res.kind === 'ambiguous' && [res.candidates.length, res.candidateCount, res.candidates[0]]).toEqual([5, 100, 'pkg000/index.js']);
  });

  it('applies fixes before matching and names the fix in the rule', () => {
    const r = createPathResolver(['src/main/java/p/A.java', 'src/test/java/p/A.java', 'cJSON.c'], {
      fixes: ['/home/runner/work/gcc-cjson/::', '::src/main/java'],
    });
    const a = r.resolve('p/A.java');
    expect(pick(a)).toEqual({ kind: 'exact', repoPath: 'src/main/java/p/A.java' });
    expect(a).toMatchObject({ fix: '::src/main/java', normalized: 'p/A.java', fixed: 'src/main/java/p/A.java', rule: 'fix "::src/main/java", then exact' });
    expect(r.resolve('/home/runner/work/gcc-cjson/cJSON.c')).toMatchObject({ kind: 'exact', fix: '/home/runner/work/gcc-cjson/::' });
  });

  it('reports a fix that consumes the whole path as invalid', () => {
    const r = createPathResolver(['a.c'], { fixes: ['gen/x.c::'] });
    expect(r.resolve('gen/x.c')).toMatchObject({ kind: 'invalid', target: null, reason: 'the fix "gen/x.c::" left an empty path' });
  });
});

describe('createPathResolver: ignore', () => {
  const repo = ['src/a.c', 'vendor/lib/a.h', 'gen/x/index.js', 'gen/y/index.js', 'src/index.js', 'build/out.c', 'x/index.ts', 'y/index.ts'];

  it('tests a resolved file by its repository path', () => {
    const r = createPathResolver(repo, { ignore: ['vendor/'] });
    expect(r.resolve('/ci/proj/vendor/lib/a.h')).toMatchObject({ kind: 'ignored', glob: 'vendor/', matched: 'vendor/lib/a.h', repoPath: 'vendor/lib/a.h', target: null });
    expect(r.resolve('/ci/proj/vendor/lib/a.h').rule).toBe('ignore "vendor/" matched the repository path');
  });

  it('does not let a CI directory name hide a file that resolved', () => {
    const r = createPathResolver(repo, { ignore: ['build'] });
    expect(pick(r.resolve('/builds/build/proj/src/a.c'))).toEqual({ kind: 'suffix', repoPath: 'src/a.c' });
    expect(pick(r.resolve('/builds/build/proj/build/out.c'))).toEqual({ kind: 'ignored', glob: 'build' });
  });

  it('tests an unmatched path by its report path (system headers)', () => {
    const r = createPathResolver(repo, { ignore: ['/usr/**'] });
    expect(r.resolve('/usr/include/stdio.h')).toMatchObject({ kind: 'ignored', glob: '/usr/**', matched: 'usr/include/stdio.h', repoPath: null });
    expect(pick(r.resolve('/opt/include/stdio.h'))).toEqual({ kind: 'unmatched' });
  });

  it('ignores an ambiguous path when every candidate is ignored, or its report path is', () => {
    const r = createPathResolver(repo, { ignore: ['gen/**', '**/*.ts'] });
    expect(r.resolve('x/index.js')).toMatchObject({ kind: 'ignored', glob: 'gen/**', repoPath: 'gen/x/index.js' });
    expect(r.resolve('index.ts')).toMatchObject({ kind: 'ignored', glob: '**/*.ts', rule: 'ignore "**/*.ts" matched all 2 candidates' });
    // src/index.js is not ignored, so index.js stays ambiguous.
    expect(pick(r.resolve('index.js'))).toEqual({ kind: 'ambiguous', candidates: ['gen/x/index.js', 'gen/y/index.js', 'src/index.js'] });
  });

  it('reports invalid globs and fixes as configuration problems and skips them', () => {
    const r = createPathResolver(repo, { ignore: ['!src', '', 'vendor'], fixes: ['nope', 'a::b', 'x*::y'] });
    expect(r.problems.map((p) => [p.code, p.severity])).toEqual([
      ['CW_PATH_FIX_INVALID', 'error'],
      ['CW_PATH_FIX_NOTE', 'info'],
      ['CW_PATH_GLOB_INVALID', 'error'],
      ['CW_PATH_GLOB_INVALID', 'error'],
    ]);
    expect(r.resolve('vendor/lib/a.h').kind).toBe('ignored');
  });
});

describe('createPathResolver: without a file list', () => {
  it.each([[null], [undefined], [[]]])('only normalises, fixes and ignores (%j)', (list) => {
    const r = createPathResolver(list, { fixes: ['/home/runner/work/proj/::'], ignore: ['**/*_test.go'] });
    expect(r.hasFileList).toBe(false);
    expect(r.resolve('/home/runner/work/proj/src/a.c')).toMatchObject({ kind: 'unresolved', path: 'src/a.c', target: 'src/a.c', fix: '/home/runner/work/proj/::' });
    expect(r.resolve('./lib//x.js')).toMatchObject({ kind: 'unresolved', path: 'lib/x.js', rule: 'no repository file list: normalised only' });
    expect(r.resolve('pkg/a_test.go').kind).toBe('ignored');
    expect(r.resolve('a\0b').kind).toBe('invalid');
  });
});

describe('createPathResolver: hostile input', () => {
  const r = createPathResolver(['src/a.c', 'etc/passwd']);

  it.each([
    ['a\0b.c', 'the path contains a NUL character'],
    ['', 'the path is empty after normalisation'],
    ['../..', "the path climbs above its root with 2 '..' segment(s); they were dropped; the path is empty after normalisation"],
    ['x'.repeat(5000), 'the path has 5000 characters, more than the limit of 4096'],
  ])('%j is invalid', (input, reason) => {
    expect(r.resolve(input)).toMatchObject({ kind: 'invalid', reason, target: null, normalized: null });
  });

  it('resolves .. lexically and flags a climb above the root, never returning it', () => {
    const res = r.resolve('../../../etc/passwd');
    expect(pick(res)).toEqual({ kind: 'exact', repoPath: 'etc/passwd' });
    expect(res.problems.map((p) => p.code)).toEqual(['CW_PATH_ESCAPES_ROOT']);
    expect(pick(r.resolve('src/x/../a.c'))).toEqual({ kind: 'exact', repoPath: 'src/a.c' });
  });

  it('keeps U+FFFD paths matchable but flagged', () => {
    const u = createPathResolver(['src/caf\ufffd.c']);
    const res = u.resolve('/ci/src/caf\ufffd.c');
    expect(pick(res)).toEqual({ kind: 'suffix', repoPath: 'src/caf\ufffd.c' });
    expect(res.problems.map((p) => p.code)).toEqual(['CW_PATH_INVALID_UNICODE']);
  });
});

describe('createPathResolver: the file list', () => {
  it('normalises entries, drops unusable ones and reports them once', () => {
    const r = createPathResolver(['./a.c', 'a.c', 'b\\c.c', '../x.c', '', 'n\0ul', '/abs/d.c']);
    expect(r.repoFileCount).toBe(3);
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'CW_PATH_REPO_ENTRY_INVALID', severity: 'warning', message: expect.stringContaining('3 file list entries') }),
    ]);
    expect(pick(r.resolve('a.c'))).toEqual({ kind: 'exact', repoPath: 'a.c' });
    expect(pick(r.resolve('b\\c.c'))).toEqual({ kind: 'exact', repoPath: 'b/c.c' });
    expect(pick(r.resolve('/abs/d.c'))).toEqual({ kind: 'exact', repoPath: 'abs/d.c' });
  });

  it('returns an NFD entry as listed (git needs its bytes) and matches NFC report paths to it', () => {
    const nfd = 'cafe\u0301/x.c';
    const r = createPathResolver([nfd]);
    expect(pick(r.resolve('caf\u00e9/x.c'))).toEqual({ kind: 'exact', repoPath: nfd });
    expect(pick(r.resolve(nfd))).toEqual({ kind: 'exact', repoPath: nfd });
    // Both spellings tracked (possible on Linux): ambiguous, never a guess.
    const both = createPathResolver([nfd, 'caf\u00e9/x.c']);
    expect(both.resolve('caf\u00e9/x.c').kind).toBe('ambiguous');
  });
});

// Brute force statement of the matching rules, to check the index against.
function oracle(repo: readonly string[], p: string): { kind: string; repoPath?: string; candidates?: string[] } {
  const set = [...new Set(repo)].sort();
  const byCount = (c: string[], kind: string) => (c.length === 1 ? { kind, repoPath: c[0]! } : { kind: 'ambiguous', candidates: c });
  if (set.includes(p)) return { kind: 'exact', repoPath: p };
  const longer = set.filter((r) => r.endsWith('/' + p));
  if (longer.length > 0) return byCount(longer, 'suffix');
  const segs = p.split('/');
  for (let i = 1; i < segs.length; i++) {
    const tail = segs.slice(i).join('/');
    if (set.includes(tail)) return { kind: 'suffix', repoPath: tail };
  }
  return { kind: 'unmatched' };
}

describe('createPathResolver: properties', () => {
  const seg = fc.constantFrom('a', 'b', 'src', 'lib', 'x.c', 'y.c', 'index.js');
  const relPath = fc.array(seg, { minLength: 1, maxLength: 5 }).map((a) => a.join('/'));
  const repoList = fc.array(relPath, { maxLength: 30 });

  it('agrees with a brute-force statement of the rules', () => {
    fc.assert(
      fc.property(repoList, relPath, (repo, p) => {
        const r = createPathResolver(repo, { maxCandidates: 1000 });
        const res = r.resolve(p);
        const want = oracle(repo, p);
        if (repo.length === 0) expect(res.kind).toBe('unresolved');
        else expect(pick(res)).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  const hostileSeg = fc.constantFrom('a', 'b', '..', '.', '', 'C:', '\\', 'x.c', '\0', '\ufeff', '\ufffd', '%2e%2e', ' ');
  const hostile = fc.oneof(fc.tuple(fc.boolean(), fc.array(hostileSeg, { maxLength: 8 })).map(([abs, a]) => (abs ? '/' : '') + a.join('/')), fc.string({ maxLength: 20 }));

  it('only ever returns clean members of the file list', () => {
    fc.assert(
      fc.property(repoList, hostile, fc.array(fc.constantFrom('a::b', '::src', 'lib::', '/x/::'), { maxLength: 2 }), (repo, p, fixRules) => {
        const r = createPathResolver(repo, { fixes: fixRules });
        const res = r.resolve(p);
        if (res.kind === 'exact' || res.kind === 'suffix') expect(repo).toContain(res.repoPath);
        if (res.kind === 'ambiguous') for (const c of res.candidates) expect(repo).toContain(c);
        if (res.target !== null) {
          expect(res.target).not.toMatch(/^\//);
          expect(res.target.split('/')).not.toContain('..');
          expect(res.target.split('/')).not.toContain('');
          expect(res.target).not.toContain('\0');
        }
        expect(r.resolve(p)).toEqual(res);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('createPathResolver: scale', () => {
  it('resolves 50k report paths against 50k repository files (timing lives in bench/, not here)', () => {
    const repo: string[] = [];
    for (let i = 0; i < 50_000; i++) repo.push(`packages/p${i % 200}/src/m${i % 37}/file${i}.ts`);
    // Shared basenames make the suffix index work for its living.
    for (let i = 0; i < 2_000; i++) repo.push(`packages/p${i % 200}/src/index.ts`);
    const reports: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const p = repo[(i * 7919) % repo.length]!;
      reports.push(i % 3 === 0 ? `/home/runner/work/mono/mono/${p}` : i % 3 === 1 ? p.split('/').slice(2).join('/') : `./${p}`);
    }
    const r = createPathResolver(repo, { ignore: ['**/*.gen.ts', 'vendor/'] });
    const kinds = new Map<string, number>();
    for (const p of reports) {
      const k = r.resolve(p).kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(kinds.get('invalid') ?? 0).toBe(0);
    expect(kinds.get('unmatched') ?? 0).toBe(0);
    expect((kinds.get('exact') ?? 0) + (kinds.get('suffix') ?? 0)).toBeGreaterThan(45_000);
  });
});
