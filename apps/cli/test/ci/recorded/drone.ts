import type { Recorded } from './scenario.js';

const PUSH_SHA = 'c1f97dc36e1c5b691af07977b7fec9cc6f514fb8';
const PR_HEAD_SHA = 'cb7d46e13c0ec35952ed8e570dcb990a08bc4705';
const FORK_HEAD_SHA = '21101dfc5e701a61d37a2d9c35bad371e04327a1';
const TAG_SHA = 'e18e721922b7564b323708e648fc8d2a05b2006c';

/** A step of a Docker pipeline on Drone 2.x for a GitHub repository; netrc credentials are in every step. */
const step = {
  CI: 'true',
  DRONE: 'true',
  DRONE_BUILD_CREATED: '1718097150',
  DRONE_BUILD_STARTED: '1718097152',
  DRONE_BUILD_FINISHED: '1718097190',
  DRONE_BUILD_LINK: 'https://drone.acme.example/acme/widgets/64',
  DRONE_BUILD_NUMBER: '64',
  DRONE_BUILD_PARENT: '0',
  DRONE_BUILD_STATUS: 'success',
  DRONE_BUILD_TRIGGER: '@hook',
  DRONE_COMMIT_AUTHOR: 'octocat',
  DRONE_COMMIT_AUTHOR_EMAIL: 'octocat@acme.example',
  DRONE_COMMIT_MESSAGE: 'Parse lcov function records',
  DRONE_GIT_HTTP_URL: 'https://github.com/acme/widgets.git',
  DRONE_GIT_SSH_URL: 'git@github.com:acme/widgets.git',
  DRONE_NETRC_MACHINE: 'github.com',
  DRONE_NETRC_USERNAME: 'drone-bot',
  DRONE_NETRC_PASSWORD: 'SECRET-gho_16C7e42F292c6912E7710c838347Ae178B4a',
  DRONE_REMOTE_URL: 'https://github.com/acme/widgets.git',
  DRONE_REPO: 'acme/widgets',
  DRONE_REPO_BRANCH: 'main',
  DRONE_REPO_LINK: 'https://github.com/acme/widgets',
  DRONE_REPO_NAME: 'widgets',
  DRONE_REPO_NAMESPACE: 'acme',
  DRONE_REPO_OWNER: 'acme',
  DRONE_REPO_PRIVATE: 'true',
  DRONE_REPO_SCM: 'git',
  DRONE_REPO_VISIBILITY: 'private',
  DRONE_RUNNER_HOST: 'drone-runner-1',
  DRONE_RUNNER_HOSTNAME: 'drone-runner-1',
  DRONE_RUNNER_PLATFORM: 'linux/amd64',
  DRONE_STAGE_ARCH: 'amd64',
  DRONE_STAGE_KIND: 'pipeline',
  DRONE_STAGE_NAME: 'test',
  DRONE_STAGE_NUMBER: '1',
  DRONE_STAGE_OS: 'linux',
  DRONE_STAGE_TYPE: 'docker',
  DRONE_STEP_NAME: 'coverage',
  DRONE_STEP_NUMBER: '3',
  DRONE_SYSTEM_HOST: 'drone.acme.example',
  DRONE_SYSTEM_HOSTNAME: 'drone.acme.example',
  DRONE_SYSTEM_PROTO: 'https',
  DRONE_SYSTEM_VERSION: '2.20.0',
  DRONE_WORKSPACE: '/drone/src',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const push = {
  ...step,
  DRONE_BUILD_EVENT: 'push',
  DRONE_BUILD_ACTION: '',
  DRONE_BRANCH: 'main',
  DRONE_COMMIT: PUSH_SHA,
  DRONE_COMMIT_SHA: PUSH_SHA,
  DRONE_COMMIT_AFTER: PUSH_SHA,
  DRONE_COMMIT_BEFORE: TAG_SHA,
  DRONE_COMMIT_BRANCH: 'main',
  DRONE_COMMIT_REF: 'refs/heads/main',
  DRONE_COMMIT_LINK: `https://github.com/acme/widgets/compare/${TAG_SHA}...${PUSH_SHA}`,
  DRONE_SOURCE_BRANCH: 'main',
  DRONE_TARGET_BRANCH: 'main',
};

const build = {
  buildId: '64',
  buildUrl: 'https://drone.acme.example/acme/widgets/64',
  jobId: 'test',
  slug: 'acme/widgets',
} as const;

/** On pull requests DRONE_BRANCH and DRONE_COMMIT_BRANCH are the target branch. */
const pullRequest = (number: string, source: string, sha: string) => ({
  ...step,
  DRONE_BUILD_EVENT: 'pull_request',
  DRONE_BUILD_ACTION: 'synchronized',
  DRONE_BRANCH: 'main',
  DRONE_COMMIT: sha,
  DRONE_COMMIT_SHA: sha,
  DRONE_COMMIT_AFTER: sha,
  DRONE_COMMIT_BRANCH: 'main',
  DRONE_COMMIT_REF: `refs/pull/${number}/head`,
  DRONE_COMMIT_LINK: `https://github.com/acme/widgets/pull/${number}`,
  DRONE_PULL_REQUEST: number,
  DRONE_PULL_REQUEST_TITLE: 'Parser: handle FNDA before FN',
  DRONE_SOURCE_BRANCH: source,
  DRONE_TARGET_BRANCH: 'main',
});

/** Secrets are not given to pull requests from forks by default. */
const { AWS_SECRET_ACCESS_KEY: _a, ...forkPr } = pullRequest('43', 'patch-1', FORK_HEAD_SHA);

export const drone: Recorded = {
  push: {
    env: push,
    expected: { provider: 'drone', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: pullRequest('42', 'feature/parser', PR_HEAD_SHA),
    expected: {
      provider: 'drone',
      commitSha: PR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main' },
      ...build,
    },
  },
  'fork pull request': {
    env: forkPr,
    expected: {
      provider: 'drone',
      commitSha: FORK_HEAD_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main' },
      ...build,
    },
  },
  tag: {
    env: {
      ...step,
      DRONE_BUILD_EVENT: 'tag',
      DRONE_BRANCH: '',
      DRONE_COMMIT: TAG_SHA,
      DRONE_COMMIT_SHA: TAG_SHA,
      DRONE_COMMIT_REF: 'refs/tags/v1.4.0',
      DRONE_TAG: 'v1.4.0',
      DRONE_SEMVER: '1.4.0',
      DRONE_SEMVER_MAJOR: '1',
      DRONE_SEMVER_MINOR: '4',
      DRONE_SEMVER_PATCH: '0',
    },
    expected: { provider: 'drone', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Restart" creates a new build whose DRONE_BUILD_PARENT is the restarted one.
    env: { ...push, DRONE_BUILD_NUMBER: '65', DRONE_BUILD_PARENT: '64', DRONE_BUILD_LINK: 'https://drone.acme.example/acme/widgets/65' },
    expected: {
      provider: 'drone',
      commitSha: PUSH_SHA,
      branch: 'main',
      ...build,
      buildId: '65',
      buildUrl: 'https://drone.acme.example/acme/widgets/65',
    },
  },
};
