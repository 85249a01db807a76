import type { Env } from '../env/environment.js';
import type { CiInfo, CiProviderId } from './ci-info.js';
import { appveyor } from './providers/appveyor.js';
import { azurePipelines } from './providers/azure-pipelines.js';
import { bitbucketPipelines } from './providers/bitbucket-pipelines.js';
import { buildkite } from './providers/buildkite.js';
import { circleci } from './providers/circleci.js';
import { drone } from './providers/drone.js';
import { githubActions } from './providers/github-actions.js';
import { gitlabCi } from './providers/gitlab-ci.js';
import { jenkins } from './providers/jenkins.js';
import { travisCi } from './providers/travis-ci.js';
import { woodpecker } from './providers/woodpecker.js';

/**
 * One CI provider: the variables it may read (its whole allowlist, documented in
 * docs/ci-providers.md) and how they map onto CiInfo.
 */
export interface CiProvider {
  readonly id: Exclude<CiProviderId, 'local'>;
  /** Human name, for `coverwatch upload` output and the docs. */
  readonly name: string;
  /** Every variable `detect` and `read` touch; reading any other name throws. */
  readonly variables: readonly string[];
  detect(env: Env): boolean;
  read(env: Env): CiInfo;
}

/**
 * In detection order. Each provider detects on a variable only it sets, so order matters only
 * where one provider imitates another: Woodpecker before Drone (older Woodpecker releases also set
 * Drone's variables for plugin compatibility).
 */
export const CI_PROVIDERS: readonly CiProvider[] = [
  githubActions,
  gitlabCi,
  circleci,
  buildkite,
  jenkins,
  azurePipelines,
  bitbucketPipelines,
  travisCi,
  woodpecker,
  drone,
  appveyor,
];

/** The provider whose variables are present, read through an Env restricted to its own allowlist; `local` when none. */
export function detectCi(env: Env): CiInfo {
  for (const p of CI_PROVIDERS) {
    const own = restrict(env, p);
    if (p.detect(own)) return p.read(own);
  }
  return { provider: 'local' };
}

function restrict(env: Env, p: CiProvider): Env {
  const mine = new Set(p.variables);
  return {
    get(name) {
      if (!mine.has(name)) throw new Error(`CI provider ${p.id} read ${name}, which is not on its allowlist`);
      return env.get(name);
    },
  };
}
