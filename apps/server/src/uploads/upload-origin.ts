import type { UploadEnvelope } from '@coverwatch/protocol';

/** Where an upload's code comes from, as far as its CI (and ID token) say. */
export interface UploadOrigin {
  /** The PR head lives in another repository (true), in this one (false), or CI did not say (null). */
  readonly fork: boolean | null;
  readonly headRepository: string | null;
  /** The branch the envelope names. */
  readonly claimedBranch: string | undefined;
  /** The branch recorded: a fork's as `<fork owner>:<branch>`, as GitHub labels it, so it never moves this repository's branch of that name. */
  readonly branch: string | undefined;
}

/**
 * `repositorySlug` is the repository as CI names it (the envelope's slug, else ours): GitLab paths
 * nest and need not equal our OWNER/NAME. A provider's explicit answer wins over comparing slugs.
 */
export function uploadOrigin(envelope: UploadEnvelope, repositorySlug: string): UploadOrigin {
  const pr = envelope.commit.pullRequest;
  const headRepository = pr?.headRepository ?? null;
  const fork = pr?.fork ?? (headRepository === null ? null : headRepository.toLowerCase() !== repositorySlug.toLowerCase());
  const claimedBranch = envelope.commit.branch;
  // Buildkite (by default) already sends `owner:branch`; a colon is not valid in a git branch name, so it is never ours.
  const branch = fork === true && claimedBranch !== undefined && !claimedBranch.includes(':') ? `${headRepository?.split('/')[0] ?? 'fork'}:${claimedBranch}` : claimedBranch;
  return { fork, headRepository, claimedBranch, branch };
}
