import type { JWTPayload } from 'jose';
import type { OidcIssuerKind } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';

/** What an ID token says about the CI job, in the same terms for every forge. */
export interface CiClaims {
  /** GitHub `repository_id`, GitLab `project_id`: digits. */
  readonly repositoryId: string;
  /** GitHub `repository_owner_id`, GitLab `namespace_id`: digits. */
  readonly ownerId: string;
  /** GitHub `repository`, GitLab `project_path`: `owner/name` as the forge names it today. */
  readonly slug: string;
  /** The commit CI built (on pull requests often a temporary merge commit). */
  readonly sha: string;
  readonly jti: string;
  /**
   * What the token says about the build, in one shape: the branch or tag it ran for, and on
   * pull/merge-request builds that it was one (GitHub: `ref` refs/pull/<n>/merge, with the number;
   * GitLab: `pipeline_source` merge_request_event, whose claims carry no MR number).
   */
  readonly build: BuildClaims;
}

export interface BuildClaims {
  /**
   * What started the job (GitHub `event_name`, GitLab `pipeline_source`), for the audit log and the
   * alert rules: a GitHub `pull_request_target` job runs with the base repository's credentials on
   * behalf of a pull request that may come from a fork.
   */
  readonly event?: string;
  readonly branch?: string;
  readonly tag?: string;
  readonly pullRequest?: { readonly number?: number };
}

/** Which claim holds each field, per forge. */
export const CLAIM_NAMES: Readonly<Record<OidcIssuerKind, Readonly<Record<Exclude<keyof CiClaims, 'jti' | 'build'>, string>>>> = Object.freeze({
  github: { repositoryId: 'repository_id', ownerId: 'repository_owner_id', slug: 'repository', sha: 'sha' },
  gitlab: { repositoryId: 'project_id', ownerId: 'namespace_id', slug: 'project_path', sha: 'sha' },
});

const DIGITS = /^[1-9][0-9]{0,19}$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SLUG = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/;
const JTI = /^[\x21-\x7e]{1,255}$/;

/** The forge's claims of a verified token, checked for shape; a missing or malformed one is CW_ERR_AUTH_OIDC_CLAIMS naming it. */
export function ciClaims(kind: OidcIssuerKind, payload: JWTPayload): CiClaims {
  const names = CLAIM_NAMES[kind];
  return {
    repositoryId: claim(payload, names.repositoryId, DIGITS, 'a numeric id'),
    ownerId: claim(payload, names.ownerId, DIGITS, 'a numeric id'),
    slug: claim(payload, names.slug, SLUG, 'owner/name'),
    sha: claim(payload, names.sha, SHA, 'a full lower-case hex commit sha'),
    // Required: single use is keyed by it.
    jti: claim(payload, 'jti', JTI, 'a printable string of at most 255 characters'),
    build: kind === 'github' ? githubBuild(payload) : gitlabBuild(payload),
  };
}

const EVENT = /^[a-z_]{1,64}$/;

function eventOf(value: unknown): { event?: string } {
  return typeof value === 'string' && EVENT.test(value) ? { event: value } : {};
}

function githubBuild(payload: JWTPayload): BuildClaims {
  const ref = typeof payload.ref === 'string' ? payload.ref : '';
  const event = eventOf(payload.event_name);
  const pull = /^refs\/pull\/([1-9][0-9]{0,9})\/(?:merge|head)$/.exec(ref);
  if (pull) return { ...event, pullRequest: { number: Number(pull[1]) }, ...(typeof payload.head_ref === 'string' && payload.head_ref !== '' ? { branch: payload.head_ref } : {}) };
  if (ref.startsWith('refs/heads/')) return { ...event, branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { ...event, tag: ref.slice('refs/tags/'.length) };
  return event;
}

function gitlabBuild(payload: JWTPayload): BuildClaims {
  const ref = typeof payload.ref === 'string' ? payload.ref : undefined;
  const mr = payload.pipeline_source === 'merge_request_event';
  const named = ref === undefined ? {} : payload.ref_type === 'tag' ? { tag: ref } : payload.ref_type === 'branch' ? { branch: ref } : {};
  return { ...eventOf(payload.pipeline_source), ...named, ...(mr ? { pullRequest: {} } : {}) };
}

function claim(payload: JWTPayload, name: string, shape: RegExp, expected: string): string {
  const raw = payload[name];
  // Both forges send ids as strings; a number is accepted when it is an exact integer.
  const value = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof value !== 'string' || !shape.test(value)) {
    throw new AppError('CW_ERR_AUTH_OIDC_CLAIMS', `the ID token's "${name}" claim is ${value === undefined ? 'missing' : 'malformed'}; expected ${expected}`);
  }
  return value;
}
