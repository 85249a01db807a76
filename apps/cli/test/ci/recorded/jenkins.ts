import type { Recorded } from './scenario.js';

const PUSH_SHA = 'bacecd512c59909c50fce04c8925f4346f9a2b4e';
const LOCAL_MERGE_SHA = '56f108838d3c7065f3253bba9d4d02df942e92b4';
const FORK_LOCAL_MERGE_SHA = '376d8026f4a4cde01ff76b1a3c4790e924f97e28';
const TAG_SHA = 'e8f1881340c7adea648ed934b4460dbdf4d31391';
const GHPRB_HEAD_SHA = '934b2193641b4337ead734b530b467488d3e419f';
const GHPRB_MERGE_SHA = '15789345ba0a7358050a0353478ff559c7d2110b';

/** A `sh` step of a multibranch Pipeline (GitHub Branch Source) with credentials bound by `withCredentials`. */
const job = {
  JENKINS_URL: 'https://jenkins.acme.example/',
  JENKINS_HOME: '/var/jenkins_home',
  HUDSON_URL: 'https://jenkins.acme.example/',
  HUDSON_HOME: '/var/jenkins_home',
  EXECUTOR_NUMBER: '1',
  NODE_NAME: 'linux-agent-2',
  NODE_LABELS: 'linux docker',
  STAGE_NAME: 'Test',
  // The clone URL, credentials included when the job clones over HTTPS with a token.
  GIT_URL: 'https://jenkins-bot:SECRET-ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345@github.com/acme/widgets.git',
  GIT_PREVIOUS_COMMIT: '80b47cd3b5a365fbc44e047899924d627b90c89b',
  GIT_PREVIOUS_SUCCESSFUL_COMMIT: '80b47cd3b5a365fbc44e047899924d627b90c89b',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  NEXUS_PASSWORD: 'SECRET-hunter2',
  COVERWATCH_TOKEN: 'SECRET-cw_upload_3f9a1c',
};

const branchBuild = (branch: string, number: string) => ({
  JOB_NAME: `acme/widgets/${branch}`,
  JOB_BASE_NAME: branch,
  JOB_URL: `https://jenkins.acme.example/job/acme/job/widgets/job/${encodeURIComponent(branch)}/`,
  JOB_DISPLAY_URL: `https://jenkins.acme.example/job/acme/job/widgets/job/${encodeURIComponent(branch)}/display/redirect`,
  BUILD_NUMBER: number,
  BUILD_ID: number,
  BUILD_DISPLAY_NAME: `#${number}`,
  BUILD_TAG: `jenkins-acme-widgets-${branch}-${number}`,
  BUILD_URL: `https://jenkins.acme.example/job/acme/job/widgets/job/${encodeURIComponent(branch)}/${number}/`,
  RUN_DISPLAY_URL: `https://jenkins.acme.example/job/acme/job/widgets/job/${encodeURIComponent(branch)}/${number}/display/redirect`,
  WORKSPACE: `/var/jenkins_home/workspace/acme_widgets_${branch}`,
  BRANCH_NAME: branch,
  GIT_BRANCH: branch,
});

/** Change requests, with the default strategy "merging the pull request with the current target branch revision". */
const changeRequest = (id: string, branch: string, localMerge: string) => ({
  ...job,
  ...branchBuild(`PR-${id}`, '3'),
  BRANCH_IS_PRIMARY: 'false',
  CHANGE_ID: id,
  CHANGE_URL: `https://github.com/acme/widgets/pull/${id}`,
  CHANGE_TITLE: 'Parser: handle FNDA before FN',
  CHANGE_AUTHOR: 'contributor',
  CHANGE_BRANCH: branch,
  CHANGE_TARGET: 'main',
  GIT_COMMIT: localMerge,
});

