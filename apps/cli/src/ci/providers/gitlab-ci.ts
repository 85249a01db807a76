import { branchName, ciInfo, commitSha, digits, httpUrl, isFork, prNumber, repositorySlug, tagName } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'gitlab-ci';

export const gitlabCi: CiProvider = {
  id: ID,
  name: 'GitLab CI/CD',
  variables: [
    'GITLAB_CI',
    'CI_COMMIT_SHA',
    'CI_COMMIT_BRANCH',
    'CI_COMMIT_TAG',
    'CI_MERGE_REQUEST_IID',
    'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME',
    'CI_MERGE_REQUEST_SOURCE_BRANCH_SHA',
    'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
    'CI_MERGE_REQUEST_PROJECT_PATH',
    'CI_MERGE_REQUEST_PROJECT_ID',
    'CI_MERGE_REQUEST_SOURCE_PROJECT_PATH',
    'CI_MERGE_REQUEST_SOURCE_PROJECT_ID',
    'CI_PIPELINE_ID',
    'CI_PIPELINE_URL',
    'CI_JOB_ID',
    'CI_PROJECT_PATH',
  ],
  detect: (env) => env.get('GITLAB_CI') === 'true',
  read(env) {
    const sha = commitSha(env.get('CI_COMMIT_SHA'));
    const build = {
      tag: tagName(env.get('CI_COMMIT_TAG')),
      buildId: digits(env.get('CI_PIPELINE_ID')),
      buildUrl: httpUrl(env.get('CI_PIPELINE_URL')),
      jobId: digits(env.get('CI_JOB_ID')),
    };
    if (env.get('CI_MERGE_REQUEST_IID') === undefined) {
      return ciInfo(ID, { ...build, commitSha: sha, branch: branchName(env.get('CI_COMMIT_BRANCH')), slug: repositorySlug(env.get('CI_PROJECT_PATH')) });
    }
    // Merged-results and merge-train pipelines build a merge commit (CI_COMMIT_SHA) and name the
    // head separately; plain MR pipelines build the head and leave the SOURCE_BRANCH_SHA empty.
    const head = commitSha(env.get('CI_MERGE_REQUEST_SOURCE_BRANCH_SHA'));
    // Project ids survive renames and transfers; paths are the fallback.
    const sourceId = digits(env.get('CI_MERGE_REQUEST_SOURCE_PROJECT_ID'));
    const targetId = digits(env.get('CI_MERGE_REQUEST_PROJECT_ID'));
    const headRepository = repositorySlug(env.get('CI_MERGE_REQUEST_SOURCE_PROJECT_PATH'));
    const slug = repositorySlug(env.get('CI_MERGE_REQUEST_PROJECT_PATH'));
    const fork = sourceId !== undefined && targetId !== undefined ? sourceId !== targetId : isFork(headRepository, slug);
    return ciInfo(ID, {
      ...build,
      commitSha: head ?? sha,
      mergeSha: head === undefined ? undefined : sha,
      branch: branchName(env.get('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME')),
      pullRequest: { number: prNumber(env.get('CI_MERGE_REQUEST_IID')), baseBranch: branchName(env.get('CI_MERGE_REQUEST_TARGET_BRANCH_NAME')), fork, headRepository },
      // MR pipelines from forks run in the fork (CI_PROJECT_PATH is the fork); the MR and its
      // coverage belong to the target project.
      slug,
    });
  },
};
