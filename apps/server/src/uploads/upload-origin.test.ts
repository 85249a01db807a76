import type { UploadEnvelope } from '@coverwatch/protocol';
import { describe, expect, it } from 'vitest';
import { uploadOrigin } from './upload-origin.js';

const env = (branch: string | undefined, pr?: Record<string, unknown>): UploadEnvelope =>
  ({ version: 1, commit: { sha: 'a'.repeat(40), ...(branch ? { branch } : {}), ...(pr ? { pullRequest: { number: 4, ...pr } } : {}) }, reports: [] }) as unknown as UploadEnvelope;

describe('upload origin', () => {
  it("a fork's branch is recorded under the fork's owner; this repository's and unknown ones as sent", () => {
    expect(uploadOrigin(env('main', { fork: true, headRepository: 'contributor/widgets' }), 'acme/widgets')).toEqual({ fork: true, headRepository: 'contributor/widgets', claimedBranch: 'main', branch: 'contributor:main' });
    expect(uploadOrigin(env('main', { fork: true }), 'acme/widgets').branch).toBe('fork:main');
    expect(uploadOrigin(env('main', { headRepository: 'Contributor/Widgets' }), 'acme/widgets').fork).toBe(true);
    expect(uploadOrigin(env('main', { headRepository: 'ACME/widgets' }), 'acme/widgets')).toMatchObject({ fork: false, branch: 'main' });
    expect(uploadOrigin(env('main', { fork: false, headRepository: 'contributor/widgets' }), 'acme/widgets')).toMatchObject({ fork: false, branch: 'main' });
    expect(uploadOrigin(env('main', {}), 'acme/widgets')).toMatchObject({ fork: null, branch: 'main' });
    expect(uploadOrigin(env('main'), 'acme/widgets')).toMatchObject({ fork: null, branch: 'main' });
  });

  it('a branch already prefixed (Buildkite) is kept; no branch stays none', () => {
    expect(uploadOrigin(env('contributor:main', { fork: true, headRepository: 'contributor/widgets' }), 'acme/widgets').branch).toBe('contributor:main');
    expect(uploadOrigin(env(undefined, { fork: true }), 'acme/widgets').branch).toBeUndefined();
  });
});
