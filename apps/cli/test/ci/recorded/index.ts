import type { CiProvider } from '../../../src/ci/providers.js';
import { appveyor } from './appveyor.js';
import { azurePipelines } from './azure-pipelines.js';
import { bitbucketPipelines } from './bitbucket-pipelines.js';
import { buildkite } from './buildkite.js';
import { circleci } from './circleci.js';
import { drone } from './drone.js';
import { githubActions } from './github-actions.js';
import { gitlabCi } from './gitlab-ci.js';
import { jenkins } from './jenkins.js';
import type { Recorded } from './scenario.js';
import { travisCi } from './travis-ci.js';
import { woodpecker } from './woodpecker.js';

/** Recorded builds per provider id; a test checks every provider has an entry. */
export const RECORDED: Readonly<Record<CiProvider['id'], Recorded>> = {
  'github-actions': githubActions,
  'gitlab-ci': gitlabCi,
  circleci,
  buildkite,
  jenkins,
  'azure-pipelines': azurePipelines,
  'bitbucket-pipelines': bitbucketPipelines,
  'travis-ci': travisCi,
  woodpecker,
  drone,
  appveyor,
};
