import { branchName, ciInfo, commitSha, digits, httpUrl, prNumber, repositorySlug, tagName, text } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'drone';

export const drone: CiProvider = {
  id: ID,
  name: 'Drone',
  variables: [
    'DRONE',
    'DRONE_COMMIT_SHA',
    'DRONE_BRANCH',
    'DRONE_SOURCE_BRANCH',
    'DRONE_TARGET_BRANCH',
    'DRONE_TAG',
    'DRONE_PULL_REQUEST',
    'DRONE_BUILD_NUMBER',
    'DRONE_BUILD_LINK',
    'DRONE_STAGE_NAME',
    'DRONE_REPO',
  ],
  detect: (env) => env.get('DRONE') === 'true',
  read(env) {
    const pr = env.get('DRONE_PULL_REQUEST');
    return ciInfo(ID, {
      // The PR head: Drone's clone step merges it into the target locally, but names the head.
      commitSha: commitSha(env.get('DRONE_COMMIT_SHA')),
      // On PRs DRONE_BRANCH is the target branch.
      branch: branchName(env.get(pr === undefined ? 'DRONE_BRANCH' : 'DRONE_SOURCE_BRANCH')),
      tag: tagName(env.get('DRONE_TAG')),
      pullRequest: { number: prNumber(pr), baseBranch: branchName(env.get('DRONE_TARGET_BRANCH')) },
      buildId: digits(env.get('DRONE_BUILD_NUMBER')),
      buildUrl: httpUrl(env.get('DRONE_BUILD_LINK')),
      jobId: text(env.get('DRONE_STAGE_NAME')),
      slug: repositorySlug(env.get('DRONE_REPO')),
    });
  },
};
