import type { Recorded } from './scenario.js';

const PUSH_SHA = 'fdf7ea68b3ae4646e0ce68d2860fd3927781dcb9';
const PR_HEAD_SHA = '95913ca58db7c693ca5945a5a770c45225f6b120';
const FORK_HEAD_SHA = '3cf36ebd4632c916cd790d133bf6fc5d5bee2e10';
const TAG_SHA = '9792345d343bf921535e880366f863f63d810a72';
const BUILD_ID = '018fa3b2-6c1d-4e5f-9a8b-7c6d5e4f3a2b';

/** A command step on a self-hosted agent of a GitHub-backed pipeline; secrets come from an agent hook. */
const job = {
  CI: 'true',
  BUILDKITE: 'true',
  BUILDKITE_AGENT_ACCESS_TOKEN: 'SECRET-bkaj_eyJhbGciOiJIUzUxMiJ9.agent',
  BUILDKITE_AGENT_ID: '018fa3b0-1111-4222-8333-944455556666',
  BUILDKITE_AGENT_NAME: 'ci-linux-3',
  BUILDKITE_AGENT_META_DATA_QUEUE: 'default',
  BUILDKITE_BUILD_AUTHOR: 'Octo Cat',
  BUILDKITE_BUILD_AUTHOR_EMAIL: 'octocat@acme.example',
  BUILDKITE_BUILD_CHECKOUT_PATH: '/var/lib/buildkite-agent/builds/ci-linux-3/acme/widgets',
  BUILDKITE_BUILD_CREATOR: 'Octo Cat',
  BUILDKITE_BUILD_ID: BUILD_ID,
  BUILDKITE_BUILD_NUMBER: '1514',
  BUILDKITE_BUILD_URL: 'https://buildkite.com/acme/widgets/builds/1514',
  BUILDKITE_COMMAND: 'npm test -- --coverage',
  BUILDKITE_JOB_ID: '018fa3b2-7d2e-4f60-8b9c-8d7e6f5a4b3c',
  BUILDKITE_LABEL: ':test_tube: Test',
  BUILDKITE_MESSAGE: 'Parse lcov function records',
  BUILDKITE_ORGANIZATION_SLUG: 'acme',
  BUILDKITE_PIPELINE_SLUG: 'widgets',
  BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'main',
  BUILDKITE_PIPELINE_PROVIDER: 'github',
  BUILDKITE_PULL_REQUEST: 'false',
  BUILDKITE_PULL_REQUEST_BASE_BRANCH: '',
  BUILDKITE_PULL_REQUEST_REPO: '',
  BUILDKITE_REBUILT_FROM_BUILD_ID: '',
  BUILDKITE_REPO: 'git@github.com:acme/widgets.git',
  BUILDKITE_RETRY_COUNT: '0',
  BUILDKITE_SOURCE: 'webhook',
  BUILDKITE_STEP_ID: '018fa3b2-5b0c-4d4e-8f7a-6b5c4d3e2f1a',
  BUILDKITE_STEP_KEY: 'test',
  BUILDKITE_TAG: '',
  BUILDKITE_TRIGGERED_FROM_BUILD_ID: '',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const push = { ...job, BUILDKITE_BRANCH: 'main', BUILDKITE_COMMIT: PUSH_SHA };

const build = {
  buildId: BUILD_ID,
  buildUrl: 'https://buildkite.com/acme/widgets/builds/1514',
  jobId: '018fa3b2-7d2e-4f60-8b9c-8d7e6f5a4b3c',
  slug: 'acme/widgets',
} as const;

export const buildkite: Recorded = {
  push: {
    env: push,
    expected: { provider: 'buildkite', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: {
      ...job,
      BUILDKITE_BRANCH: 'feature/parser',
      BUILDKITE_COMMIT: PR_HEAD_SHA,
      BUILDKITE_PULL_REQUEST: '42',
      BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'main',
      BUILDKITE_PULL_REQUEST_REPO: 'git://github.com/acme/widgets.git',
    },
    expected: {
      provider: 'buildkite',
      commitSha: PR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main', fork: false, headRepository: 'acme/widgets' },
      ...build,
    },
  },
  'fork pull request': {
    // With the pipeline setting "Prefix pull request fork branch names" (on by default) the branch
    // is `<fork owner>:<branch>`, as GitHub shows it; kept as given.
    env: {
      ...job,
      BUILDKITE_BRANCH: 'contributor:patch-1',
      BUILDKITE_COMMIT: FORK_HEAD_SHA,
      BUILDKITE_PULL_REQUEST: '43',
      BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'main',
      BUILDKITE_PULL_REQUEST_REPO: 'git://github.com/contributor/widgets.git',
    },
    expected: {
      provider: 'buildkite',
      commitSha: FORK_HEAD_SHA,
      branch: 'contributor:patch-1',
      pullRequest: { number: 43, baseBranch: 'main', fork: true, headRepository: 'contributor/widgets' },
      ...build,
    },
  },
  tag: {
    // Tag builds carry the tag in BUILDKITE_BRANCH too.
    env: { ...job, BUILDKITE_BRANCH: 'v1.4.0', BUILDKITE_TAG: 'v1.4.0', BUILDKITE_COMMIT: TAG_SHA },
    expected: { provider: 'buildkite', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // Retrying a job creates a new job in the same build.
    env: { ...push, BUILDKITE_RETRY_COUNT: '1', BUILDKITE_JOB_ID: '018fa3c9-0a1b-4c2d-9e3f-4a5b6c7d8e9f' },
    expected: { provider: 'buildkite', commitSha: PUSH_SHA, branch: 'main', ...build, jobId: '018fa3c9-0a1b-4c2d-9e3f-4a5b6c7d8e9f' },
  },
  'new build from the UI without a commit, repository cloned over HTTPS with a token': {
    env: {
      ...job,
      BUILDKITE_SOURCE: 'ui',
      BUILDKITE_BRANCH: 'main',
      BUILDKITE_COMMIT: 'HEAD',
      BUILDKITE_REPO: 'https://x-access-token:SECRET-ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/widgets.git',
    },
    expected: { provider: 'buildkite', branch: 'main', ...build },
  },
};
