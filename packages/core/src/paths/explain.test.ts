import { describe, expect, it } from 'vitest';
import { displayPath, formatPathExplanations, summarizeResolutions } from './explain.js';
import { createPathResolver } from './resolver.js';

describe('formatPathExplanations', () => {
  it('prints one line per report path with the rule, then a summary', () => {
    const r = createPathResolver(['cJSON.c', 'lib/x.js', 'a/index.js', 'b/index.js', 'vendor/v.c', 'src/main/java/p/A.java'], {
      fixes: ['::src/main/java'],
      ignore: ['vendor/'],
    });
    const inputs = ['./lib/x.js', '/home/runner/work/gcc-cjson/cJSON.c', 'index.js', 'vendor/v.c', 'gen/y.c', 'p/A.java', '../x/lib/x.js', 'a\0b'];
    // Fixes apply to every path here (::prefix), so resolve without it for the others.
    const plain = createPathResolver(['cJSON.c', 'lib/x.js', 'a/index.js', 'b/index.js', 'vendor/v.c'], { ignore: ['vendor/'] });
    const res = inputs.map((p) => (p === 'p/A.java' ? r.resolve(p) : plain.resolve(p)));
    expect(formatPathExplanations(res)).toBe(
      [
        'exact      ./lib/x.js -> lib/x.js  (exact)',
        'suffix     /home/runner/work/gcc-cjson/cJSON.c -> cJSON.c  (suffix: the longest tail of the report path that is a repository path)',
        'ambiguous  index.js  (ambiguous: 2 repository paths end with "index.js"; add a fix to choose)',
        '             candidate: a/index.js',
        '             candidate: b/index.js',
        'ignored    vendor/v.c  (ignore "vendor/" matched the repository path: vendor/v.c)',
        'unmatched  gen/y.c  (no repository path matches (exactly or by a whole-segment suffix))',
        'exact      p/A.java -> src/main/java/p/A.java  (fix "::src/main/java", then exact)',
        "suffix     ../x/lib/x.js -> lib/x.js  (suffix: the longest tail of the report path that is a repository path)",
        "             note: the path climbs above its root with 1 '..' segment(s); they were dropped",
        'invalid    "a\\u0000b"  (invalid: the path contains a NUL character)',
        '8 paths: 2 exact, 2 suffix, 1 ignored, 1 ambiguous, 1 unmatched, 1 invalid',
        '',
      ].join('\n'),
    );
    expect(summarizeResolutions(res)).toEqual({ exact: 2, suffix: 2, unresolved: 0, ignored: 1, ambiguous: 1, unmatched: 1, invalid: 1 });
  });

  it('shows unresolved paths and counts extra candidates', () => {
    expect(formatPathExplanations([createPathResolver(null).resolve('/ci/a.c')])).toBe(
      'unresolved /ci/a.c -> ci/a.c  (no repository file list: normalised only)\n1 path: 1 unresolved\n',
    );
    const many = createPathResolver(['a/i.js', 'b/i.js', 'c/i.js'], { maxCandidates: 1 }).resolve('i.js');
    expect(formatPathExplanations([many])).toContain('             candidate: a/i.js\n             ... and 2 more\n');
    expect(formatPathExplanations([])).toBe('0 paths\n');
  });

  it('never lets a report path write control or bidi characters to the terminal', () => {
    const evil = 'src/\u001b[2Jx\u202e.c\n';
    const out = formatPathExplanations([createPathResolver(['a.c']).resolve(evil)]);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(out).toContain('"src/\\u001b[2Jx\\u202e.c\\n"');
  });
});

describe('displayPath', () => {
  it.each([
    ['src/a.c', 'src/a.c'],
    ['src/caf\u00e9.c', 'src/caf\u00e9.c'],
    ['a b.c', 'a b.c'],
    [' a.c', '" a.c"'],
    ['"q.c', '"\\"q.c"'],
    ['', '""'],
    ['a\tb', '"a\\tb"'],
    ['a\u202eb', '"a\\u202eb"'],
    ['a\u200bb', '"a\\u200bb"'],
    ['a\u0085b', '"a\\u0085b"'],
    ['a\ud800b', '"a\\ud800b"'],
    ['\u{1f600}.c', '\u{1f600}.c'],
  ])('%j -> %s', (p, shown) => {
    expect(displayPath(p)).toBe(shown);
  });
});
