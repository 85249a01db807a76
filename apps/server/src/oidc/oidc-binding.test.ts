import type { UploadEnvelope } from '@coverwatch/protocol';
import { describe, expect, it } from 'vitest';
import { githubClaims, gitlabClaims, HEAD_SHA, MERGE_SHA } from '../../test/oidc-test-issuer.js';
import { AppError } from '../errors/app-error.js';
import { checkOidcUpload, type OidcBinding } from './oidc-binding.js';
import { ciClaims } from './oidc-claims.js';

const binding: OidcBinding = { issuer: 'https://token.actions.githubusercontent.com', issuerKind: 'github', jti: 'j', sha: HEAD_SHA, slug: 'acme/widgets', build: { branch: 'main' } };

function envelope(commit: Partial<UploadEnvelope['commit']>, slug?: string): UploadEnvelope {
  return { version: 1, commit: { sha: HEAD_SHA, ...commit }, ...(slug === undefined ? {} : { repository: { slug } }), reports: [{ name: 'x', data: '' }] };
}

function code(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

describe('ciClaims', () => {
  it('maps GitHub claims: repository_id, repository_owner_id, repository, sha', () => {
    const c = githubClaims('https://i');
    expect(ciClaims('github', c)).toEqual({ repositoryId: '123456789', ownerId: '4242', slug: 'acme/widgets', sha: HEAD_SHA, jti: c.jti, build: { branch: 'main' } });
    const pr = githubClaims('https://i', { ref: 'refs/pull/7/merge', head_ref: 'feature' });
    expect(ciClaims('github', pr).build).toEqual({ pullRequest: { number: 7 }, branch: 'feature' });
    expect(ciClaims('github', githubClaims('https://i', { ref: 'refs/tags/v1.2' })).build).toEqual({ tag: 'v1.2' });
    // The triggering event is kept for the audit log (pull_request_target jobs run fork PRs with the base's credentials); an odd one is dropped.
    expect(ciClaims('github', githubClaims('https://i', { event_name: 'pull_request_target' })).build).toEqual({ event: 'pull_request_target', branch: 'main' });
    expect(ciClaims('github', githubClaims('https://i', { event_name: 'Push; DROP' })).build).toEqual({ branch: 'main' });
  });

  it('maps GitLab claims: project_id, namespace_id, project_path, sha (nested groups too)', () => {
    const c = gitlabClaims('https://i', { project_path: 'acme/platform/widgets' });
    expect(ciClaims('gitlab', c)).toEqual({ repositoryId: '9001', ownerId: '77', slug: 'acme/platform/widgets', sha: HEAD_SHA, jti: c.jti, build: {} });
    expect(ciClaims('gitlab', gitlabClaims('https://i', { ref_type: 'branch', pipeline_source: 'merge_request_event', ref: 'feature' })).build).toEqual({ event: 'merge_request_event', branch: 'feature', pullRequest: {} });
    // A GitLab token read as GitHub's has none of GitHub's claims.
    expect(code(() => ciClaims('github', c))).toBe('CW_ERR_AUTH_OIDC_CLAIMS');
  });

  it('refuses missing or malformed ids and shas, naming the claim', () => {
    for (const [name, value] of [['repository_id', undefined], ['repository_id', 'acme'], ['repository_owner_id', '0x10'], ['sha', 'HEAD'], ['repository', 'widgets'], ['jti', '']] as const) {
      const claims = githubClaims('https://i', { [name]: value });
      expect(() => ciClaims('github', claims)).toThrow(new RegExp(`"${name}" claim`));
    }
    // Numbers are accepted when exact.
    expect(ciClaims('github', githubClaims('https://i', { repository_id: 123 })).repositoryId).toBe('123');
  });
});

describe('checkOidcUpload', () => {
  it("accepts the token's commit", () => {
    expect(code(() => checkOidcUpload(binding, envelope({}, 'acme/widgets')))).toBeNull();
  });

  it("refuses another commit than the token's sha", () => {
    expect(code(() => checkOidcUpload(binding, envelope({ sha: 'd'.repeat(40) })))).toBe('CW_ERR_AUTH_OIDC_COMMIT_MISMATCH');
  });

  it('accepts commit.mergeSha equal to the sha only on a pull request', () => {
    const merge = { ...binding, sha: MERGE_SHA, build: { pullRequest: { number: 7 } } };
    expect(code(() => checkOidcUpload(merge, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA, pullRequest: { number: 7 } })))).toBeNull();
    expect(code(() => checkOidcUpload(merge, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA })))).toBe('CW_ERR_AUTH_OIDC_COMMIT_MISMATCH');
    expect(code(() => checkOidcUpload(merge, envelope({ sha: HEAD_SHA, mergeSha: 'e'.repeat(40), pullRequest: { number: 7 } })))).toBe('CW_ERR_AUTH_OIDC_COMMIT_MISMATCH');
  });

  it("refuses a repository.slug other than the token's repository (case aside)", () => {
    expect(code(() => checkOidcUpload(binding, envelope({}, 'acme/gadgets')))).toBe('CW_ERR_AUTH_OIDC_SLUG_MISMATCH');
    expect(code(() => checkOidcUpload(binding, envelope({}, 'Acme/Widgets')))).toBeNull();
  });

  it('a token from a push build cannot write pull-request data, nor name its merge commit to upload another commit', () => {
    const push = { ...binding, sha: MERGE_SHA, build: { branch: 'feature' } };
    // The review's exploit: main's head as the commit, the push token's sha as a "merge commit".
    expect(code(() => checkOidcUpload(push, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA, pullRequest: { number: 7 } })))).toBe('CW_ERR_AUTH_OIDC_BUILD_MISMATCH');
    expect(code(() => checkOidcUpload({ ...push, sha: HEAD_SHA }, envelope({ pullRequest: { number: 7 } })))).toBe('CW_ERR_AUTH_OIDC_BUILD_MISMATCH');
  });

  it("a pull-request token writes only its own pull request's data", () => {
    const pr = { ...binding, sha: MERGE_SHA, build: { pullRequest: { number: 7 }, branch: 'feature' } };
    expect(code(() => checkOidcUpload(pr, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA, branch: 'feature', pullRequest: { number: 8 } })))).toBe('CW_ERR_AUTH_OIDC_BUILD_MISMATCH');
    expect(code(() => checkOidcUpload(pr, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA, branch: 'feature', pullRequest: { number: 7 } })))).toBeNull();
    // GitLab names no MR number: any MR of the pipeline's merge-request build.
    expect(code(() => checkOidcUpload({ ...pr, build: { pullRequest: {} } }, envelope({ sha: HEAD_SHA, mergeSha: MERGE_SHA, pullRequest: { number: 8 } })))).toBeNull();
  });

  it("a branch must be the token's branch; a tag build names no branch", () => {
    expect(code(() => checkOidcUpload(binding, envelope({ branch: 'main' })))).toBeNull();
    expect(code(() => checkOidcUpload(binding, envelope({ branch: 'release' })))).toBe('CW_ERR_AUTH_OIDC_BUILD_MISMATCH');
    expect(code(() => checkOidcUpload({ ...binding, build: { tag: 'v1' } }, envelope({ branch: 'main' })))).toBe('CW_ERR_AUTH_OIDC_BUILD_MISMATCH');
    expect(code(() => checkOidcUpload({ ...binding, build: { tag: 'v1' } }, envelope({})))).toBeNull();
  });
});
