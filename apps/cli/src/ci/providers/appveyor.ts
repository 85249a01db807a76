import { branchName, ciInfo, commitSha, digits, isFork, isTrue, prNumber, repositorySlug, tagName, text, urlUnder } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'appveyor';

export const appveyor: CiProvider = {
  id: ID,
  name: 'AppVeyor',
  variables: [
    'APPVEYOR',
    'APPVEYOR_REPO_COMMIT',
    'APPVEYOR_REPO_BRANCH',
    'APPVEYOR_REPO_TAG_NAME',
    'APPVEYOR_PULL_REQUEST_NUMBER',
    'APPVEYOR_PULL_REQUEST_HEAD_COMMIT',
    'APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH',
    'APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME',
    'APPVEYOR_BUILD_ID',
    'APPVEYOR_JOB_ID',
    'APPVEYOR_URL',
    'APPVEYOR_ACCOUNT_NAME',
    'APPVEYOR_PROJECT_SLUG',
    'APPVEYOR_REPO_NAME',
  ],
  // `True` on Windows images, `true` on Linux and macOS.
  detect: (env) => isTrue(env.get('APPVEYOR')),
  read(env) {
    const buildId = digits(env.get('APPVEYOR_BUILD_ID'));
    const build = {
      tag: tagName(env.get('APPVEYOR_REPO_TAG_NAME')),
      buildId,
      buildUrl: urlUnder(env.get('APPVEYOR_URL'), ['project', env.get('APPVEYOR_ACCOUNT_NAME'), env.get('APPVEYOR_PROJECT_SLUG'), 'builds', buildId]),
      jobId: text(env.get('APPVEYOR_JOB_ID')),
      slug: repositorySlug(env.get('APPVEYOR_REPO_NAME')),
    };
    const pr = env.get('APPVEYOR_PULL_REQUEST_NUMBER');
    if (pr === undefined) {
      return ciInfo(ID, { ...build, commitSha: commitSha(env.get('APPVEYOR_REPO_COMMIT')), branch: branchName(env.get('APPVEYOR_REPO_BRANCH')) });
    }
    const headRepository = repositorySlug(env.get('APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME'));
    // On PRs APPVEYOR_REPO_BRANCH is the base branch. APPVEYOR_REPO_COMMIT is not used: whether it
    // names the head or AppVeyor's merge commit is not documented.
    return ciInfo(ID, {
      ...build,
      commitSha: commitSha(env.get('APPVEYOR_PULL_REQUEST_HEAD_COMMIT')),
      branch: branchName(env.get('APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH')),
      pullRequest: { number: prNumber(pr), baseBranch: branchName(env.get('APPVEYOR_REPO_BRANCH')), fork: isFork(headRepository, build.slug), headRepository },
    });
  },
};
