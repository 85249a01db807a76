import type { CiInfo } from './ci-info.js';

/**
 * Validation shared by the CI providers. CI variables are set by the provider but also, on pull
 * requests, partly chosen by whoever opened the PR (branch names, titles), and users can override
 * any of them in their pipeline files. So every value is checked against the shape the envelope
 * accepts (packages/protocol upload-envelope.ts) and dropped when it does not fit: a field left
 * unset is resolved from git or by the server, a guessed one silently attributes coverage to the
 * wrong commit.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The value, unless it is empty, longer than `max`, or carries control characters (log and terminal injection). */
export function text(value: string | undefined, max = 255): string | undefined {
  if (value === undefined || value.length === 0 || value.length > max || CONTROL.test(value)) return undefined;
  return value;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** A full SHA-1 or SHA-256 object id, lower-cased; short ids and symbolic names (`HEAD`) are dropped. */
export function commitSha(value: string | undefined): string | undefined {
  return value !== undefined && SHA.test(value) ? value.toLowerCase() : undefined;
}

const MAX_PR = 2 ** 31 - 1;

/** A positive decimal integer, as the envelope accepts; `false`, `0`, `12abc`, ` 12` and `+12` are dropped. */
export function prNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,9}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_PR ? n : undefined;
}

/** Digits only: used for ids that end up in URL paths, so `../` can never reach a path. */
export function digits(value: string | undefined): string | undefined {
  return value !== undefined && /^[0-9]{1,20}$/.test(value) ? value : undefined;
}

/**
 * A branch name: `refs/heads/` is stripped, and any other full ref (`refs/tags/…`, `refs/pull/…`,
 * `refs/merge-requests/…`) is not a branch at all.
 */
export function branchName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('refs/heads/')) return text(value.slice('refs/heads/'.length));
  return value.startsWith('refs/') ? undefined : text(value);
}

/** A tag name, with `refs/tags/` stripped when present. */
export function tagName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return text(value.startsWith('refs/tags/') ? value.slice('refs/tags/'.length) : value);
}

/** What a full git ref names: a branch, a tag, or a pull request (`refs/pull/<n>/merge|head`). */
export function parseRef(ref: string | undefined): { branch?: string; tag?: string; pullRequest?: number } {
  if (ref === undefined) return {};
  if (ref.startsWith('refs/heads/')) return { branch: branchName(ref) };
  if (ref.startsWith('refs/tags/')) return { tag: tagName(ref) };
  const pr = /^refs\/pull\/([^/]+)\/(?:merge|head)$/.exec(ref);
  return pr ? { pullRequest: prNumber(pr[1]) } : {};
}

const SLUG = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/;

/** `OWNER/NAME` (GitLab groups may nest), as the envelope's RepositorySlugSchema accepts it. */
export function repositorySlug(value: string | undefined): string | undefined {
  const v = text(value, 512);
  if (v === undefined || !SLUG.test(v) || v.split('/').some((s) => s === '.' || s === '..')) return undefined;
  return v;
}

const MAX_URL = 2048;

/**
 * An http(s) URL a provider gave us, normalised. Userinfo is removed: a URL is shown to everyone
 * who can see the upload, and `user:token@` is how clone URLs carry credentials.
 */
export function httpUrl(value: string | undefined): string | undefined {
  const v = text(value, MAX_URL);
  if (v === undefined || !URL.canParse(v)) return undefined;
  const url = new URL(v);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.username = '';
  url.password = '';
  return url.href.length <= MAX_URL ? url.href : undefined;
}

/**
 * `base` (one of the provider's own URL variables) extended by path segments, each validated and
 * percent-encoded on its own so a value can never add `/`, `..`, a query or a host. Undefined when
 * any part is missing or invalid: a URL with a hole in it points at the wrong page.
 */
