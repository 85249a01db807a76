import { branchName, ciInfo, commitSha, digits, parseRef, repositorySlug, text, urlUnder } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'github-actions';

export const githubActions: CiProvider = {
  id: ID,
  name: 'GitHub Actions',
  variables: [
    'GITHUB_ACTIONS',
    'GITHUB_EVENT_NAME',
    'GITHUB_SHA',
    'GITHUB_REF',
    'GITHUB_HEAD_REF',
    'GITHUB_BASE_REF',
    'GITHUB_RUN_ID',
    'GITHUB_JOB',
    'GITHUB_REPOSITORY',
    'GITHUB_SERVER_URL',
  ],
  detect: (env) => env.get('GITHUB_ACTIONS') === 'true',
  read(env) {
    const slug = repositorySlug(env.get('GITHUB_REPOSITORY'));
    const runId = digits(env.get('GITHUB_RUN_ID'));
    const build = {
      buildId: runId,
      // No `/attempts/N`: a re-run keeps the run id, and this page always shows the latest attempt.
      buildUrl: slug && urlUnder(env.get('GITHUB_SERVER_URL'), [...slug.split('/'), 'actions', 'runs', runId]),
      jobId: text(env.get('GITHUB_JOB')),
      slug,
    };
    switch (env.get('GITHUB_EVENT_NAME')) {
      case 'pull_request':
        // The checkout is refs/pull/N/merge, a merge commit GitHub made; the head is its second parent.
        return ciInfo(ID, {
          ...build,
          mergeSha: commitSha(env.get('GITHUB_SHA')),
          branch: branchName(env.get('GITHUB_HEAD_REF')),
          pullRequest: { number: parseRef(env.get('GITHUB_REF')).pullRequest, baseBranch: branchName(env.get('GITHUB_BASE_REF')) },
        });
      case 'pull_request_target':
        // GITHUB_SHA and GITHUB_REF are the base branch's, and the PR number is only in the event
        // payload: nothing here names the code under test, so git HEAD decides. No branch either:
        // HEAD is usually the base branch's head, and naming it after the PR branch would move it.
        return ciInfo(ID, build);
      case 'workflow_run':
        // GITHUB_SHA and GITHUB_REF are the default branch's, not the triggering run's.
        return ciInfo(ID, build);
      default: {
        const ref = parseRef(env.get('GITHUB_REF'));
        return ciInfo(ID, { ...build, commitSha: commitSha(env.get('GITHUB_SHA')), branch: ref.branch, tag: ref.tag });
      }
    }
  },
};
