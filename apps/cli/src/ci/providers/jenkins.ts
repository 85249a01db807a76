import { branchName, ciInfo, commitSha, digits, httpUrl, prNumber, repositorySlug, tagName, text } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'jenkins';

export const jenkins: CiProvider = {
  id: ID,
  name: 'Jenkins',
  // Never GIT_URL: it is the clone URL, credentials included when the job clones over HTTPS with them.
  variables: [
    'JENKINS_URL',
    'GIT_COMMIT',
    'GIT_BRANCH',
    'BRANCH_NAME',
    'TAG_NAME',
    'CHANGE_ID',
    'CHANGE_BRANCH',
    'CHANGE_TARGET',
    'CHANGE_FORK',
    'ghprbPullId',
    'ghprbActualCommit',
    'ghprbSourceBranch',
    'ghprbTargetBranch',
    'BUILD_NUMBER',
    'BUILD_URL',
  ],
  detect: (env) => env.get('JENKINS_URL') !== undefined,
  read(env) {
    const build = { buildId: digits(env.get('BUILD_NUMBER')), buildUrl: httpUrl(env.get('BUILD_URL')) };
    if (env.get('ghprbPullId') !== undefined) {
      // GitHub Pull Request Builder: GIT_COMMIT is the merge commit it checked out; this is the head.
      return ciInfo(ID, {
        ...build,
        commitSha: commitSha(env.get('ghprbActualCommit')),
        branch: branchName(env.get('ghprbSourceBranch')),
        pullRequest: { number: prNumber(env.get('ghprbPullId')), baseBranch: branchName(env.get('ghprbTargetBranch')) },
      });
    }
    if (env.get('CHANGE_ID') !== undefined) {
      const fork = text(env.get('CHANGE_FORK'));
      // Multibranch change requests: by default Jenkins merges the target into the PR head locally,
      // and GIT_COMMIT is that merge, which exists nowhere else. No commit is named.
      return ciInfo(ID, {
        ...build,
        localMergeHead: 'first-parent',
        branch: branchName(env.get('CHANGE_BRANCH')),
        // CHANGE_FORK names the fork (its owner, or OWNER/NAME) and is unset for same-repository changes
        // only with branch sources that set it at all: unset is unknown.
        pullRequest: {
          number: prNumber(env.get('CHANGE_ID')),
          baseBranch: branchName(env.get('CHANGE_TARGET')),
          ...(fork !== undefined ? { fork: true, headRepository: fork.includes('/') ? repositorySlug(fork) : undefined } : {}),
        },
      });
    }
    // Multibranch jobs set BRANCH_NAME; freestyle jobs only have the git plugin's `origin/<branch>`.
    const gitBranch = env.get('GIT_BRANCH')?.replace(/^(?:refs\/remotes\/)?origin\//, '');
    return ciInfo(ID, {
      ...build,
      commitSha: commitSha(env.get('GIT_COMMIT')),
      branch: branchName(env.get('BRANCH_NAME')) ?? branchName(gitBranch),
      tag: tagName(env.get('TAG_NAME')),
    });
  },
};
