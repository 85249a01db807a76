import type { Recorded } from './scenario.js';

const PUSH_SHA = '6f129ad14cb41a752a4f44ea09f63f97bec099ae';
const MR_HEAD_SHA = '166f9daaa2a4eedfb212e7831f20a3abeeb271ad';
const MR_MERGE_SHA = 'eedbb224d3fd1676dbb548259bac37a3f9a06cb8';
const TARGET_SHA = 'c1f97dc36e1c5b691af07977b7fec9cc6f514fb8';
const FORK_HEAD_SHA = 'cb7d46e13c0ec35952ed8e570dcb990a08bc4705';
const TAG_SHA = '21101dfc5e701a61d37a2d9c35bad371e04327a1';
const JOB_TOKEN = 'SECRET-glcbt-64_Xq1w2e3r4t5y6u7i8o9p';

/** A job on a GitLab.com SaaS runner in a project of a nested group, with a masked project variable. */
const job = {
  CI: 'true',
  GITLAB_CI: 'true',
  CI_SERVER: 'yes',
  CI_SERVER_NAME: 'GitLab',
  CI_SERVER_URL: 'https://gitlab.com',
  CI_SERVER_HOST: 'gitlab.com',
  CI_SERVER_VERSION: '17.1.0-pre',
  CI_API_V4_URL: 'https://gitlab.com/api/v4',
  CI_PROJECT_ID: '48151623',
  CI_PROJECT_NAME: 'widgets',
  CI_PROJECT_NAMESPACE: 'acme/platform',
  CI_PROJECT_PATH: 'acme/platform/widgets',
  CI_PROJECT_PATH_SLUG: 'acme-platform-widgets',
  CI_PROJECT_URL: 'https://gitlab.com/acme/platform/widgets',
  CI_PROJECT_DIR: '/builds/acme/platform/widgets',
  CI_PROJECT_VISIBILITY: 'private',
  CI_DEFAULT_BRANCH: 'main',
  CI_PIPELINE_ID: '1312456789',
  CI_PIPELINE_IID: '812',
  CI_PIPELINE_SOURCE: 'push',
  CI_PIPELINE_URL: 'https://gitlab.com/acme/platform/widgets/-/pipelines/1312456789',
  CI_PIPELINE_CREATED_AT: '2024-06-11T09:12:44Z',
  CI_JOB_ID: '7012345678',
  CI_JOB_NAME: 'test',
  CI_JOB_NAME_SLUG: 'test',
  CI_JOB_STAGE: 'test',
  CI_JOB_URL: 'https://gitlab.com/acme/platform/widgets/-/jobs/7012345678',
  CI_JOB_STARTED_AT: '2024-06-11T09:13:02Z',
  CI_NODE_TOTAL: '1',
  CI_RUNNER_ID: '12270807',
  CI_RUNNER_DESCRIPTION: '3-blue.saas-linux-small-amd64.runners-manager.gitlab.com/default',
  CI_RUNNER_TAGS: '["saas-linux-small-amd64"]',
  CI_CONCURRENT_ID: '4',
  GITLAB_USER_ID: '2231884',
  GITLAB_USER_LOGIN: 'octocat',
  GITLAB_USER_EMAIL: 'octocat@acme.example',
  GITLAB_USER_NAME: 'Octo Cat',
  // Credentials GitLab itself puts in every job: the job token, three more names for it, and a
  // clone URL that embeds it.
  CI_JOB_TOKEN: JOB_TOKEN,
  CI_BUILD_TOKEN: JOB_TOKEN,
  CI_REGISTRY: 'registry.gitlab.com',
  CI_REGISTRY_USER: 'gitlab-ci-token',
  CI_REGISTRY_PASSWORD: JOB_TOKEN,
  CI_DEPENDENCY_PROXY_USER: 'gitlab-ci-token',
  CI_DEPENDENCY_PROXY_PASSWORD: JOB_TOKEN,
  CI_REPOSITORY_URL: `https://gitlab-ci-token:${JOB_TOKEN}@gitlab.com/acme/platform/widgets.git`,
  DEPLOY_KEY_PRIVATE: 'SECRET------BEGIN OPENSSH PRIVATE KEY-----',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const push = {
  ...job,
  CI_COMMIT_SHA: PUSH_SHA,
  CI_COMMIT_SHORT_SHA: PUSH_SHA.slice(0, 8),
  CI_COMMIT_BEFORE_SHA: TARGET_SHA,
  CI_COMMIT_REF_NAME: 'main',
  CI_COMMIT_REF_SLUG: 'main',
  CI_COMMIT_REF_PROTECTED: 'true',
  CI_COMMIT_BRANCH: 'main',
  CI_COMMIT_TITLE: 'Parse lcov function records',
  CI_COMMIT_MESSAGE: 'Parse lcov function records\n',
  CI_COMMIT_AUTHOR: 'Octo Cat <octocat@acme.example>',
  CI_COMMIT_TIMESTAMP: '2024-06-11T11:12:30+02:00',
};

const build = {
  buildId: '1312456789',
  buildUrl: 'https://gitlab.com/acme/platform/widgets/-/pipelines/1312456789',
  jobId: '7012345678',
  slug: 'acme/platform/widgets',
} as const;

/** A merge request pipeline (`rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`): no CI_COMMIT_BRANCH. */
const mergeRequest = {
  ...job,
  CI_PIPELINE_SOURCE: 'merge_request_event',
  CI_COMMIT_SHA: MR_HEAD_SHA,
  CI_COMMIT_SHORT_SHA: MR_HEAD_SHA.slice(0, 8),
  CI_COMMIT_BEFORE_SHA: '0000000000000000000000000000000000000000',
  CI_COMMIT_REF_NAME: 'feature/parser',
  CI_COMMIT_REF_SLUG: 'feature-parser',
  CI_COMMIT_REF_PROTECTED: 'false',
  CI_COMMIT_TITLE: 'Handle FNDA before FN',
  CI_MERGE_REQUEST_ID: '301234567',
  CI_MERGE_REQUEST_IID: '57',
  CI_MERGE_REQUEST_TITLE: 'Parser: handle FNDA before FN',
  CI_MERGE_REQUEST_EVENT_TYPE: 'detached',
  CI_MERGE_REQUEST_REF_PATH: 'refs/merge-requests/57/head',
  CI_MERGE_REQUEST_PROJECT_ID: '48151623',
  CI_MERGE_REQUEST_PROJECT_PATH: 'acme/platform/widgets',
  CI_MERGE_REQUEST_PROJECT_URL: 'https://gitlab.com/acme/platform/widgets',
  CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '48151623',
  CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'acme/platform/widgets',
  CI_MERGE_REQUEST_SOURCE_PROJECT_URL: 'https://gitlab.com/acme/platform/widgets',
  CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/parser',
  CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: '',
  CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
  CI_MERGE_REQUEST_TARGET_BRANCH_SHA: '',
  CI_MERGE_REQUEST_DIFF_BASE_SHA: TARGET_SHA,
  CI_MERGE_REQUEST_APPROVED: 'false',
  CI_MERGE_REQUEST_LABELS: 'parser',
};

const { AWS_SECRET_ACCESS_KEY: _aws, DEPLOY_KEY_PRIVATE: _key, ...forkMergeRequest } = mergeRequest;

export const gitlabCi: Recorded = {
  push: {
    env: push,
    expected: { provider: 'gitlab-ci', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: mergeRequest,
    expected: {
      provider: 'gitlab-ci',
      commitSha: MR_HEAD_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 57, baseBranch: 'main', fork: false, headRepository: 'acme/platform/widgets' },
      ...build,
    },
  },
  'merged results pipeline': {
    env: {
      ...mergeRequest,
      CI_COMMIT_SHA: MR_MERGE_SHA,
      CI_COMMIT_SHORT_SHA: MR_MERGE_SHA.slice(0, 8),
      CI_MERGE_REQUEST_EVENT_TYPE: 'merged_result',
      CI_MERGE_REQUEST_REF_PATH: 'refs/merge-requests/57/merge',
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: MR_HEAD_SHA,
      CI_MERGE_REQUEST_TARGET_BRANCH_SHA: TARGET_SHA,
    },
    expected: {
      provider: 'gitlab-ci',
      commitSha: MR_HEAD_SHA,
      mergeSha: MR_MERGE_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 57, baseBranch: 'main', fork: false, headRepository: 'acme/platform/widgets' },
      ...build,
    },
  },
  'fork pull request': {
    // By default an MR pipeline from a fork runs in the fork: CI_PROJECT_* and the pipeline are the
    // fork's, and the parent's CI/CD variables are not there. The MR belongs to the parent project.
    env: {
      ...forkMergeRequest,
      CI_PROJECT_ID: '58001122',
      CI_PROJECT_NAMESPACE: 'contributor',
      CI_PROJECT_PATH: 'contributor/widgets',
      CI_PROJECT_PATH_SLUG: 'contributor-widgets',
      CI_PROJECT_URL: 'https://gitlab.com/contributor/widgets',
      CI_PROJECT_DIR: '/builds/contributor/widgets',
      CI_REPOSITORY_URL: `https://gitlab-ci-token:${JOB_TOKEN}@gitlab.com/contributor/widgets.git`,
      CI_PIPELINE_ID: '1312460000',
      CI_PIPELINE_URL: 'https://gitlab.com/contributor/widgets/-/pipelines/1312460000',
      CI_JOB_ID: '7012349999',
      CI_JOB_URL: 'https://gitlab.com/contributor/widgets/-/jobs/7012349999',
      CI_COMMIT_SHA: FORK_HEAD_SHA,
      CI_COMMIT_REF_NAME: 'patch-1',
      CI_COMMIT_REF_SLUG: 'patch-1',
      CI_MERGE_REQUEST_IID: '58',
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '58001122',
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'contributor/widgets',
      CI_MERGE_REQUEST_SOURCE_PROJECT_URL: 'https://gitlab.com/contributor/widgets',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'patch-1',
    },
    expected: {
      provider: 'gitlab-ci',
      commitSha: FORK_HEAD_SHA,
      branch: 'patch-1',
      pullRequest: { number: 58, baseBranch: 'main', fork: true, headRepository: 'contributor/widgets' },
      buildId: '1312460000',
      buildUrl: 'https://gitlab.com/contributor/widgets/-/pipelines/1312460000',
      jobId: '7012349999',
      slug: 'acme/platform/widgets',
    },
  },
  tag: {
    env: {
      ...job,
      CI_COMMIT_SHA: TAG_SHA,
      CI_COMMIT_SHORT_SHA: TAG_SHA.slice(0, 8),
      CI_COMMIT_REF_NAME: 'v1.4.0',
      CI_COMMIT_REF_SLUG: 'v1-4-0',
      CI_COMMIT_REF_PROTECTED: 'true',
      CI_COMMIT_TAG: 'v1.4.0',
      CI_COMMIT_TAG_MESSAGE: 'Release 1.4.0',
    },
    expected: { provider: 'gitlab-ci', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Retry" creates a new job in the same pipeline.
    env: { ...push, CI_JOB_ID: '7012355555', CI_JOB_URL: 'https://gitlab.com/acme/platform/widgets/-/jobs/7012355555' },
    expected: { provider: 'gitlab-ci', commitSha: PUSH_SHA, branch: 'main', ...build, jobId: '7012355555' },
  },
};
