import { CI_PROVIDERS } from '../ci/providers.js';

/**
 * Every environment variable the uploader may read, and why. docs/uploader.md prints this list; a
 * test keeps the two in step.
 */
export const OWN_VARIABLES = [
  // Coverwatch's own settings.
  'COVERWATCH_URL',
  'COVERWATCH_TOKEN',
  'COVERWATCH_ID_TOKEN',
  'COVERWATCH_FLAGS',
  'COVERWATCH_NAME',
  'COVERWATCH_SLUG',
  'COVERWATCH_CA_FILE',
  // The GitHub Action's inputs (action.yml), mapped onto the flags of `coverwatch upload`.
  'INPUT_URL',
  'INPUT_TOKEN',
  'INPUT_FILES',
  'INPUT_FLAGS',
  'INPUT_NAME',
  'INPUT_JOB',
  'INPUT_WAIT-TIMEOUT',
  'INPUT_DRY-RUN',
  'INPUT_WAIT',
  'INPUT_SOFT-FAIL',
  'INPUT_VERBOSE',
  'INPUT_OIDC',
  // Network plumbing the user expects any HTTP client to honour.
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  // Passed on to git (and only to git) so it can be found and read its configuration.
  'PATH',
  'HOME',
  // GitHub Actions OIDC: where to request an ID token, and the request's own bearer (never sent to Coverwatch).
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
] as const;

export const ALLOWED_VARIABLES: readonly string[] = [...new Set<string>([...OWN_VARIABLES, ...CI_PROVIDERS.flatMap((p) => p.variables)])];

/** Names accepted by `Env.get` (checked at run time against ALLOWED_VARIABLES). */
export type AllowedVariable = string;
