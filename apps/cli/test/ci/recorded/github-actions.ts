import type { Recorded } from './scenario.js';

const PUSH_SHA = '55a1de4d767d5d2b4513d8d3c2bf728fbe1fbff0';
const PR_MERGE_SHA = '6b1507bd3e232995de2ed547698f587e84d4b35b';
const FORK_MERGE_SHA = 'f9bd0fd7773dc86547debe28e6f50bdb29bc34a2';
const BASE_HEAD_SHA = 'f6585787350426fefaf5efb16084be474da72f61';
const TAG_SHA = '0b0c6cf8bb606ab274dc0dd0e9fb200adb4cccb8';

/** A `run:` step on ubuntu-latest, in a job with `id-token: write` and secrets mapped into `env:`. */
const job = {
  CI: 'true',
  HOME: '/home/runner',
  PATH: '/home/runner/.local/bin:/opt/pipx_bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  GITHUB_ACTIONS: 'true',
  GITHUB_ACTION: '__run_3',
  GITHUB_ACTION_PATH: '',
  GITHUB_ACTION_REPOSITORY: '',
  GITHUB_ACTOR: 'octocat',
  GITHUB_ACTOR_ID: '583231',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_ENV: '/home/runner/work/_temp/_runner_file_commands/set_env_5b1c0e7a-41c4-4f3e-9d0b-3f0b2a9c7e61',
  GITHUB_EVENT_PATH: '/home/runner/work/_temp/_github_workflow/event.json',
  GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
  GITHUB_JOB: 'test',
  GITHUB_OUTPUT: '/home/runner/work/_temp/_runner_file_commands/set_output_5b1c0e7a-41c4-4f3e-9d0b-3f0b2a9c7e61',
  GITHUB_PATH: '/home/runner/work/_temp/_runner_file_commands/add_path_5b1c0e7a-41c4-4f3e-9d0b-3f0b2a9c7e61',
  GITHUB_REPOSITORY: 'acme/widgets',
  GITHUB_REPOSITORY_ID: '702114938',
  GITHUB_REPOSITORY_OWNER: 'acme',
  GITHUB_REPOSITORY_OWNER_ID: '1342004',
  GITHUB_RETENTION_DAYS: '90',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_RUN_ID: '9473812764',
  GITHUB_RUN_NUMBER: '412',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_STATE: '/home/runner/work/_temp/_runner_file_commands/save_state_5b1c0e7a-41c4-4f3e-9d0b-3f0b2a9c7e61',
  GITHUB_STEP_SUMMARY: '/home/runner/work/_temp/_runner_file_commands/step_summary_5b1c0e7a-41c4-4f3e-9d0b-3f0b2a9c7e61',
  GITHUB_TRIGGERING_ACTOR: 'octocat',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_WORKFLOW_REF: 'acme/widgets/.github/workflows/ci.yml@refs/heads/main',
  GITHUB_WORKFLOW_SHA: PUSH_SHA,
  GITHUB_WORKSPACE: '/home/runner/work/widgets/widgets',
  RUNNER_ARCH: 'X64',
  RUNNER_ENVIRONMENT: 'github-hosted',
  RUNNER_NAME: 'GitHub Actions 17',
  RUNNER_OS: 'Linux',
  RUNNER_TEMP: '/home/runner/work/_temp',
  RUNNER_TOOL_CACHE: '/opt/hostedtoolcache',
  RUNNER_WORKSPACE: '/home/runner/work/widgets',
  ACTIONS_RUNTIME_URL: 'https://pipelinesghubeus2.actions.githubusercontent.com/x1Ab2Cd3/',
  ACTIONS_RUNTIME_TOKEN: 'SECRET-eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.runtime',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelinesghubeus2.actions.githubusercontent.com/x1Ab2Cd3/idtoken/abc?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'SECRET-eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.idtoken',
  GITHUB_TOKEN: 'SECRET-ghs_16C7e42F292c6912E7710c838347Ae178B4a',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  NPM_TOKEN: 'SECRET-npm_1234567890abcdefghijklmnopqrstuvwxyz',
  COVERWATCH_TOKEN: 'SECRET-cw_upload_3f9a1c',
};

const push = {
  ...job,
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_REF_PROTECTED: 'true',
  GITHUB_REF_TYPE: 'branch',
  GITHUB_SHA: PUSH_SHA,
  // Set, and empty, outside pull request events.
  GITHUB_HEAD_REF: '',
  GITHUB_BASE_REF: '',
};

const build = {
  buildId: '9473812764',
  buildUrl: 'https://github.com/acme/widgets/actions/runs/9473812764',
  jobId: 'test',
  slug: 'acme/widgets',
} as const;

/** Secrets are not passed to workflows triggered from forks; GITHUB_TOKEN is read-only and no ID token can be requested. */
const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, NPM_TOKEN: _n, ACTIONS_ID_TOKEN_REQUEST_URL: _u, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _t, ...forkJob } = job;

export const githubActions: Recorded = {
  push: {
    env: push,
    expected: { provider: 'github-actions', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: {
      ...job,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/42/merge',
      GITHUB_REF_NAME: '42/merge',
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: PR_MERGE_SHA,
      GITHUB_HEAD_REF: 'feature/parser',
      GITHUB_BASE_REF: 'main',
    },
    expected: {
      provider: 'github-actions',
      mergeSha: PR_MERGE_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main' },
      ...build,
    },
  },
  'fork pull request': {
    env: {
      ...forkJob,
      GITHUB_ACTOR: 'contributor',
      GITHUB_TRIGGERING_ACTOR: 'contributor',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/43/merge',
      GITHUB_REF_NAME: '43/merge',
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: FORK_MERGE_SHA,
      // The fork's branch name, unprefixed; GITHUB_REPOSITORY stays the base repository.
      GITHUB_HEAD_REF: 'patch-1',
      GITHUB_BASE_REF: 'main',
    },
    expected: {
      provider: 'github-actions',
      mergeSha: FORK_MERGE_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main' },
      ...build,
    },
  },
  tag: {
    env: {
      ...push,
      GITHUB_REF: 'refs/tags/v1.4.0',
      GITHUB_REF_NAME: 'v1.4.0',
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_REF_TYPE: 'tag',
      GITHUB_SHA: TAG_SHA,
      GITHUB_WORKFLOW_REF: 'acme/widgets/.github/workflows/ci.yml@refs/tags/v1.4.0',
    },
    expected: { provider: 'github-actions', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Re-run jobs" keeps the run id and counts attempts; the upload joins the same build.
    env: { ...push, GITHUB_RUN_ATTEMPT: '2' },
    expected: { provider: 'github-actions', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull_request_target (runs with the base branch checked out)': {
    env: {
      ...job,
      GITHUB_EVENT_NAME: 'pull_request_target',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: BASE_HEAD_SHA,
      GITHUB_HEAD_REF: 'patch-1',
      GITHUB_BASE_REF: 'main',
    },
    expected: { provider: 'github-actions', ...build },
  },
  'workflow_run (runs on the default branch after another workflow)': {
    env: {
      ...job,
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: BASE_HEAD_SHA,
      GITHUB_HEAD_REF: '',
      GITHUB_BASE_REF: '',
    },
    expected: { provider: 'github-actions', ...build },
  },
  'workflow_dispatch on a branch': {
    env: { ...push, GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/release/2.x', GITHUB_REF_NAME: 'release/2.x' },
    expected: { provider: 'github-actions', commitSha: PUSH_SHA, branch: 'release/2.x', ...build },
  },
};
