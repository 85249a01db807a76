import type { Recorded } from './scenario.js';

const PUSH_SHA = '55a1de4d767d5d2b4513d8d3c2bf728fbe1fbff0';
const PR_HEAD_SHA = 'f6585787350426fefaf5efb16084be474da72f61';
const FORK_HEAD_SHA = '6f129ad14cb41a752a4f44ea09f63f97bec099ae';
const TAG_SHA = '166f9daaa2a4eedfb212e7831f20a3abeeb271ad';

/** A step of Woodpecker 2.x/3.x on a Forgejo forge, with a secret passed by `from_secret`. */
const step = {
  CI: 'woodpecker',
  CI_REPO: 'acme/widgets',
  CI_REPO_OWNER: 'acme',
  CI_REPO_NAME: 'widgets',
  CI_REPO_REMOTE_ID: '48213',
  CI_REPO_URL: 'https://codeberg.org/acme/widgets',
  CI_REPO_CLONE_URL: 'https://codeberg.org/acme/widgets.git',
  CI_REPO_CLONE_SSH_URL: 'ssh://git@codeberg.org/acme/widgets.git',
  CI_REPO_DEFAULT_BRANCH: 'main',
  CI_REPO_PRIVATE: 'false',
  CI_REPO_TRUSTED: 'false',
  CI_PIPELINE_NUMBER: '77',
  CI_PIPELINE_PARENT: '0',
  CI_PIPELINE_URL: 'https://ci.codeberg.org/repos/1234/pipeline/77',
  CI_PIPELINE_CREATED: '1718097150',
  CI_PIPELINE_STARTED: '1718097152',
  CI_WORKFLOW_NAME: 'test',
  CI_STEP_NAME: 'coverage',
  CI_STEP_NUMBER: '3',
  CI_STEP_URL: 'https://ci.codeberg.org/repos/1234/pipeline/77/3',
  CI_SYSTEM_NAME: 'woodpecker',
  CI_SYSTEM_URL: 'https://ci.codeberg.org',
  CI_SYSTEM_HOST: 'ci.codeberg.org',
  CI_SYSTEM_VERSION: '2.7.0',
  CI_FORGE_TYPE: 'forgejo',
  CI_FORGE_URL: 'https://codeberg.org',
  CI_WORKSPACE: '/woodpecker/src/codeberg.org/acme/widgets',
  CI_COMMIT_AUTHOR: 'octocat',
  CI_COMMIT_AUTHOR_EMAIL: 'octocat@acme.example',
  CI_COMMIT_MESSAGE: 'Parse lcov function records\n',
  CI_PREV_COMMIT_SHA: TAG_SHA,
  CI_PREV_PIPELINE_NUMBER: '76',
  CODEBERG_TOKEN: 'SECRET-0123456789abcdef0123456789abcdef01234567',
};

const push = {
  ...step,
  CI_PIPELINE_EVENT: 'push',
  CI_PIPELINE_FORGE_URL: `https://codeberg.org/acme/widgets/commit/${PUSH_SHA}`,
  CI_COMMIT_SHA: PUSH_SHA,
  CI_COMMIT_REF: 'refs/heads/main',
  CI_COMMIT_BRANCH: 'main',
};

const build = {
  buildId: '77',
  buildUrl: 'https://ci.codeberg.org/repos/1234/pipeline/77',
  jobId: 'test',
  slug: 'acme/widgets',
} as const;

const pullRequest = (number: string, source: string, sha: string) => ({
  ...step,
  CI_PIPELINE_EVENT: 'pull_request',
  CI_PIPELINE_FORGE_URL: `https://codeberg.org/acme/widgets/pulls/${number}`,
  CI_COMMIT_SHA: sha,
  CI_COMMIT_REF: `refs/pull/${number}/head`,
  CI_COMMIT_REFSPEC: `${source}:main`,
  // The target branch, on pull requests.
  CI_COMMIT_BRANCH: 'main',
  CI_COMMIT_SOURCE_BRANCH: source,
  CI_COMMIT_TARGET_BRANCH: 'main',
  CI_COMMIT_PULL_REQUEST: number,
  CI_COMMIT_PULL_REQUEST_LABELS: '',
});

/** Secrets are not given to pull requests from forks unless the repository allows it. */
const { CODEBERG_TOKEN: _t, ...forkPr } = pullRequest('43', 'patch-1', FORK_HEAD_SHA);

export const woodpecker: Recorded = {
  push: {
    env: push,
    expected: { provider: 'woodpecker', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: pullRequest('42', 'feature/parser', PR_HEAD_SHA),
    expected: {
      provider: 'woodpecker',
      commitSha: PR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main' },
      ...build,
    },
  },
  'fork pull request': {
    env: forkPr,
    expected: {
      provider: 'woodpecker',
      commitSha: FORK_HEAD_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main' },
      ...build,
    },
  },
  tag: {
    env: {
      ...step,
      CI_PIPELINE_EVENT: 'tag',
      CI_PIPELINE_FORGE_URL: 'https://codeberg.org/acme/widgets/src/tag/v1.4.0',
      CI_COMMIT_SHA: TAG_SHA,
      CI_COMMIT_REF: 'refs/tags/v1.4.0',
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_TAG: 'v1.4.0',
    },
    expected: { provider: 'woodpecker', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Restart" creates a new pipeline whose CI_PIPELINE_PARENT is the restarted one.
    env: { ...push, CI_PIPELINE_NUMBER: '78', CI_PIPELINE_PARENT: '77', CI_PIPELINE_URL: 'https://ci.codeberg.org/repos/1234/pipeline/78' },
    expected: {
      provider: 'woodpecker',
      commitSha: PUSH_SHA,
      branch: 'main',
      ...build,
      buildId: '78',
      buildUrl: 'https://ci.codeberg.org/repos/1234/pipeline/78',
    },
  },
  'release with Drone compatibility variables (constructed: CI=woodpecker plus DRONE_*)': {
    env: {
      ...push,
      DRONE: 'true',
      DRONE_BUILD_NUMBER: '77',
      DRONE_BUILD_LINK: 'https://codeberg.org/acme/widgets/commit/0000000000000000000000000000000000000000',
      DRONE_COMMIT_SHA: PUSH_SHA,
      DRONE_BRANCH: 'main',
      DRONE_REPO: 'acme/widgets',
      DRONE_NETRC_PASSWORD: 'SECRET-netrc-password',
    },
    expected: { provider: 'woodpecker', commitSha: PUSH_SHA, branch: 'main', ...build },
    alsoDetectedBy: ['drone'],
  },
};
