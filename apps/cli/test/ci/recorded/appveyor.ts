import type { Recorded } from './scenario.js';

const PUSH_SHA = 'e2bc267139e0a8ae046ac1ef0191e784eacb2794';
const PR_REPO_COMMIT = '7f20a294aedc33860abbdb42d36e6f812658bbd0';
const PR_HEAD_SHA = 'fdf7ea68b3ae4646e0ce68d2860fd3927781dcb9';
const FORK_HEAD_SHA = '95913ca58db7c693ca5945a5a770c45225f6b120';
const TAG_SHA = '3cf36ebd4632c916cd790d133bf6fc5d5bee2e10';

/** A job on a Windows image for a GitHub repository, with decrypted secure variables. */
const job = {
  CI: 'True',
  APPVEYOR: 'True',
  APPVEYOR_ACCOUNT_NAME: 'acme',
  APPVEYOR_API_URL: 'http://localhost:1031/',
  APPVEYOR_BUILD_FOLDER: 'C:\\projects\\widgets',
  APPVEYOR_BUILD_ID: '50123456',
  APPVEYOR_BUILD_NUMBER: '318',
  APPVEYOR_BUILD_VERSION: '1.0.318',
  APPVEYOR_BUILD_WORKER_IMAGE: 'Visual Studio 2022',
  APPVEYOR_JOB_ID: 'k3h8lx0y2f9q1w7e',
  APPVEYOR_JOB_NAME: '',
  APPVEYOR_JOB_NUMBER: '1',
  APPVEYOR_PROJECT_ID: '812345',
  APPVEYOR_PROJECT_NAME: 'widgets',
  APPVEYOR_PROJECT_SLUG: 'widgets',
  APPVEYOR_REPO_NAME: 'acme/widgets',
  APPVEYOR_REPO_PROVIDER: 'gitHub',
  APPVEYOR_REPO_SCM: 'git',
  APPVEYOR_REPO_COMMIT_AUTHOR: 'Octo Cat',
  APPVEYOR_REPO_COMMIT_AUTHOR_EMAIL: 'octocat@acme.example',
  APPVEYOR_REPO_COMMIT_MESSAGE: 'Parse lcov function records',
  APPVEYOR_REPO_COMMIT_TIMESTAMP: '2024-06-11T09:12:30.0000000Z',
  APPVEYOR_REPO_TAG: 'false',
  APPVEYOR_URL: 'https://ci.appveyor.com',
  CONFIGURATION: 'Release',
  PLATFORM: 'x64',
  NUGET_API_KEY: 'SECRET-oy2abcdefghijklmnopqrstuvwxyz0123456789abcdef',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const push = { ...job, APPVEYOR_REPO_BRANCH: 'main', APPVEYOR_REPO_COMMIT: PUSH_SHA };

const build = {
  buildId: '50123456',
  buildUrl: 'https://ci.appveyor.com/project/acme/widgets/builds/50123456',
  jobId: 'k3h8lx0y2f9q1w7e',
  slug: 'acme/widgets',
} as const;

/** On PRs APPVEYOR_REPO_BRANCH is the base branch; the head is named separately. */
const pullRequest = {
  ...job,
  APPVEYOR_REPO_BRANCH: 'main',
  APPVEYOR_REPO_COMMIT: PR_REPO_COMMIT,
  APPVEYOR_PULL_REQUEST_NUMBER: '42',
  APPVEYOR_PULL_REQUEST_TITLE: 'Parser: handle FNDA before FN',
  APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME: 'acme/widgets',
  APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH: 'feature/parser',
  APPVEYOR_PULL_REQUEST_HEAD_COMMIT: PR_HEAD_SHA,
};

/** Secure variables are not decrypted in PR builds from forks. */
const { NUGET_API_KEY: _n, AWS_SECRET_ACCESS_KEY: _a, ...forkPr } = pullRequest;

export const appveyor: Recorded = {
  push: {
    env: push,
    expected: { provider: 'appveyor', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: pullRequest,
    expected: {
      provider: 'appveyor',
      commitSha: PR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main', fork: false, headRepository: 'acme/widgets' },
      ...build,
    },
  },
  'fork pull request': {
    env: {
      ...forkPr,
      APPVEYOR_PULL_REQUEST_NUMBER: '43',
      APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME: 'contributor/widgets',
      APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH: 'patch-1',
      APPVEYOR_PULL_REQUEST_HEAD_COMMIT: FORK_HEAD_SHA,
    },
    expected: {
      provider: 'appveyor',
      commitSha: FORK_HEAD_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main', fork: true, headRepository: 'contributor/widgets' },
      ...build,
    },
  },
  tag: {
    env: { ...job, APPVEYOR_REPO_BRANCH: 'v1.4.0', APPVEYOR_REPO_COMMIT: TAG_SHA, APPVEYOR_REPO_TAG: 'true', APPVEYOR_REPO_TAG_NAME: 'v1.4.0' },
    expected: { provider: 'appveyor', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Re-build commit" starts a new build (new id and version), assumed from the UI; not confirmed
    // whether "Re-run incomplete" keeps the build id.
    env: { ...push, APPVEYOR_BUILD_ID: '50123999', APPVEYOR_BUILD_NUMBER: '319', APPVEYOR_BUILD_VERSION: '1.0.319', APPVEYOR_JOB_ID: 'p9q8r7s6t5u4v3w2', APPVEYOR_RE_BUILD: 'True' },
    expected: {
      provider: 'appveyor',
      commitSha: PUSH_SHA,
      branch: 'main',
      buildId: '50123999',
      buildUrl: 'https://ci.appveyor.com/project/acme/widgets/builds/50123999',
      jobId: 'p9q8r7s6t5u4v3w2',
      slug: 'acme/widgets',
    },
  },
  'Linux image (lower-case flags)': {
    env: { ...push, CI: 'true', APPVEYOR: 'true', APPVEYOR_BUILD_FOLDER: '/home/appveyor/projects/widgets', APPVEYOR_BUILD_WORKER_IMAGE: 'Ubuntu2204' },
    expected: { provider: 'appveyor', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
};
