import type { Recorded } from './scenario.js';

const PUSH_SHA = 'a9109f79a405e33ea1835525d26ad9b0b226620e';
const PR_MERGE_SHA = '257e80fcde4a3bacb1c66eac0f77dd8ad8071a02';
const PR_HEAD_SHA = '35348ce80959c5bce4f1c91459a063c3045f2da4';
const FORK_MERGE_SHA = 'b09efa96d3519d3666ce152ea21e45a77ca720bf';
const FORK_HEAD_SHA = 'a11bbc0c39322300377ab02b374b181cee5cda34';
const TAG_SHA = 'dca361be41b5667ab2aaa5de0c9a95dc363d22ab';
const JOB_ID = '12f1170f-54f2-53f3-20dd-22fc7dff55f9';

/** A script step on a Microsoft-hosted ubuntu agent; the pipeline maps System.AccessToken and a service principal secret. */
const job = {
  TF_BUILD: 'True',
  AGENT_ID: '9',
  AGENT_NAME: 'Hosted Agent',
  AGENT_MACHINENAME: 'fv-az1234-567',
  AGENT_OS: 'Linux',
  AGENT_OSARCHITECTURE: 'X64',
  AGENT_JOBNAME: 'Test',
  AGENT_JOBSTATUS: 'Succeeded',
  AGENT_TEMPDIRECTORY: '/home/vsts/work/_temp',
  BUILD_BUILDID: '20451',
  BUILD_BUILDNUMBER: '20240611.3',
  BUILD_BUILDURI: 'vstfs:///Build/Build/20451',
  BUILD_DEFINITIONNAME: 'widgets-ci',
  BUILD_REASON: 'IndividualCI',
  BUILD_REPOSITORY_ID: 'acme/widgets',
  BUILD_REPOSITORY_NAME: 'acme/widgets',
  BUILD_REPOSITORY_PROVIDER: 'GitHub',
  BUILD_REPOSITORY_URI: 'https://github.com/acme/widgets',
  BUILD_REQUESTEDFOR: 'Octo Cat',
  BUILD_SOURCESDIRECTORY: '/home/vsts/work/1/s',
  SYSTEM_COLLECTIONURI: 'https://dev.azure.com/acme/',
  SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/acme/',
  SYSTEM_TEAMFOUNDATIONSERVERURI: 'https://dev.azure.com/acme/',
  SYSTEM_TEAMPROJECT: 'Widgets Platform',
  SYSTEM_TEAMPROJECTID: '4f2a9c1e-7b3d-4e5f-8a6b-9c0d1e2f3a4b',
  SYSTEM_DEFINITIONID: '12',
  SYSTEM_HOSTTYPE: 'build',
  SYSTEM_JOBID: JOB_ID,
  SYSTEM_JOBATTEMPT: '1',
  SYSTEM_JOBDISPLAYNAME: 'Test',
  SYSTEM_PHASEATTEMPT: '1',
  SYSTEM_STAGEATTEMPT: '1',
  SYSTEM_STAGENAME: '__default',
  SYSTEM_PLANID: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
  SYSTEM_TIMELINEID: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
  SYSTEM_ACCESSTOKEN: 'SECRET-eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.azp',
  ARM_CLIENT_ID: '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
  ARM_CLIENT_SECRET: 'SECRET-Q8~abcDEFghiJKLmnoPQRstuVWXyz0123456',
};

const push = {
  ...job,
  BUILD_SOURCEBRANCH: 'refs/heads/main',
  BUILD_SOURCEBRANCHNAME: 'main',
  BUILD_SOURCEVERSION: PUSH_SHA,
  BUILD_SOURCEVERSIONMESSAGE: 'Parse lcov function records',
};

const build = {
  buildId: '20451',
  buildUrl: 'https://dev.azure.com/acme/Widgets%20Platform/_build/results?buildId=20451',
  jobId: JOB_ID,
  slug: 'acme/widgets',
} as const;

