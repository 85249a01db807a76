import { describe, expect, it } from 'vitest';
import { CI_PROVIDER_IDS } from '../../src/ci/ci-info.js';
import { CI_PROVIDERS, detectCi } from '../../src/ci/providers.js';
import { environmentFrom } from '../../src/env/environment.js';

/** Variables that hold credentials, or URLs that may embed them. */
const CREDENTIAL_NAME = /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|NETRC|AUTH/i;
const CREDENTIAL_URLS = [
  'GIT_URL',
  'CI_REPOSITORY_URL',
  'CIRCLE_REPOSITORY_URL',
  'BUILD_REPOSITORY_URI',
  'SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI',
  'CI_REPO_CLONE_URL',
  'DRONE_GIT_HTTP_URL',
  'DRONE_REMOTE_URL',
];

describe('CI provider allowlists', () => {
  it('outside CI, detection says local', () => {
    expect(detectCi(environmentFrom({}))).toEqual({ provider: 'local' });
    expect(detectCi(environmentFrom({ CI: 'true', HOME: '/home/me', PATH: '/usr/bin' }))).toEqual({ provider: 'local' });
  });

  it('covers every provider id once, and nothing else', () => {
    expect(CI_PROVIDERS.map((p) => p.id).sort()).toEqual(CI_PROVIDER_IDS.filter((id) => id !== 'local').sort());
  });

  it.each(CI_PROVIDERS)('$id lists each variable once', (p) => {
    expect(p.variables.length).toBeGreaterThan(0);
    expect(new Set(p.variables).size).toBe(p.variables.length);
  });

  it.each(CI_PROVIDERS)('$id reads no variable whose name says it holds a credential', (p) => {
    expect(p.variables.filter((name) => CREDENTIAL_NAME.test(name))).toEqual([]);
  });

  it.each(CI_PROVIDERS)('$id reads no clone URL (they carry credentials)', (p) => {
    expect(p.variables.filter((name) => CREDENTIAL_URLS.includes(name))).toEqual([]);
  });

  it('an empty value counts as unset', () => {
    expect(detectCi(environmentFrom({ GITHUB_ACTIONS: '' }))).toEqual({ provider: 'local' });
  });
});
