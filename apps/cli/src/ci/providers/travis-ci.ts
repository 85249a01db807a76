import { branchName, ciInfo, commitSha, digits, httpUrl, isFork, prNumber, repositorySlug, tagName } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'travis-ci';

export const travisCi: CiProvider = {
  id: ID,
  name: 'Travis CI',
  variables: [
    'TRAVIS',
    'TRAVIS_COMMIT',
    'TRAVIS_BRANCH',
    'TRAVIS_TAG',
    'TRAVIS_PULL_REQUEST',
    'TRAVIS_PULL_REQUEST_SHA',
    'TRAVIS_PULL_REQUEST_BRANCH',
    'TRAVIS_PULL_REQUEST_SLUG',
    'TRAVIS_BUILD_ID',
    'TRAVIS_BUILD_WEB_URL',
    'TRAVIS_JOB_ID',
    'TRAVIS_REPO_SLUG',
  ],
  detect: (env) => env.get('TRAVIS') === 'true',
  read(env) {
    const build = {
      tag: tagName(env.get('TRAVIS_TAG')),
      buildId: digits(env.get('TRAVIS_BUILD_ID')),
      buildUrl: httpUrl(env.get('TRAVIS_BUILD_WEB_URL')),
      jobId: digits(env.get('TRAVIS_JOB_ID')),
      slug: repositorySlug(env.get('TRAVIS_REPO_SLUG')),
    };
    const pr = env.get('TRAVIS_PULL_REQUEST');
    if (pr === undefined || pr === 'false') {
      return ciInfo(ID, { ...build, commitSha: commitSha(env.get('TRAVIS_COMMIT')), branch: branchName(env.get('TRAVIS_BRANCH')) });
    }
    const headRepository = repositorySlug(env.get('TRAVIS_PULL_REQUEST_SLUG'));
    // PR builds test GitHub's merge commit (TRAVIS_COMMIT), and TRAVIS_BRANCH is the base branch.
    return ciInfo(ID, {
      ...build,
      commitSha: commitSha(env.get('TRAVIS_PULL_REQUEST_SHA')),
      mergeSha: commitSha(env.get('TRAVIS_COMMIT')),
      branch: branchName(env.get('TRAVIS_PULL_REQUEST_BRANCH')),
      pullRequest: { number: prNumber(pr), baseBranch: branchName(env.get('TRAVIS_BRANCH')), fork: isFork(headRepository, build.slug), headRepository },
    });
  },
};
