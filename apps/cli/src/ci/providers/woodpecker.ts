import { branchName, ciInfo, commitSha, digits, httpUrl, prNumber, repositorySlug, tagName, text } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'woodpecker';

export const woodpecker: CiProvider = {
  id: ID,
  name: 'Woodpecker CI',
  variables: [
    'CI',
    'CI_COMMIT_SHA',
    'CI_COMMIT_BRANCH',
    'CI_COMMIT_SOURCE_BRANCH',
    'CI_COMMIT_TARGET_BRANCH',
    'CI_COMMIT_TAG',
    'CI_COMMIT_PULL_REQUEST',
    'CI_PIPELINE_NUMBER',
    'CI_PIPELINE_URL',
    'CI_WORKFLOW_NAME',
    'CI_REPO',
  ],
  detect: (env) => env.get('CI') === 'woodpecker',
  read(env) {
    const pr = env.get('CI_COMMIT_PULL_REQUEST');
    return ciInfo(ID, {
      // Pull request pipelines build the PR head, not a merge commit.
      commitSha: commitSha(env.get('CI_COMMIT_SHA')),
      // On PRs CI_COMMIT_BRANCH is the target branch.
      branch: branchName(env.get(pr === undefined ? 'CI_COMMIT_BRANCH' : 'CI_COMMIT_SOURCE_BRANCH')),
      tag: tagName(env.get('CI_COMMIT_TAG')),
      pullRequest: { number: prNumber(pr), baseBranch: branchName(env.get('CI_COMMIT_TARGET_BRANCH')) },
      buildId: digits(env.get('CI_PIPELINE_NUMBER')),
      buildUrl: httpUrl(env.get('CI_PIPELINE_URL')),
      jobId: text(env.get('CI_WORKFLOW_NAME')),
      slug: repositorySlug(env.get('CI_REPO')),
    });
  },
};