export function urlUnder(
  base: string | undefined,
  segments: readonly (string | undefined)[],
  extra: { readonly query?: Readonly<Record<string, string | undefined>>; readonly hash?: string } = {},
): string | undefined {
  const root = httpUrl(base);
  if (root === undefined) return undefined;
  const url = new URL(root);
  if (url.search !== '' || url.hash !== '') return undefined;
  const parts: string[] = [];
  for (const s of segments) {
    const seg = text(s);
    if (seg === undefined || seg === '.' || seg === '..') return undefined;
    parts.push(encodeURIComponent(seg));
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${parts.join('/')}`;
  for (const [k, v] of Object.entries(extra.query ?? {})) {
    const value = text(v);
    if (value === undefined) return undefined;
    url.searchParams.set(k, value);
  }
  if (extra.hash !== undefined) url.hash = extra.hash;
  return httpUrl(url.href);
}

/** Hosts where a repository URL's path is exactly the slug (GitLab: with nested groups). */
const SLUG_HOSTS: Readonly<Record<string, 'owner-name' | 'nested'>> = {
  'github.com': 'owner-name',
  'bitbucket.org': 'owner-name',
  'gitlab.com': 'nested',
};

/**
 * The slug of a git remote (`git@github.com:o/r.git`, `https://x:token@github.com/o/r.git`,
 * `ssh://git@gitlab.com/g/s/p.git`), only for the public hosts above: elsewhere the path may hold
 * more than the slug (`/scm/PROJ/repo` on Bitbucket Server, `/org/project/_git/repo` on Azure
 * Repos). Only the host and path are kept, so credentials in the URL can never reach the result.
 */
export function slugFromGitRemote(remote: string | undefined): string | undefined {
  const v = text(remote, MAX_URL);
  if (v === undefined) return undefined;
  let host: string;
  let path: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(v);
  if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    if (!URL.canParse(v)) return undefined;
    const url = new URL(v);
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return undefined;
    host = url.hostname;
    path = url.pathname;
  }
  const kind = SLUG_HOSTS[host.toLowerCase()];
  if (kind === undefined) return undefined;
  const slug = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  if (kind === 'owner-name' && slug.split('/').length !== 2) return undefined;
  return repositorySlug(slug);
}

/**
 * Whether a PR head in `head` is a fork of `base` (slugs compared case-insensitively, as the forges
 * do); unknown when either is missing.
 */
export function isFork(head: string | undefined, base: string | undefined): boolean | undefined {
  return head === undefined || base === undefined ? undefined : head.toLowerCase() !== base.toLowerCase();
}

/** A provider's boolean flag (`true`, `True`): AppVeyor and Azure spell them in .NET style. */
export function isTrue(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true';
}

/** A flag that may also be unset or garbled: then unknown. */
export function booleanFlag(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** CiInfo fields as a provider reads them: anything may be missing or invalid (undefined). */
export interface CiFields {
  readonly commitSha?: string;
  readonly mergeSha?: string;
  readonly localMergeHead?: 'first-parent';
  readonly branch?: string;
  readonly tag?: string;
  readonly pullRequest?: { readonly number?: number; readonly baseBranch?: string; readonly fork?: boolean; readonly headRepository?: string };
  readonly buildId?: string;
  readonly buildUrl?: string;
  readonly jobId?: string;
  readonly slug?: string;
}

/**
 * The CiInfo with unset fields left out. Rules every provider shares live here: a pull request
 * without a valid number is no pull request; a tag build has no branch (providers fill the branch
 * variable with the tag name, the default branch, or nothing); a merge commit equal to the commit
 * is no merge commit.
 */
export function ciInfo(provider: CiInfo['provider'], f: CiFields): CiInfo {
  const out: { -readonly [K in keyof CiInfo]: CiInfo[K] } = { provider };
  if (f.commitSha !== undefined) out.commitSha = f.commitSha;
  if (f.mergeSha !== undefined && f.mergeSha !== f.commitSha) out.mergeSha = f.mergeSha;
  if (f.localMergeHead !== undefined && f.commitSha === undefined) out.localMergeHead = f.localMergeHead;
  if (f.tag !== undefined) out.tag = f.tag;
  else if (f.branch !== undefined) out.branch = f.branch;
  const number = f.pullRequest?.number;
  if (number !== undefined) {
    const { baseBranch, fork, headRepository } = f.pullRequest ?? {};
    out.pullRequest = {
      number,
      ...(baseBranch !== undefined ? { baseBranch } : {}),
      ...(fork !== undefined ? { fork } : {}),
      ...(headRepository !== undefined ? { headRepository } : {}),
    };
  }
  if (f.buildId !== undefined) out.buildId = f.buildId;
  if (f.buildUrl !== undefined) out.buildUrl = f.buildUrl;
  if (f.jobId !== undefined) out.jobId = f.jobId;
  if (f.slug !== undefined) out.slug = f.slug;
  return out;
}
