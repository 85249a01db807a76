import type { Recorded } from './scenario.js';

const PUSH_SHA = '8a8320843bf31bbe01b4428f54dfe938c9965d8b';
const PR_HEAD_SHA = '9dc0ed52564c2e75c3ce789e606e88b9f975e151';
const TAG_SHA = 'd3a524d1663650da34f0e13f51e62ce0a654e904';
const STEP_UUID = '{3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f}';

/** A step on Bitbucket Cloud with `oidc: true` and secured repository variables. */
const step = {
  CI: 'true',
  BITBUCKET_BUILD_NUMBER: '318',
  BITBUCKET_CLONE_DIR: '/opt/atlassian/pipelines/agent/build',
  BITBUCKET_GIT_HTTP_ORIGIN: 'http://bitbucket.org/acme/widgets',
  BITBUCKET_GIT_SSH_ORIGIN: 'git@bitbucket.org:acme/widgets.git',
  BITBUCKET_PIPELINE_UUID: '{9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b}',
  BITBUCKET_PROJECT_KEY: 'WID',
  BITBUCKET_PROJECT_UUID: '{0f1e2d3c-4b5a-4968-8776-655443322110}',
  BITBUCKET_REPO_FULL_NAME: 'acme/widgets',
  BITBUCKET_REPO_IS_PRIVATE: 'true',
  BITBUCKET_REPO_OWNER: 'acme',
  BITBUCKET_REPO_OWNER_UUID: '{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}',
  BITBUCKET_REPO_SLUG: 'widgets',
  BITBUCKET_REPO_UUID: '{5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a}',
  BITBUCKET_STEP_TRIGGERER_UUID: '{7b6a5f4e-3d2c-4b1a-9f8e-7d6c5b4a3f2e}',
  BITBUCKET_STEP_UUID: STEP_UUID,
  BITBUCKET_WORKSPACE: 'acme',
  BITBUCKET_STEP_OIDC_TOKEN: 'SECRET-eyJraWQiOiJhcGkuYml0YnVja2V0Lm9yZyJ9.oidc',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  DOCKER_HUB_PASSWORD: 'SECRET-dckr_pat_abcdef',
};

const push = { ...step, BITBUCKET_BRANCH: 'main', BITBUCKET_COMMIT: PUSH_SHA };

const build = {
  buildId: '318',
  buildUrl: 'http://bitbucket.org/acme/widgets/addon/pipelines/home#!/results/318',
  jobId: STEP_UUID,
  slug: 'acme/widgets',
} as const;

export const bitbucketPipelines: Recorded = {
  push: {
    env: push,
    expected: { provider: 'bitbucket-pipelines', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    // Pull-request pipelines name the source branch and commit; the destination commit is a short hash.
    env: {
      ...step,
      BITBUCKET_BRANCH: 'feature/parser',
      BITBUCKET_COMMIT: PR_HEAD_SHA,
      BITBUCKET_PR_ID: '42',
      BITBUCKET_PR_DESTINATION_BRANCH: 'main',
      BITBUCKET_PR_DESTINATION_COMMIT: 'c4b5a6978877',
    },
    expected: {
      provider: 'bitbucket-pipelines',
      commitSha: PR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main' },
      ...build,
    },
  },
  'fork pull request': {
    absent: 'Bitbucket Pipelines runs pull-request pipelines only for branches of the same repository, not for forks (not confirmed against current Bitbucket docs).',
  },
  tag: {
    // Tag pipelines have BITBUCKET_TAG and no BITBUCKET_BRANCH.
    env: { ...step, BITBUCKET_TAG: 'v1.4.0', BITBUCKET_COMMIT: TAG_SHA },
    expected: { provider: 'bitbucket-pipelines', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Rerun failed steps" reruns steps within the same pipeline (same build number); assumed, from
    // the UI, to keep the step's UUID.
    env: { ...push, BITBUCKET_STEP_TRIGGERER_UUID: '{2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b}' },
    expected: { provider: 'bitbucket-pipelines', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'custom pipeline triggered from a commit (short hash)': {
    env: { ...step, BITBUCKET_COMMIT: PUSH_SHA.slice(0, 12) },
    expected: { provider: 'bitbucket-pipelines', ...build },
  },
};
