import { execFile } from 'node:child_process';
import { processEnvironment, type Env } from './env/environment.js';

/**
 * Git, run with execFile and fixed arguments: no shell, and every value we pass is checked first
 * (shas are hex; refs are prefixed so they can never read as options). Git gets only PATH and HOME,
 * not the CI job's environment, and nothing git prints about remotes (which may carry credentials)
 * is ever read.
 */
export class Git {
  private readonly env: Record<string, string>;

  constructor(
    readonly dir: string,
    env: Env = processEnvironment(),
  ) {
    // GIT_NO_LAZY_FETCH: in a partial clone, reading an absent object must fail, not fetch from a remote.
    this.env = { GIT_TERMINAL_PROMPT: '0', GIT_NO_LAZY_FETCH: '1', LC_ALL: 'C' };
    for (const name of ['PATH', 'HOME'] as const) {
      const v = env.get(name);
      if (v !== undefined) this.env[name] = v;
    }
  }

  /** stdout of `git args...`, or null when git fails or is missing. */
  run(args: readonly string[], maxBuffer = 16 * 1024 * 1024): Promise<string | null> {
    return new Promise((resolve) => {
      execFile('git', [...args], { cwd: this.dir, env: this.env, maxBuffer, encoding: 'utf8', windowsHide: true, timeout: 120_000 }, (err, stdout) => resolve(err ? null : stdout));
    });
  }

  /** The repository's file list as `git ls-files` prints it (paths from the top level), or null outside a checkout. */
  async lsFiles(): Promise<string[] | null> {
    const out = await this.run(['-c', 'core.quotePath=off', 'ls-files', '-z', '--full-name'], 512 * 1024 * 1024);
    return out === null ? null : out.split('\0').filter((p) => p.length > 0);
  }

  async topLevel(): Promise<string | null> {
    return line(await this.run(['rev-parse', '--show-toplevel']));
  }

  /** HEAD's full sha. */
  async head(): Promise<string | null> {
    return sha(await this.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']));
  }

  /** The current branch, or null when HEAD is detached. */
  async branch(): Promise<string | null> {
    const b = line(await this.run(['symbolic-ref', '--quiet', '--short', 'HEAD']));
    return b === null || b === '' ? null : b;
  }

  /**
   * A commit's parents, read from the commit object itself: unlike `rev-parse X^2` this works in a
   * shallow clone (CI checkouts are often depth 1), where the parents' objects are absent.
   */
  async parents(commit: string): Promise<string[] | null> {
    if (!isSha(commit)) return null;
    const out = await this.run(['cat-file', 'commit', commit]);
    if (out === null) return null;
    const parents: string[] = [];
    for (const l of out.split('\n')) {
      if (l === '') break;
      const m = /^parent ([0-9a-f]{40}|[0-9a-f]{64})$/.exec(l);
      if (m) parents.push(m[1]!);
    }
    return parents;
  }

  /** `git merge-base a b`, or null when history is too shallow to tell. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    if (!isSha(a) || !isSha(b)) return null;
    return sha(await this.run(['merge-base', a, b]));
  }

  /** Full sha of `refs/remotes/origin/<branch>` if it exists locally. */
  async remoteBranchSha(branch: string): Promise<string | null> {
    if (branch.startsWith('-') || /[\s~^:?*[\\]/.test(branch)) return null;
    return sha(await this.run(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}^{commit}`]));
  }
}

export function isSha(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}

function line(out: string | null): string | null {
  return out === null ? null : out.trim();
}

function sha(out: string | null): string | null {
  const s = line(out);
  return s !== null && isSha(s) ? s : null;
}

/** The file list of the checkout at `dir`, or null when it is not one. */
export function gitLsFiles(dir: string, env?: Env): Promise<string[] | null> {
  return new Git(dir, env).lsFiles();
}
