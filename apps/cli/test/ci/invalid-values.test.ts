import { describe, expect, it } from 'vitest';
import { detectCi } from '../../src/ci/providers.js';
import { environmentFrom } from '../../src/env/environment.js';

const SHA = 'a9109f79a405e33ea1835525d26ad9b0b226620e';
const HEAD = '35348ce80959c5bce4f1c91459a063c3045f2da4';
const detect = (env: Record<string, string>) => detectCi(environmentFrom(env));

/** Values a provider should never produce, or a pipeline overrode: each is dropped, never guessed. */
describe('invalid CI values are dropped', () => {
  it('GitHub Actions: hostile ids, slugs and URLs leave the fields unset', () => {
    expect(
      detect({
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: SHA.slice(0, 7),
        GITHUB_REF: 'refs/heads/main\u001b[2J',
        GITHUB_RUN_ID: '12/../../../evil',
        GITHUB_REPOSITORY: 'acme/widgets',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_JOB: 'test',
      }),
    ).toEqual({ provider: 'github-actions', jobId: 'test', slug: 'acme/widgets' });
    expect(
      detect({
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: SHA.toUpperCase(),
        GITHUB_REF: 'refs/heads/main',
        GITHUB_RUN_ID: '12',
        GITHUB_REPOSITORY: '../evil',
        GITHUB_SERVER_URL: 'https://github.com',
      }),
    ).toEqual({ provider: 'github-actions', commitSha: SHA, branch: 'main', buildId: '12' });
  });

  it('GitHub Actions: a server URL is used without its userinfo, and only over http(s)', () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_RUN_ID: '12', GITHUB_REPOSITORY: 'acme/widgets' };
    expect(detect({ ...env, GITHUB_SERVER_URL: 'https://bot:hunter2@ghe.acme.example' })).toEqual({
      provider: 'github-actions',
      buildId: '12',
      buildUrl: 'https://ghe.acme.example/acme/widgets/actions/runs/12',
      slug: 'acme/widgets',
    });
    expect(detect({ ...env, GITHUB_SERVER_URL: 'javascript:alert(1)//' })).toEqual({ provider: 'github-actions', buildId: '12', slug: 'acme/widgets' });
  });

  it('GitHub Actions: a pull_request build without a PR ref keeps its merge commit but names no PR', () => {
    expect(
      detect({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/abc/merge', GITHUB_HEAD_REF: 'x', GITHUB_BASE_REF: 'main' }),
    ).toEqual({ provider: 'github-actions', mergeSha: SHA, branch: 'x' });
  });

  it('GitLab: an MR IID of 0 is no merge request, and the merge commit is still not taken as the head', () => {
    expect(
      detect({ GITLAB_CI: 'true', CI_COMMIT_SHA: SHA, CI_MERGE_REQUEST_IID: '0', CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD, CI_MERGE_REQUEST_PROJECT_PATH: 'acme/widgets' }),
    ).toEqual({ provider: 'gitlab-ci', commitSha: HEAD, mergeSha: SHA, slug: 'acme/widgets' });
  });

  it('Travis CI: a PR build with an unreadable number still takes the head, not the merge commit', () => {
    expect(detect({ TRAVIS: 'true', TRAVIS_PULL_REQUEST: 'yes', TRAVIS_COMMIT: SHA, TRAVIS_PULL_REQUEST_SHA: HEAD, TRAVIS_BRANCH: 'main' })).toEqual({
      provider: 'travis-ci',
      commitSha: HEAD,
      mergeSha: SHA,
    });
  });

  it('Azure Pipelines: an invalid PR number is not replaced by the PR id (on GitHub that is an internal id)', () => {
    expect(
      detect({
        TF_BUILD: 'True',
        SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: 'n/a',
        SYSTEM_PULLREQUEST_PULLREQUESTID: '1887654321',
        BUILD_SOURCEVERSION: SHA,
        SYSTEM_PULLREQUEST_SOURCECOMMITID: HEAD,
      }),
    ).toEqual({ provider: 'azure-pipelines', commitSha: HEAD, mergeSha: SHA });
  });

  it('Azure Pipelines: a project name cannot add path segments to the build URL', () => {
    expect(
      detect({ TF_BUILD: 'True', BUILD_BUILDID: '7', SYSTEM_TEAMFOUNDATIONSERVERURI: 'https://dev.azure.com/acme/', SYSTEM_TEAMPROJECT: '../other' }),
    ).toEqual({ provider: 'azure-pipelines', buildId: '7', buildUrl: 'https://dev.azure.com/acme/..%2Fother/_build/results?buildId=7' });
  });

  it('Buildkite: a remote on another host gives no slug; a tag build has no branch', () => {
    expect(
      detect({ BUILDKITE: 'true', BUILDKITE_COMMIT: SHA, BUILDKITE_BRANCH: 'v2', BUILDKITE_TAG: 'v2', BUILDKITE_REPO: 'git@git.acme.example:acme/widgets.git' }),
    ).toEqual({ provider: 'buildkite', commitSha: SHA, tag: 'v2' });
  });

  it('CircleCI: a PR URL that does not end in a number names no PR', () => {
    expect(detect({ CIRCLECI: 'true', CIRCLE_SHA1: SHA, CIRCLE_BRANCH: 'x', CIRCLE_PULL_REQUEST: 'https://github.com/acme/widgets/pulls' })).toEqual({
      provider: 'circleci',
      commitSha: SHA,
      branch: 'x',
    });
  });

  it('Jenkins: a change request never takes GIT_COMMIT, even when CHANGE_ID is unreadable', () => {
    expect(detect({ JENKINS_URL: 'https://jenkins.acme.example/', CHANGE_ID: 'I8473b9', GIT_COMMIT: SHA, CHANGE_BRANCH: 'x', BUILD_NUMBER: '3' })).toEqual({
      provider: 'jenkins',
      localMergeHead: 'first-parent',
      branch: 'x',
      buildId: '3',
    });
  });

  it('Bitbucket Pipelines: credentials in the origin never reach the build URL', () => {
    expect(detect({ BITBUCKET_BUILD_NUMBER: '9', BITBUCKET_GIT_HTTP_ORIGIN: 'https://x-token-auth:abc@bitbucket.org/acme/widgets' })).toEqual({
      provider: 'bitbucket-pipelines',
      buildId: '9',
      buildUrl: 'https://bitbucket.org/acme/widgets/addon/pipelines/home#!/results/9',
    });
  });

  it('AppVeyor: a project slug of `..` leaves the build URL unset', () => {
    expect(
      detect({ APPVEYOR: 'True', APPVEYOR_BUILD_ID: '5', APPVEYOR_URL: 'https://ci.appveyor.com', APPVEYOR_ACCOUNT_NAME: 'acme', APPVEYOR_PROJECT_SLUG: '..' }),
    ).toEqual({ provider: 'appveyor', buildId: '5' });
  });

  it('Woodpecker and Drone: a non-numeric build number is dropped', () => {
    expect(detect({ CI: 'woodpecker', CI_PIPELINE_NUMBER: '7a', CI_COMMIT_SHA: SHA })).toEqual({ provider: 'woodpecker', commitSha: SHA });
    expect(detect({ DRONE: 'true', DRONE_BUILD_NUMBER: '-1', DRONE_PULL_REQUEST: '12', DRONE_SOURCE_BRANCH: 'x', DRONE_BRANCH: 'main' })).toEqual({
      provider: 'drone',
      branch: 'x',
      pullRequest: { number: 12 },
    });
  });
});