export const jenkins: Recorded = {
  push: {
    env: { ...job, ...branchBuild('main', '87'), BRANCH_IS_PRIMARY: 'true', GIT_COMMIT: PUSH_SHA },
    expected: {
      provider: 'jenkins',
      commitSha: PUSH_SHA,
      branch: 'main',
      buildId: '87',
      buildUrl: 'https://jenkins.acme.example/job/acme/job/widgets/job/main/87/',
    },
  },
  'pull request': {
    // GIT_COMMIT is the merge Jenkins made on the agent: it exists nowhere else, so no commit is
    // named; the uploader takes the PR head from git (HEAD's first parent when HEAD is that merge).
    env: changeRequest('42', 'feature/parser', LOCAL_MERGE_SHA),
    expected: {
      provider: 'jenkins',
      localMergeHead: 'first-parent',
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main' },
      buildId: '3',
      buildUrl: 'https://jenkins.acme.example/job/acme/job/widgets/job/PR-42/3/',
    },
  },
  'fork pull request': {
    env: { ...changeRequest('43', 'patch-1', FORK_LOCAL_MERGE_SHA), CHANGE_FORK: 'contributor' },
    expected: {
      provider: 'jenkins',
      localMergeHead: 'first-parent',
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main', fork: true },
      buildId: '3',
      buildUrl: 'https://jenkins.acme.example/job/acme/job/widgets/job/PR-43/3/',
    },
  },
  tag: {
    // Tag discovery builds the tag as a "branch" named after it.
    env: {
      ...job,
      ...branchBuild('v1.4.0', '1'),
      TAG_NAME: 'v1.4.0',
      TAG_TIMESTAMP: '1718097150000',
      TAG_UNIXTIME: '1718097150',
      TAG_DATE: 'Tue Jun 11 09:12:30 UTC 2024',
      GIT_COMMIT: TAG_SHA,
    },
    expected: {
      provider: 'jenkins',
      commitSha: TAG_SHA,
      tag: 'v1.4.0',
      buildId: '1',
      buildUrl: 'https://jenkins.acme.example/job/acme/job/widgets/job/v1.4.0/1/',
    },
  },
  're-run': {
    absent: 'Jenkins has no re-run of a build: "Replay" and "Rebuild" start a new build with its own BUILD_NUMBER, which reads like any other build.',
  },
  'GitHub Pull Request Builder (freestyle job)': {
    env: {
      ...job,
      JOB_NAME: 'widgets-pr',
      BUILD_NUMBER: '512',
      BUILD_ID: '512',
      BUILD_URL: 'https://jenkins.acme.example/job/widgets-pr/512/',
      WORKSPACE: '/var/jenkins_home/workspace/widgets-pr',
      sha1: 'origin/pr/44/merge',
      GIT_BRANCH: 'origin/pr/44/merge',
      GIT_COMMIT: GHPRB_MERGE_SHA,
      ghprbPullId: '44',
      ghprbActualCommit: GHPRB_HEAD_SHA,
      ghprbActualCommitAuthor: 'Octo Cat',
      ghprbSourceBranch: 'feature/lcov-branches',
      ghprbTargetBranch: 'main',
      ghprbGhRepository: 'acme/widgets',
      ghprbPullLink: 'https://github.com/acme/widgets/pull/44',
      ghprbPullTitle: 'LCOV: branch records',
      ghprbCredentialsId: 'github-bot',
    },
    expected: {
      provider: 'jenkins',
      commitSha: GHPRB_HEAD_SHA,
      branch: 'feature/lcov-branches',
      pullRequest: { number: 44, baseBranch: 'main' },
      buildId: '512',
      buildUrl: 'https://jenkins.acme.example/job/widgets-pr/512/',
    },
  },
  'freestyle job (git plugin only)': {
    env: {
      ...job,
      JOB_NAME: 'widgets-nightly',
      BUILD_NUMBER: '1203',
      BUILD_ID: '1203',
      BUILD_URL: 'https://jenkins.acme.example/job/widgets-nightly/1203/',
      WORKSPACE: '/var/jenkins_home/workspace/widgets-nightly',
      GIT_BRANCH: 'origin/develop',
      GIT_LOCAL_BRANCH: '',
      GIT_COMMIT: PUSH_SHA,
    },
    expected: {
      provider: 'jenkins',
      commitSha: PUSH_SHA,
      branch: 'develop',
      buildId: '1203',
      buildUrl: 'https://jenkins.acme.example/job/widgets-nightly/1203/',
    },
  },
};
