import { booleanFlag, branchName, ciInfo, commitSha, digits, isTrue, parseRef, prNumber, repositorySlug, text, urlUnder } from '../ci-values.js';
import type { CiProvider } from '../providers.js';

const ID = 'azure-pipelines';

export const azurePipelines: CiProvider = {
  id: ID,
  name: 'Azure Pipelines',
  // Not BUILD_SOURCEBRANCHNAME: it is the ref's last segment only (`feature/x` → `x`).
  variables: [
    'TF_BUILD',
    'BUILD_SOURCEVERSION',
    'BUILD_SOURCEBRANCH',
    'SYSTEM_PULLREQUEST_PULLREQUESTNUMBER',
    'SYSTEM_PULLREQUEST_PULLREQUESTID',
    'SYSTEM_PULLREQUEST_SOURCECOMMITID',
    'SYSTEM_PULLREQUEST_SOURCEBRANCH',
    'SYSTEM_PULLREQUEST_TARGETBRANCH',
    'SYSTEM_PULLREQUEST_ISFORK',
    'BUILD_BUILDID',
    'SYSTEM_TEAMFOUNDATIONSERVERURI',
    'SYSTEM_TEAMPROJECT',
    'SYSTEM_JOBID',
    'BUILD_REPOSITORY_NAME',
  ],
  detect: (env) => isTrue(env.get('TF_BUILD')),
  read(env) {
    const buildId = digits(env.get('BUILD_BUILDID'));
    const build = {
      buildId,
      buildUrl: urlUnder(env.get('SYSTEM_TEAMFOUNDATIONSERVERURI'), [env.get('SYSTEM_TEAMPROJECT'), '_build', 'results'], { query: { buildId } }),
      jobId: text(env.get('SYSTEM_JOBID')),
      // GitHub repositories are `owner/name`; Azure Repos names have no owner part and are dropped.
      slug: repositorySlug(env.get('BUILD_REPOSITORY_NAME')),
    };
    // GitHub PRs set the NUMBER (their ID is GitHub's internal id); Azure Repos PRs only the ID,
    // which is the number shown in the UI. An invalid NUMBER is not replaced by the ID.
    const prNumberVar = env.get('SYSTEM_PULLREQUEST_PULLREQUESTNUMBER');
    const prIdVar = env.get('SYSTEM_PULLREQUEST_PULLREQUESTID');
    if (prNumberVar !== undefined || prIdVar !== undefined) {
      // PR builds check out refs/pull/N/merge: BUILD_SOURCEVERSION is that merge commit.
      return ciInfo(ID, {
        ...build,
        commitSha: commitSha(env.get('SYSTEM_PULLREQUEST_SOURCECOMMITID')),
        mergeSha: commitSha(env.get('BUILD_SOURCEVERSION')),
        branch: branchName(env.get('SYSTEM_PULLREQUEST_SOURCEBRANCH')),
        pullRequest: {
          number: prNumber(prNumberVar ?? prIdVar),
          baseBranch: branchName(env.get('SYSTEM_PULLREQUEST_TARGETBRANCH')),
          fork: booleanFlag(env.get('SYSTEM_PULLREQUEST_ISFORK')),
        },
      });
    }
    const ref = parseRef(env.get('BUILD_SOURCEBRANCH'));
    return ciInfo(ID, { ...build, commitSha: commitSha(env.get('BUILD_SOURCEVERSION')), branch: ref.branch, tag: ref.tag });
  },
};
