import { describe, expect, it } from 'vitest';
import {
  branchName,
  ciInfo,
  commitSha,
  digits,
  httpUrl,
  isTrue,
  parseRef,
  prNumber,
  repositorySlug,
  slugFromGitRemote,
  tagName,
  text,
  urlUnder,
} from '../../src/ci/ci-values.js';

const SHA1 = 'a9109f79a405e33ea1835525d26ad9b0b226620e';
const SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('CI value validation', () => {
  it('keeps full SHA-1 and SHA-256 ids, lower-cased, and drops anything else', () => {
    expect([SHA1, SHA256, SHA1.toUpperCase()].map(commitSha)).toEqual([SHA1, SHA256, SHA1]);
    expect(['HEAD', SHA1.slice(0, 12), `${SHA1}0`, ` ${SHA1}`, `${SHA1}\n`, 'g'.repeat(40), undefined].map(commitSha)).toEqual(
      Array(7).fill(undefined),
    );
  });

  it('accepts pull request numbers as positive decimal integers only', () => {
    expect(['1', '42', '2147483647'].map(prNumber)).toEqual([1, 42, 2147483647]);
    expect(['false', '0', '-1', '+1', '01', '1.0', '1e3', ' 42', '42 ', '42abc', '2147483648', '99999999999', '', undefined].map(prNumber)).toEqual(
      Array(14).fill(undefined),
    );
  });

  it('drops text with control characters, empty text and text over the limit', () => {
    expect(text('feature/parser')).toBe('feature/parser');
    expect(['a\nb', 'a\u0000', 'a\u001b[31m', 'a\u007f', '', 'x'.repeat(256), undefined].map((v) => text(v))).toEqual(Array(7).fill(undefined));
    expect(text('x'.repeat(300), 300)).toBe('x'.repeat(300));
  });

  it('strips refs/heads/ and refs/tags/, and a ref of another kind is no branch', () => {
    expect(['main', 'refs/heads/feature/x', 'refs/tags/v1', 'refs/pull/1/merge', 'refs/heads/a\tb'].map(branchName)).toEqual([
      'main',
      'feature/x',
      undefined,
      undefined,
      undefined,
    ]);
    expect(['v1.2.3', 'refs/tags/v1.2.3'].map(tagName)).toEqual(['v1.2.3', 'v1.2.3']);
  });

  it('reads branches, tags and pull requests from full refs', () => {
    expect(['refs/heads/main', 'refs/tags/v1', 'refs/pull/42/merge', 'refs/pull/42/head', 'refs/pull/x/merge', 'refs/notes/commits', 'main', undefined].map(parseRef)).toEqual([
      { branch: 'main' },
      { tag: 'v1' },
      { pullRequest: 42 },
      { pullRequest: 42 },
      { pullRequest: undefined },
      {},
      {},
      {},
    ]);
  });

  it('accepts OWNER/NAME slugs, nested groups included', () => {
    expect(['acme/widgets', 'acme/platform/widgets', 'a.b/c_d-e'].map(repositorySlug)).toEqual(['acme/widgets', 'acme/platform/widgets', 'a.b/c_d-e']);
    expect(['widgets', 'acme/', '/widgets', 'acme//widgets', '../widgets', 'acme/..', 'acme/wid gets', 'acme/widgets\n'].map(repositorySlug)).toEqual(
      Array(8).fill(undefined),
    );
  });

  it('keeps http and https URLs only, without userinfo', () => {
    expect(httpUrl('https://ci.example/builds/1')).toBe('https://ci.example/builds/1');
    expect(httpUrl('http://user:secret@ci.example/x')).toBe('http://ci.example/x');
    expect(['javascript:alert(1)', 'file:///etc/passwd', 'ftp://ci.example/', 'not a url', '/relative', undefined].map(httpUrl)).toEqual(Array(6).fill(undefined));
  });

  it('builds URLs from a base and encoded segments, refusing anything that would leave the path', () => {
    expect(urlUnder('https://github.com', ['acme', 'widgets', 'actions', 'runs', '12'])).toBe('https://github.com/acme/widgets/actions/runs/12');
    expect(urlUnder('https://dev.azure.com/acme/', ['My Project', '_build', 'results'], { query: { buildId: '7' } })).toBe(
      'https://dev.azure.com/acme/My%20Project/_build/results?buildId=7',
    );
    expect(urlUnder('http://bitbucket.org/a/b', ['addon'], { hash: '!/results/3' })).toBe('http://bitbucket.org/a/b/addon#!/results/3');
    expect(urlUnder('https://ci.example', ['a/b'])).toBe('https://ci.example/a%2Fb');
    expect(urlUnder('https://ci.example', ['?x=1'])).toBe('https://ci.example/%3Fx%3D1');
    expect(
      [
        urlUnder('https://ci.example', ['..']),
        urlUnder('https://ci.example', ['a', undefined]),
        urlUnder('https://ci.example?q=1', ['a']),
        urlUnder('javascript:alert(1)', ['a']),
        urlUnder('https://ci.example', ['a'], { query: { id: undefined } }),
      ],
    ).toEqual(Array(5).fill(undefined));
  });

  it('derives slugs from remotes on public hosts only, never keeping credentials', () => {
    expect(
      [
        'git@github.com:acme/widgets.git',
        'https://github.com/acme/widgets.git',
        'https://x-access-token:ghs_abc@github.com/acme/widgets.git',
        'ssh://git@gitlab.com/acme/platform/widgets.git',
        'git://github.com/acme/widgets.git',
        'https://bitbucket.org/acme/widgets',
        'https://GitHub.com/acme/widgets/',
      ].map(slugFromGitRemote),
    ).toEqual(['acme/widgets', 'acme/widgets', 'acme/widgets', 'acme/platform/widgets', 'acme/widgets', 'acme/widgets', 'acme/widgets']);
    expect(
      [
        'git@ghe.acme.example:acme/widgets.git',
        'https://bitbucket.acme.example/scm/wid/widgets.git',
        'https://dev.azure.com/acme/Widgets/_git/widgets',
        'https://github.com/acme/widgets/tree/main',
        'https://github.com/acme',
        'file:///srv/git/widgets.git',
        '/srv/git/widgets.git',
      ].map(slugFromGitRemote),
    ).toEqual(Array(7).fill(undefined));
  });

  it('reads digits and .NET-style booleans strictly', () => {
    expect(['123', '0', '12a', '../1', ''].map(digits)).toEqual(['123', '0', undefined, undefined, undefined]);
    expect(['true', 'True', 'TRUE', '1', 'yes', undefined].map(isTrue)).toEqual([true, true, true, false, false, false]);
  });

  it('assembles CiInfo with unset fields left out and the shared rules applied', () => {
    expect(ciInfo('drone', { commitSha: SHA1, branch: undefined, pullRequest: { number: undefined, baseBranch: 'main' } })).toEqual({
      provider: 'drone',
      commitSha: SHA1,
    });
    expect(Object.keys(ciInfo('drone', { commitSha: undefined, slug: undefined }))).toEqual(['provider']);
    // A tag build has no branch, and a merge commit equal to the commit is none.
    expect(ciInfo('drone', { commitSha: SHA1, mergeSha: SHA1, branch: 'v1', tag: 'v1' })).toEqual({ provider: 'drone', commitSha: SHA1, tag: 'v1' });
    expect(ciInfo('drone', { pullRequest: { number: 3, baseBranch: undefined } })).toEqual({ provider: 'drone', pullRequest: { number: 3 } });
  });
});
