/** Where an upload comes from: what one CI provider's allowlisted variables say about the build. */
export interface CiInfo {
  /** Provider id sent in the envelope (`ci.provider`), or `local` outside CI. */
  readonly provider: CiProviderId;
  /** The commit the coverage belongs to, when CI names it directly (on PR builds: the PR head). */
  readonly commitSha?: string;
  /**
   * On PR builds where CI checked out a temporary merge commit (GitHub's refs/pull/N/merge), that
   * commit; the uploader then takes the PR head from git (`<mergeSha>^2`) unless `commitSha` is set.
   */
  readonly mergeSha?: string;
  /**
   * CI merged the base into the PR head in the checkout itself (Jenkins multibranch): when git HEAD
   * is a merge, the PR head is its first parent, and HEAD (which exists nowhere else) is `mergeSha`.
   */
  readonly localMergeHead?: 'first-parent';
  readonly branch?: string;
  readonly tag?: string;
  /**
   * `fork`: whether the head lives in another repository, when the provider says (absent: unknown);
   * `headRepository`: that repository's `OWNER/NAME`, when the provider names it.
   */
  readonly pullRequest?: { readonly number: number; readonly baseBranch?: string; readonly fork?: boolean; readonly headRepository?: string };
  readonly buildId?: string;
  readonly buildUrl?: string;
  readonly jobId?: string;
  /** `OWNER/NAME` as the provider names the repository. */
  readonly slug?: string;
}

export const CI_PROVIDER_IDS = [
  'github-actions',
  'gitlab-ci',
  'circleci',
  'buildkite',
  'jenkins',
  'azure-pipelines',
  'bitbucket-pipelines',
  'travis-ci',
  'woodpecker',
  'drone',
  'appveyor',
  'local',
] as const;
export type CiProviderId = (typeof CI_PROVIDER_IDS)[number];
