import { branchName, ciInfo, commitSha, httpUrl, isFork, prNumber, slugFromGitRemote, tagName, text } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'buildkite';

export const buildkite: CiProvider = {
  id: ID,
  name: 'Buildkite',
  variables: [
    'BUILDKITE',
    'BUILDKITE_COMMIT',
    'BUILDKITE_BRANCH',
    'BUILDKITE_TAG',
    'BUILDKITE_PULL_REQUEST',
    'BUILDKITE_PULL_REQUEST_BASE_BRANCH',
    'BUILDKITE_PULL_REQUEST_REPO',
    'BUILDKITE_BUILD_ID',
    'BUILDKITE_BUILD_URL',
    'BUILDKITE_JOB_ID',
    'BUILDKITE_REPO',
  ],
  detect: (env) => env.get('BUILDKITE') === 'true',
  read(env) {
    const slug = slugFromGitRemote(env.get('BUILDKITE_REPO'));
    // The PR head's clone URL; empty on non-PR builds.
    const headRepository = slugFromGitRemote(env.get('BUILDKITE_PULL_REQUEST_REPO'));
    return ciInfo(ID, {
      // `HEAD` when a build was started without a commit: commitSha() drops it, git resolves it.
      commitSha: commitSha(env.get('BUILDKITE_COMMIT')),
      branch: branchName(env.get('BUILDKITE_BRANCH')),
      tag: tagName(env.get('BUILDKITE_TAG')),
      // "false" on non-PR builds, which prNumber() drops.
      pullRequest: {
        number: prNumber(env.get('BUILDKITE_PULL_REQUEST')),
        baseBranch: branchName(env.get('BUILDKITE_PULL_REQUEST_BASE_BRANCH')),
        fork: isFork(headRepository, slug),
        headRepository,
      },
      // The UUID, not BUILDKITE_BUILD_NUMBER: numbers restart per Buildkite pipeline, and one
      // repository often has several pipelines.
      buildId: text(env.get('BUILDKITE_BUILD_ID')),
      buildUrl: httpUrl(env.get('BUILDKITE_BUILD_URL')),
      jobId: text(env.get('BUILDKITE_JOB_ID')),
      slug,
    });
  },
};
