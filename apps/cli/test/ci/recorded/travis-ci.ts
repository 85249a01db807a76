import type { Recorded } from './scenario.js';

const PUSH_SHA = '80f3cf38545e9ebf4c7a66cf44e1aafa6603b2d1';
const PR_MERGE_SHA = 'f19a33ce1d7ec8ef82e1dcb6c2a3479893bbca8f';
const PR_HEAD_SHA = 'd3845134fbd6ece45849e5d6bb041926ff6bffa8';
const FORK_MERGE_SHA = '994e6be0ee16ea2848a1d9a6ddfaf13d1fd3a6e4';
const FORK_HEAD_SHA = '3a001ee128d9dddc49e5a1e62b1424bf7bde3e14';
const TAG_SHA = '80b47cd3b5a365fbc44e047899924d627b90c89b';

/** A job on travis-ci.com with encrypted repository settings. */
const job = {
  CI: 'true',
  CONTINUOUS_INTEGRATION: 'true',
  TRAVIS: 'true',
  HAS_JOSH_K_SEAL_OF_APPROVAL: 'true',
  USER: 'travis',
  HOME: '/home/travis',
  TRAVIS_APP_HOST: 'build.travis-ci.com',
  TRAVIS_BUILD_DIR: '/home/travis/build/acme/widgets',
  TRAVIS_BUILD_ID: '271828182',
  TRAVIS_BUILD_NUMBER: '905',
  TRAVIS_BUILD_WEB_URL: 'https://app.travis-ci.com/github/acme/widgets/builds/271828182',
  TRAVIS_DIST: 'focal',
  TRAVIS_JOB_ID: '614159265',
  TRAVIS_JOB_NAME: 'Node 20',
  TRAVIS_JOB_NUMBER: '905.1',
  TRAVIS_JOB_WEB_URL: 'https://app.travis-ci.com/github/acme/widgets/jobs/614159265',
  TRAVIS_OS_NAME: 'linux',
  TRAVIS_REPO_SLUG: 'acme/widgets',
  TRAVIS_SECURE_ENV_VARS: 'true',
  TRAVIS_SUDO: 'true',
  TRAVIS_TEST_RESULT: '0',
  TRAVIS_COMMIT_MESSAGE: 'Parse lcov function records',
  TRAVIS_PULL_REQUEST: 'false',
  TRAVIS_PULL_REQUEST_BRANCH: '',
  TRAVIS_PULL_REQUEST_SHA: '',
  TRAVIS_PULL_REQUEST_SLUG: '',
  TRAVIS_TAG: '',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  GH_TOKEN: 'SECRET-ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345',
};

const push = { ...job, TRAVIS_EVENT_TYPE: 'push', TRAVIS_BRANCH: 'main', TRAVIS_COMMIT: PUSH_SHA, TRAVIS_COMMIT_RANGE: `${TAG_SHA}...${PUSH_SHA}` };

const build = {
  buildId: '271828182',
  buildUrl: 'https://app.travis-ci.com/github/acme/widgets/builds/271828182',
  jobId: '614159265',
  slug: 'acme/widgets',
} as const;

/** PR builds test GitHub's merge commit; TRAVIS_BRANCH is the base branch. */
const pullRequest = {
  ...job,
  TRAVIS_EVENT_TYPE: 'pull_request',
  TRAVIS_BRANCH: 'main',
  TRAVIS_COMMIT: PR_MERGE_SHA,
  TRAVIS_PULL_REQUEST: '42',
  TRAVIS_PULL_REQUEST_BRANCH: 'feature/parser',
  TRAVIS_PULL_REQUEST_SHA: PR_HEAD_SHA,
  TRAVIS_PULL_REQUEST_SLUG: 'acme/widgets',
};

/** Encrypted settings are not decrypted for fork PRs. */
const { AWS_SECRET_ACCESS_KEY: _a, GH_TOKEN: _g, ...forkPr } = pullRequest;

export const travisCi: Recorded = {
  push: {
    env: push,
    expected: { provider: 'travis-ci', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: pullRequest,
    expected: {
      provider: 'travis-ci',
      commitSha: PR_HEAD_SHA,
      mergeSha: PR_MERGE_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main', fork: false, headRepository: 'acme/widgets' },
      ...build,
    },
  },
  'fork pull request': {
    env: {
      ...forkPr,
      TRAVIS_SECURE_ENV_VARS: 'false',
      TRAVIS_COMMIT: FORK_MERGE_SHA,
      TRAVIS_PULL_REQUEST: '43',
      TRAVIS_PULL_REQUEST_BRANCH: 'patch-1',
      TRAVIS_PULL_REQUEST_SHA: FORK_HEAD_SHA,
      TRAVIS_PULL_REQUEST_SLUG: 'contributor/widgets',
    },
    expected: {
      provider: 'travis-ci',
      commitSha: FORK_HEAD_SHA,
      mergeSha: FORK_MERGE_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main', fork: true, headRepository: 'contributor/widgets' },
      ...build,
    },
  },
  tag: {
    // Tag builds put the tag in TRAVIS_BRANCH too.
    env: { ...job, TRAVIS_EVENT_TYPE: 'push', TRAVIS_BRANCH: 'v1.4.0', TRAVIS_TAG: 'v1.4.0', TRAVIS_COMMIT: TAG_SHA },
    expected: { provider: 'travis-ci', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Restart build" reruns the same build and jobs: ids do not change.
    env: push,
    expected: { provider: 'travis-ci', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
};
