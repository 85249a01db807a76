import type { Env } from '../env/environment.js';
import type { CiInfo } from '../ci/ci-info.js';
import { withRetries, type RetryHooks, type RetryPolicy } from './http/retry.js';
import { send, type TransportOptions } from './http/transport.js';
import { UploadError } from './upload-error.js';

/** Whether OIDC can be used here without flags: the default on GitHub Actions and GitLab CI when no token is given. */
export function oidcAvailable(env: Env, ci: CiInfo): boolean {
  if (ci.provider === 'github-actions') return env.get('ACTIONS_ID_TOKEN_REQUEST_URL') !== undefined && env.get('ACTIONS_ID_TOKEN_REQUEST_TOKEN') !== undefined;
  return env.get('COVERWATCH_ID_TOKEN') !== undefined;
}

/**
 * An OIDC ID token for `audience`. GitHub Actions mints one on request (the job needs
 * `permissions: id-token: write`); GitLab CI hands it over in an `id_tokens` variable, which the
 * pipeline names COVERWATCH_ID_TOKEN. The ID token is short-lived and bound to this repository and
 * commit, so nothing long-lived is stored in CI.
 */
export async function obtainIdToken(env: Env, ci: CiInfo, audience: string, t: { transportFor: (target: URL) => TransportOptions; retry: RetryPolicy; hooks: RetryHooks }): Promise<string> {
  const given = env.get('COVERWATCH_ID_TOKEN');
  if (given !== undefined) return given.trim();
  if (ci.provider !== 'github-actions') {
    throw new UploadError('auth', 'no OIDC token: on GitLab CI add `id_tokens: { COVERWATCH_ID_TOKEN: { aud: <server URL> } }` to the job; elsewhere use --token');
  }
  const requestUrl = env.get('ACTIONS_ID_TOKEN_REQUEST_URL');
  const requestToken = env.get('ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  if (requestUrl === undefined || requestToken === undefined) {
    throw new UploadError('auth', 'GitHub Actions offers no OIDC token to this job: add `permissions: { id-token: write }` to the workflow, or pass --token');
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw new UploadError('auth', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
  }
  if (url.protocol !== 'https:') throw new UploadError('auth', 'ACTIONS_ID_TOKEN_REQUEST_URL is not https');
  url.searchParams.set('audience', audience);
  let res;
  try {
    res = await withRetries(() => send({ method: 'GET', url, headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' } }, t.transportFor(url)), t.retry, t.hooks);
  } catch (e) {
    throw new UploadError('network', `could not reach GitHub's OIDC token service: ${(e as Error).message}`);
  }
  if (res.status !== 200) throw new UploadError('auth', `GitHub's OIDC token service answered HTTP ${res.status}`);
  let value: unknown;
  try {
    value = (JSON.parse(res.body.toString('utf8')) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) throw new UploadError('auth', "GitHub's OIDC token service sent no token");
  return value;
}