/** GitHub PRs build refs/pull/N/merge. PULLREQUESTID is GitHub's internal id, PULLREQUESTNUMBER the number. */
const githubPr = {
  ...job,
  BUILD_REASON: 'PullRequest',
  BUILD_SOURCEBRANCH: 'refs/pull/42/merge',
  BUILD_SOURCEBRANCHNAME: 'merge',
  BUILD_SOURCEVERSION: PR_MERGE_SHA,
  BUILD_SOURCEVERSIONMESSAGE: `Merge ${PR_HEAD_SHA} into 0000000000000000000000000000000000000000`,
  SYSTEM_PULLREQUEST_PULLREQUESTID: '1887654321',
  SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '42',
  SYSTEM_PULLREQUEST_SOURCEBRANCH: 'feature/parser',
  SYSTEM_PULLREQUEST_SOURCECOMMITID: PR_HEAD_SHA,
  SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI: 'https://github.com/acme/widgets.git',
  SYSTEM_PULLREQUEST_TARGETBRANCH: 'main',
  SYSTEM_PULLREQUEST_TARGETBRANCHNAME: 'main',
  SYSTEM_PULLREQUEST_ISFORK: 'False',
  SYSTEM_PULLREQUEST_ISDRAFT: 'False',
};

/** Secret variables are not given to fork PR builds by default. */
const { ARM_CLIENT_SECRET: _s, ...forkPr } = githubPr;

/** Azure Repos sets no PULLREQUESTNUMBER. */
const { SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: _n, ...reposPr } = githubPr;

export const azurePipelines: Recorded = {
  push: {
    env: push,
    expected: { provider: 'azure-pipelines', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'pull request': {
    env: githubPr,
    expected: {
      provider: 'azure-pipelines',
      commitSha: PR_HEAD_SHA,
      mergeSha: PR_MERGE_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 42, baseBranch: 'main', fork: false },
      ...build,
    },
  },
  'fork pull request': {
    env: {
      ...forkPr,
      BUILD_SOURCEBRANCH: 'refs/pull/43/merge',
      BUILD_SOURCEVERSION: FORK_MERGE_SHA,
      SYSTEM_PULLREQUEST_PULLREQUESTID: '1887659999',
      SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '43',
      SYSTEM_PULLREQUEST_SOURCEBRANCH: 'patch-1',
      SYSTEM_PULLREQUEST_SOURCECOMMITID: FORK_HEAD_SHA,
      SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI: 'https://github.com/contributor/widgets.git',
      SYSTEM_PULLREQUEST_ISFORK: 'True',
    },
    expected: {
      provider: 'azure-pipelines',
      commitSha: FORK_HEAD_SHA,
      mergeSha: FORK_MERGE_SHA,
      branch: 'patch-1',
      pullRequest: { number: 43, baseBranch: 'main', fork: true },
      ...build,
    },
  },
  tag: {
    env: { ...push, BUILD_SOURCEBRANCH: 'refs/tags/v1.4.0', BUILD_SOURCEBRANCHNAME: 'v1.4.0', BUILD_SOURCEVERSION: TAG_SHA },
    expected: { provider: 'azure-pipelines', commitSha: TAG_SHA, tag: 'v1.4.0', ...build },
  },
  're-run': {
    // "Rerun failed jobs" keeps the build and counts attempts per job.
    env: { ...push, SYSTEM_JOBATTEMPT: '2', SYSTEM_PHASEATTEMPT: '2', SYSTEM_STAGEATTEMPT: '2' },
    expected: { provider: 'azure-pipelines', commitSha: PUSH_SHA, branch: 'main', ...build },
  },
  'Azure Repos pull request': {
    // Azure Repos: no PULLREQUESTNUMBER, the ID is the PR number; refs are full; the repository
    // name has no owner part, so there is no slug.
    env: {
      ...reposPr,
      BUILD_REPOSITORY_ID: '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d',
      BUILD_REPOSITORY_NAME: 'widgets',
      BUILD_REPOSITORY_PROVIDER: 'TfsGit',
      BUILD_REPOSITORY_URI: 'https://acme@dev.azure.com/acme/Widgets%20Platform/_git/widgets',
      BUILD_SOURCEBRANCH: 'refs/pull/318/merge',
      SYSTEM_PULLREQUEST_PULLREQUESTID: '318',
      SYSTEM_PULLREQUEST_SOURCEBRANCH: 'refs/heads/feature/parser',
      SYSTEM_PULLREQUEST_TARGETBRANCH: 'refs/heads/main',
      SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI: 'https://acme@dev.azure.com/acme/Widgets%20Platform/_git/widgets',
    },
    expected: {
      provider: 'azure-pipelines',
      commitSha: PR_HEAD_SHA,
      mergeSha: PR_MERGE_SHA,
      branch: 'feature/parser',
      pullRequest: { number: 318, baseBranch: 'main', fork: false },
      buildId: '20451',
      buildUrl: 'https://dev.azure.com/acme/Widgets%20Platform/_build/results?buildId=20451',
      jobId: JOB_ID,
    },
  },
};
