import { branchName, ciInfo, commitSha, digits, prNumber, repositorySlug, tagName, text, urlUnder } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'bitbucket-pipelines';

export const bitbucketPipelines: CiProvider = {
  id: ID,
  name: 'Bitbucket Pipelines',
  // Bitbucket sets no BITBUCKET=true; BITBUCKET_BUILD_NUMBER is in every step.
  variables: [
    'BITBUCKET_BUILD_NUMBER',
    'BITBUCKET_COMMIT',
    'BITBUCKET_BRANCH',
    'BITBUCKET_TAG',
    'BITBUCKET_PR_ID',
    'BITBUCKET_PR_DESTINATION_BRANCH',
    'BITBUCKET_STEP_UUID',
    'BITBUCKET_REPO_FULL_NAME',
    'BITBUCKET_GIT_HTTP_ORIGIN',
  ],
  detect: (env) => env.get('BITBUCKET_BUILD_NUMBER') !== undefined,
  read(env) {
    const buildId = digits(env.get('BITBUCKET_BUILD_NUMBER'));
    return ciInfo(ID, {
      // Some triggers give a 12-character short hash, which commitSha() drops.
      commitSha: commitSha(env.get('BITBUCKET_COMMIT')),
      branch: branchName(env.get('BITBUCKET_BRANCH')),
      tag: tagName(env.get('BITBUCKET_TAG')),
      pullRequest: { number: prNumber(env.get('BITBUCKET_PR_ID')), baseBranch: branchName(env.get('BITBUCKET_PR_DESTINATION_BRANCH')) },
      buildId,
      buildUrl: buildId && urlUnder(env.get('BITBUCKET_GIT_HTTP_ORIGIN'), ['addon', 'pipelines', 'home'], { hash: `!/results/${buildId}` }),
      jobId: text(env.get('BITBUCKET_STEP_UUID')),
      slug: repositorySlug(env.get('BITBUCKET_REPO_FULL_NAME')),
    });
  },
};
