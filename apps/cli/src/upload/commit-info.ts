import type { UploadEnvelope } from '@coverwatch/protocol';
import type { CiInfo } from '../ci/ci-info.js';
import { isSha, type Git } from '../git.js';
import { UploadError } from './upload-error.js';

export interface Overrides {
  readonly sha?: string;
  readonly branch?: string;
  readonly slug?: string;
}

export interface CommitInfo {
  readonly commit: UploadEnvelope['commit'];
  readonly slug?: string;
  /** Where each value came from, printed by the uploader so a wrong base or sha is explainable. */
  readonly sources: Record<string, string>;
  readonly notes: string[];
}

/**
 * The commit an upload belongs to. Precedence: flags, then CI's variables, then git. On PR builds
 * that check out CI's temporary merge commit, the coverage belongs to the PR head (the merge
 * commit's second parent) and both are sent: reporting against the merge commit is how uploaders
 * end up comparing against the wrong base.
 */
export async function resolveCommit(ci: CiInfo, git: Git | null, o: Overrides): Promise<CommitInfo> {
  const sources: Record<string, string> = {};
  const notes: string[] = [];
  let sha: string | undefined;
  let mergeSha: string | undefined;
  if (o.sha !== undefined) {
    if (!isSha(o.sha.toLowerCase())) throw new UploadError('config', '--sha must be a full 40- or 64-character hex commit sha');
    sha = o.sha.toLowerCase();
    sources.sha = '--sha';
  } else if (ci.commitSha !== undefined) {
    sha = ci.commitSha;
    sources.sha = ci.provider;
    mergeSha = ci.mergeSha;
  } else if (ci.mergeSha !== undefined) {
    mergeSha = ci.mergeSha;
    const parents = git ? await git.parents(ci.mergeSha) : null;
    if (parents !== null && parents.length === 2) {
      sha = parents[1];
      sources.sha = `${ci.provider} merge commit ${ci.mergeSha.slice(0, 12)}, second parent (git)`;
    } else {
      throw new UploadError(
        'config',
        `${ci.provider} built the merge commit ${ci.mergeSha} but git cannot show its parents here, so the PR head is unknown; pass --sha with the PR head`,
      );
    }
  } else if (git) {
    const head = await git.head();
    const headParents = head !== null && ci.localMergeHead !== undefined ? await git.parents(head) : null;
    if (head !== null && headParents !== null && headParents.length === 2) {
      sha = headParents[0];
      mergeSha = head;
      sources.sha = `git HEAD ${head.slice(0, 12)} is ${ci.provider}'s local merge: its first parent, the PR head`;
    } else if (head !== null) {
      sha = head;
      sources.sha = 'git HEAD';
    }
  }
  if (sha === undefined) throw new UploadError('config', 'no commit sha: not in a git checkout and CI names none; pass --sha');

  let branch = o.branch ?? ci.branch;
  if (o.branch !== undefined) sources.branch = '--branch';
  else if (ci.branch !== undefined) sources.branch = ci.provider;
  else if (git) {
    const b = await git.branch();
    if (b !== null) {
      branch = b;
      sources.branch = 'git';
    }
  }

  const parents = git ? await git.parents(sha) : null;
  if (parents === null && git) notes.push(`git does not have commit ${sha.slice(0, 12)}: parents not sent`);

  let pullRequest: NonNullable<UploadEnvelope['commit']['pullRequest']> | undefined;
  if (ci.pullRequest !== undefined) {
    let baseSha: string | undefined;
    if (mergeSha !== undefined && git) {
      const mp = await git.parents(mergeSha);
      if (mp !== null && mp.length === 2) baseSha = mp[0];
    }
    if (baseSha === undefined && git && ci.pullRequest.baseBranch !== undefined) baseSha = (await git.remoteBranchSha(ci.pullRequest.baseBranch)) ?? undefined;
    const mergeBaseSha = baseSha !== undefined && git ? ((await git.mergeBase(sha, baseSha)) ?? undefined) : undefined;
    if (baseSha !== undefined && mergeBaseSha === undefined) notes.push('history is too shallow for git merge-base (fetch-depth: 0 fixes it); the server will use the base branch head');
    pullRequest = {
      number: ci.pullRequest.number,
      ...(ci.pullRequest.baseBranch !== undefined ? { baseBranch: ci.pullRequest.baseBranch } : {}),
      ...(baseSha !== undefined ? { baseSha } : {}),
      ...(mergeBaseSha !== undefined ? { mergeBaseSha } : {}),
      ...(ci.pullRequest.fork !== undefined ? { fork: ci.pullRequest.fork } : {}),
      ...(ci.pullRequest.headRepository !== undefined ? { headRepository: ci.pullRequest.headRepository } : {}),
    };
  }

  const slug = o.slug ?? ci.slug;
  if (slug !== undefined) sources.slug = o.slug !== undefined ? '--slug' : ci.provider;
  return {
    commit: {
      sha,
      ...(mergeSha !== undefined && mergeSha !== sha ? { mergeSha } : {}),
      ...(branch !== undefined ? { branch } : {}),
      ...(parents !== null && parents.length > 0 ? { parents: parents.slice(0, 16) } : {}),
      ...(pullRequest ? { pullRequest } : {}),
    },
    ...(slug !== undefined ? { slug } : {}),
    sources,
    notes,
  };
}
