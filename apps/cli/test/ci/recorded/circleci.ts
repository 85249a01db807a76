import type { Recorded } from './scenario.js';

const PUSH_SHA = 'e18e721922b7564b323708e648fc8d2a05b2006c';
const PR_HEAD_SHA = 'c199b4d67a40ac80ce48fdf2228fce492810527e';
const FORK_HEAD_SHA = 'e2bc267139e0a8ae046ac1ef0191e784eacb2794';
const TAG_SHA = '7f20a294aedc33860abbdb42d36e6f812658bbd0';

/** A Docker executor job of a GitHub OAuth project, with a context holding cloud keys. */
const job = {
  CI: 'true',
  CIRCLECI: 'true',
  HOME: '/home/circleci',
  PATH: '/home/circleci/.npm-global/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  CIRCLE_BUILD_NUM: '2814',
  CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/widgets/2814',
  CIRCLE_JOB: 'test',
  CIRCLE_NODE_INDEX: '0',
  CIRCLE_NODE_TOTAL: '1',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'widgets',
  CIRCLE_REPOSITORY_URL: 'git@github.com:acme/widgets.git',
  CIRCLE_USERNAME: 'octocat',
  CIRCLE_WORKFLOW_ID: '5f1c7b9e-2a43-4c8e-9b0d-7e6f5a4b3c21',
  CIRCLE_WORKFLOW_JOB_ID: '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b',
  CIRCLE_WORKFLOW_WORKSPACE_ID: '5f1c7b9e-2a43-4c8e-9b0d-7e6f5a4b3c21',
  CIRCLE_WORKING_DIRECTORY: '~/project',
  CIRCLE_INTERNAL_TASK_DATA: '/.circleci-task-data',
  CIRCLE_SHELL_ENV: '/.circleci-task-data/.bash_env',
  CIRCLE_OIDC_TOKEN: 'SECRET-eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.oidc',
  CIRCLE_OIDC_TOKEN_V2: 'SECRET-eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.oidc2',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  NPM_TOKEN: 'SECRET-npm_1234567890abcdefghijklmnopqrstuvwxyz',
};

const push = { ...job, CIRCLE_BRANCH: 'main', CIRCLE_SHA1: PUSH_SHA };

const build = {
  buildId: '5f1c7b9e-2a43-4c8e-9b0d-7e6f5a4b3c21',
  buildUrl: 'https://circleci.com/gh/acme/widgets/2814',
  jobId: '2814',
  slug: 'acme/widgets',
} as const;

/** Forked PRs get no contexts, no project secrets and no OIDC token unless the project opts in. */
const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, NPM_TOKEN: _n, CIRCLE_OIDC_TOKEN: _o, CIRCLE_OIDC_TOKEN_V2: _o2, ...forkJob } = job;

export const circleci: Recorded = {
  push: {
    env: push,
    expected: { provider: 'circleci', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    // CircleCI builds the branch; an open PR for it adds CIRCLE_PULL_REQUEST(S). No base branch is given.
    env: {
      ...job,
      CIRCLE_BRANCH: 'feature/parser',
      CIRCLE_SHA1: PR_HEAD_SHA,
      CIRCLE_PULL_REQUEST: 'https://github.com/acme/widgets/pull/42',
      CIRCLE_PULL_REQUESTS: 'https://github.com/acme/widgets/pull/42',
    },
    expected: { provider: 'circleci', commitSha: PR_HEAD_SHA, branch: 'feature/parser', pullRequest: { number: 42 }, ...build },
  },
  'fork pull request': {
    // The branch is CircleCI's `pull/<n>`, not the fork's branch name: left unset.
    env: {
      ...forkJob,
      CIRCLE_BRANCH: 'pull/43',
      CIRCLE_SHA1: FORK_HEAD_SHA,
      CIRCLE_PULL_REQUEST: 'https://github.com/acme/widgets/pull/43',
      CIRCLE_PULL_REQUESTS: 'https://github.com/acme/widgets/pull/43',
      CIRCLE_PR_NUMBER: '43',
      CIRCLE_PR_USERNAME: 'contributor',
      CIRCLE_PR_REPONAME: 'widgets',
    },
    expected: { provider: 'circleci', commitSha: FORK_HEAD_SHA, pullRequest: { number: 43, fork: true, headRepository: 'contributor/widgets' }, ...build },
  },
  tag: {
    // Tag builds have CIRCLE_TAG and no CIRCLE_BRANCH.
    env: { ...job, CIRCLE_TAG: 'v1.4.0', CIRCLE_SHA1: TAG_SHA },
    expected: { provider: 'circleci', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Rerun workflow from failed" starts a new workflow (new id) whose jobs get new numbers.
    env: {
      ...push,
      CIRCLE_WORKFLOW_ID: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      CIRCLE_WORKFLOW_WORKSPACE_ID: '5f1c7b9e-2a43-4c8e-9b0d-7e6f5a4b3c21',
      CIRCLE_BUILD_NUM: '2822',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/widgets/2822',
    },
    expected: {
      provider: 'circleci',
      commitSha: PUSH_SHA,
      branch: 'main',
      buildId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      buildUrl: 'https://circleci.com/gh/acme/widgets/2822',
      jobId: '2822',
      slug: 'acme/widgets',
    },
  },
};
