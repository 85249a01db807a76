import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentFrom } from '../../src/env/environment.js';
import { Git } from '../../src/git.js';
import { resolveCommit } from '../../src/upload/commit-info.js';

const exec = promisify(execFile);
const env = environmentFrom({ PATH: process.env.PATH });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
  return stdout.trim();
}

/** main: A - B; feature (from A): C; then GitHub's refs/pull/N/merge: M = merge(B, C). */
let repo: string;
const sha: Record<string, string> = {};

beforeAll(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'cw-git-'));
  dirs.push(repo);
  const commit = async (file: string, msg: string) => {
    writeFileSync(path.join(repo, file), msg);
    await git(repo, 'add', file);
    await git(repo, 'commit', '-q', '-m', msg);
    return git(repo, 'rev-parse', 'HEAD');
  };
  await git(repo, 'init', '-q');
  sha.A = await commit('a.txt', 'A');
  sha.B = await commit('b.txt', 'B');
  await git(repo, 'checkout', '-q', '-b', 'feature', sha.A);
  sha.C = await commit('c.txt', 'C');
  await git(repo, 'checkout', '-q', '--detach', sha.B);
  await git(repo, 'merge', '-q', '--no-ff', '-m', 'Merge C into B', 'feature');
  sha.M = await git(repo, 'rev-parse', 'HEAD');
});

describe('the commit an upload belongs to', () => {
  it('on a PR build of a merge commit: the PR head (second parent), the base head (first parent) and their merge-base', async () => {
    const info = await resolveCommit({ provider: 'github-actions', mergeSha: sha.M!, branch: 'feature', pullRequest: { number: 7, baseBranch: 'main' } }, new Git(repo, env), {});
    expect(info.commit).toEqual({
      sha: sha.C,
      mergeSha: sha.M,
      branch: 'feature',
      parents: [sha.A],
      pullRequest: { number: 7, baseBranch: 'main', baseSha: sha.B, mergeBaseSha: sha.A },
    });
    expect(info.sources.sha).toMatch(/merge commit .* second parent/);
  });

  it('in a depth-1 clone of the merge commit: still the PR head (from the commit object), merge-base left out with a note', async () => {
    const shallow = mkdtempSync(path.join(tmpdir(), 'cw-shallow-'));
    dirs.push(shallow);
    await git(shallow, 'init', '-q');
    await git(shallow, 'fetch', '-q', '--depth', '1', `file://${repo}`, sha.M!);
    await git(shallow, 'checkout', '-q', 'FETCH_HEAD');
    const info = await resolveCommit({ provider: 'github-actions', mergeSha: sha.M!, pullRequest: { number: 7, baseBranch: 'main' } }, new Git(shallow, env), {});
    expect(info.commit.sha).toBe(sha.C);
    expect(info.commit.pullRequest).toEqual({ number: 7, baseBranch: 'main', baseSha: sha.B });
    expect(info.notes.join('\n')).toMatch(/too shallow for git merge-base/);
  });

  it('flags beat CI, CI beats git; git fills what neither names', async () => {
    const g = new Git(repo, env);
    expect((await resolveCommit({ provider: 'local' }, g, {})).commit).toEqual({ sha: sha.M, parents: [sha.B, sha.C] });
    expect((await resolveCommit({ provider: 'gitlab-ci', commitSha: sha.B!, branch: 'main' }, g, {})).commit).toEqual({ sha: sha.B, branch: 'main', parents: [sha.A] });
    const o = await resolveCommit({ provider: 'gitlab-ci', commitSha: sha.B!, branch: 'main', slug: 'g/p' }, g, { sha: sha.A!.toUpperCase(), branch: 'release', slug: 'acme/widgets' });
    expect(o.commit).toEqual({ sha: sha.A, branch: 'release' });
    expect(o.slug).toBe('acme/widgets');
    expect(o.sources).toEqual({ sha: '--sha', branch: '--branch', slug: '--slug' });
  });

  it('outside a checkout: --sha is required, and checked', async () => {
    await expect(resolveCommit({ provider: 'local' }, null, {})).rejects.toThrow(/no commit sha: .* pass --sha/);
    await expect(resolveCommit({ provider: 'local' }, null, { sha: 'abc123' })).rejects.toThrow(/full 40- or 64-character hex/);
    expect((await resolveCommit({ provider: 'local' }, null, { sha: 'f'.repeat(64) })).commit).toEqual({ sha: 'f'.repeat(64) });
  });

  it('a merge commit git does not have stops the upload instead of reporting against the wrong commit', async () => {
    await expect(resolveCommit({ provider: 'github-actions', mergeSha: '1'.repeat(40) }, new Git(repo, env), {})).rejects.toThrow(/PR head is unknown; pass --sha/);
  });
});
