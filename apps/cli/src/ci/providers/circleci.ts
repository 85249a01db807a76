import { branchName, ciInfo, commitSha, digits, httpUrl, prNumber, repositorySlug, tagName, text } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'circleci';

/** `https://github.com/o/r/pull/12` → 12 (Bitbucket: `…/pull-requests/12`). */
function numberFromPrUrl(value: string | undefined): number | undefined {
  const url = httpUrl(value);
  return url === undefined ? undefined : prNumber(new URL(url).pathname.split('/').filter(Boolean).pop());
}

export const circleci: CiProvider = {
  id: ID,
  name: 'CircleCI',
  variables: [
    'CIRCLECI',
    'CIRCLE_SHA1',
    'CIRCLE_BRANCH',
    'CIRCLE_TAG',
    'CIRCLE_PULL_REQUEST',
    'CIRCLE_PR_NUMBER',
    'CIRCLE_WORKFLOW_ID',
    'CIRCLE_BUILD_NUM',
    'CIRCLE_BUILD_URL',
    'CIRCLE_PROJECT_USERNAME',
    'CIRCLE_PROJECT_REPONAME',
    'CIRCLE_PR_USERNAME',
    'CIRCLE_PR_REPONAME',
  ],
  detect: (env) => env.get('CIRCLECI') === 'true',
  read(env) {
    const branch = branchName(env.get('CIRCLE_BRANCH'));
    const owner = env.get('CIRCLE_PROJECT_USERNAME');
    const name = env.get('CIRCLE_PROJECT_REPONAME');
    // Set only on PRs from forks: the fork's owner and name.
    const forkOwner = env.get('CIRCLE_PR_USERNAME');
    const forkName = env.get('CIRCLE_PR_REPONAME');
    const headRepository = forkOwner && forkName ? repositorySlug(`${forkOwner}/${forkName}`) : undefined;
    return ciInfo(ID, {
      commitSha: commitSha(env.get('CIRCLE_SHA1')),
      // Fork PRs are built as the pseudo-branch `pull/<n>`: the fork's branch name is not given.
      branch: branch !== undefined && /^pull\/[0-9]+$/.test(branch) ? undefined : branch,
      tag: tagName(env.get('CIRCLE_TAG')),
      // CircleCI builds branches, not merge commits, and does not name the PR's base branch.
      // Same-repository PRs leave the fork variables unset, as do older setups: unset is unknown, not "no fork".
      pullRequest: { number: prNumber(env.get('CIRCLE_PR_NUMBER')) ?? numberFromPrUrl(env.get('CIRCLE_PULL_REQUEST')), ...(forkOwner !== undefined ? { fork: true, headRepository } : {}) },
      // The workflow groups the jobs of one run; CIRCLE_BUILD_NUM numbers the job.
      buildId: text(env.get('CIRCLE_WORKFLOW_ID')),
      buildUrl: httpUrl(env.get('CIRCLE_BUILD_URL')),
      jobId: digits(env.get('CIRCLE_BUILD_NUM')),
      slug: owner && name ? repositorySlug(`${owner}/${name}`) : undefined,
    });
  },
};
