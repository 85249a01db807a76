import type { TokensRepository } from '../tokens/tokens.repository.js';
import { NO_AUDIT, type AuditRecorder } from '../audit/audit-log.js';
import { createHash, randomUUID } from 'node:crypto';
import { FORMAT_IDS } from '@coverwatch/core';
import { UploadEnvelopeSchema, type UploadEnvelope } from '@coverwatch/protocol';
import type { PersonalPrincipal, Principal, UploadPrincipal } from '../auth/token-auth.service.js';
import type { MembershipsRepository } from '../orgs/memberships.repository.js';
import type { RepoAccessPolicy } from '../repos/repo-access.policy.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { CommitsRepository } from '../commits/commits.repository.js';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';
import { isUniqueViolation, isRetryableTransactionError } from '../db/db-errors.js';
import { AppError } from '../errors/app-error.js';
import { parseInput } from '../http/validate.js';
import { checkOidcUpload } from '../oidc/oidc-binding.js';
import type { OidcTokenUsesRepository } from '../oidc/oidc-token-uses.repository.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { PullRequestsRepository } from '../pulls/pull-requests.repository.js';
import { repoNotFound } from '../repos/repo-access.policy.js';
import type { RepoRow, ReposRepository } from '../repos/repos.repository.js';
import { effectiveProtected, isProtectedBranch } from '../branches/protected-branches.js';
import { uploadOrigin, type UploadOrigin } from './upload-origin.js';
import type { UploadBody } from './upload-body.js';
import type { UploadRecord, UploadsRepository } from './uploads.repository.js';

export const PROCESS_UPLOAD_QUEUE = 'process-upload';

export interface ProcessUploadPayload {
  readonly uploadId: string;
}

/** Receives uploads (validate, store the raw body, record, enqueue) and reports their state. Transport-neutral. */
export class UploadsService {
  constructor(
    private readonly db: Db,
    private readonly uploads: UploadsRepository,
    private readonly commits: CommitsRepository,
    private readonly repos: ReposRepository,
    private readonly blobs: BlobStore,
    private readonly queue: JobQueue,
    private readonly maxAttempts: number,
    private readonly pullRequests: PullRequestsRepository,
    private readonly tokenUses: OidcTokenUsesRepository,
    private readonly tokens: TokensRepository,
    /** Who may write a repository (personal tokens upload as their user). */
    private readonly members: Pick<MembershipsRepository, 'mayWrite'>,
    private readonly access: RepoAccessPolicy,
    /** `upload.received` for each accepted upload (the anomaly rules read it). */
    private readonly audit: AuditRecorder = NO_AUDIT,
  ) {}

  /**
   * Accepts an upload for the principal's repository. With an idempotency key, a retry carrying
   * the same envelope returns the first upload; a different envelope under the same key is a conflict.
   * An OIDC principal's upload must match its token's repository slug and commit. An organization
   * upload token's upload names its repository (`repository.slug`, OWNER/NAME): one of its
   * organization's, else the answer of a repository that does not exist.
   */
  async receive(uploader: UploadPrincipal, body: UploadBody, idempotencyKey: string | undefined): Promise<UploadRecord & { bookkeepingError?: unknown }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.json);
    } catch {
      throw new AppError('CW_ERR_UPLOAD_BAD_JSON', 'the decompressed body is not valid JSON');
    }
    const envelope = parseInput(UploadEnvelopeSchema, parsed, 'body');
    checkFormats(envelope);
    const principal =
      uploader.kind === 'org_upload' ? await this.orgUploadTarget(uploader.tokenId, uploader.orgId, envelope) : uploader.kind === 'personal' ? await this.personalUploadTarget(uploader, envelope) : uploader;
    if (principal.oidc !== undefined) checkOidcUpload(principal.oidc, envelope);
    const repo = await this.repos.findById(principal.repositoryId);
    const origin = uploadOrigin(envelope, envelope.repository?.slug ?? repo?.fullName ?? '');
    const bodySha = createHash('sha256').update(body.json, 'utf8').digest('hex');
    if (idempotencyKey !== undefined) {
      const earlier = await this.replay(principal.repositoryId, idempotencyKey, bodySha);
      if (earlier !== null) return earlier;
    }
    // One raw blob per upload (not content-addressed): retention then deletes exactly the bodies
    // that expired, with no other upload sharing them. Retries never get here (replay above).
    const id = randomUUID();
    const rawKey = rawUploadKey(id);
    await this.blobs.put(rawKey, body.compressed);
    try {
      // A deadlock with pg-boss maintenance (seen while a worker starts) is retried: the transaction is all or nothing.
      await retryTransaction(() => this.db.transaction().execute(async (trx) => {
        const commitId = await this.commits.upsert(
          principal.repositoryId,
          envelope.commit.sha,
          { branch: origin.branch, parents: envelope.commit.parents, prNumber: envelope.commit.pullRequest?.number },
          trx,
        );
        const pr = envelope.commit.pullRequest;
        if (pr !== undefined) {
          await this.pullRequests.upsert(
            principal.repositoryId,
            { number: pr.number, headBranch: origin.branch, baseBranch: pr.baseBranch, baseSha: pr.baseSha, mergeBaseSha: pr.mergeBaseSha, headSha: envelope.commit.sha },
            trx,
          );
        }
        await this.uploads.insert(
          {
            id,
            repository_id: principal.repositoryId,
            commit_id: commitId,
            state: 'received',
            job_identity: jobIdentity(envelope),
            flags_json: JSON.stringify([...(envelope.flags ?? [])].sort()),
            name: envelope.name ?? null,
            ci_provider: envelope.ci?.provider ?? null,
            build_id: envelope.ci?.buildId ?? null,
            build_url: envelope.ci?.buildUrl ?? null,
            job_id: envelope.ci?.jobId ?? null,
            idempotency_key: idempotencyKey ?? null,
            body_sha256: bodySha,
            raw_blob_key: rawKey,
            raw_bytes: body.compressed.length,
            decompressed_bytes: body.decompressedBytes,
            created_at: isoNow(),
          },
          trx,
        );
        // The token may then read this upload's status (and only this one's).
        if (principal.oidc !== undefined) await this.tokenUses.attachUpload(principal.oidc.issuer, principal.oidc.jti, id, trx);
        // In the same transaction: the job exists exactly when the upload does.
        await this.queue.enqueue(PROCESS_UPLOAD_QUEUE, { uploadId: id } satisfies ProcessUploadPayload, { maxAttempts: this.maxAttempts, executor: trx });
      }));
    } catch (e) {
      await this.blobs.delete(rawKey).catch(() => undefined);
      // Two retries with one key raced; the loser answers with the winner's upload.
      if (idempotencyKey !== undefined && isUniqueViolation(e)) {
        const earlier = await this.replay(principal.repositoryId, idempotencyKey, bodySha);
        if (earlier !== null) return earlier;
      }
      throw e;
    }
    // Read at once: the answer says what was accepted (`received`), even if a worker is already on it.
    const accepted = (await this.uploads.findById(id))!;
    // Bookkeeping after the upload is safe: it must not turn an accepted upload into a 500 (the
    // client would retry an upload that is stored). A failure goes back to the route, which logs it.
    try {
      // Owners see which CI a token was last used from (the envelope names it; the auth hook cannot).
      if (principal.tokenId !== null && envelope.ci?.provider !== undefined) await this.tokens.noteCiProvider(principal.tokenId, envelope.ci.provider);
      await this.audit.record({
        event: 'upload.received',
        actor: principal.tokenId !== null ? { type: 'token', id: principal.tokenId } : { type: 'oidc', ...(principal.oidc !== undefined ? { name: principal.oidc.issuer } : {}) },
        target: { type: 'repository', id: principal.repositoryId, ...(repo !== null ? { name: repo.fullName } : {}) },
        details: {
          uploadId: id,
          repository: repo?.fullName ?? principal.repositoryId,
          ciProvider: envelope.ci?.provider ?? null,
          commit: envelope.commit.sha,
          branch: origin.branch ?? null,
          ...(await this.originDetails(origin, principal.oidc?.build.event, repo)),
        },
      });
    } catch (e) {
      return Object.assign(accepted, { bookkeepingError: e });
    }
    return accepted;
  }

  /**
   * What the anomaly rules need to see a fork writing a protected branch: the fork evidence, the
   * branch as claimed, and (only when there is evidence) whether that branch is protected.
   */
  private async originDetails(origin: UploadOrigin, oidcEvent: string | undefined, repo: RepoRow | null): Promise<Record<string, string | boolean>> {
    const out: Record<string, string | boolean> = {};
    if (origin.fork !== null) out.fork = origin.fork;
    if (origin.headRepository !== null) out.headRepository = origin.headRepository;
    if (origin.branch !== origin.claimedBranch && origin.claimedBranch !== undefined) out.claimedBranch = origin.claimedBranch;
    if (oidcEvent !== undefined) out.oidcEvent = oidcEvent;
    const suspect = origin.fork === true || oidcEvent === 'pull_request_target';
    if (suspect && origin.claimedBranch !== undefined && repo !== null) {
      out.protectedBranch = isProtectedBranch(origin.claimedBranch, effectiveProtected(await this.repos.protectedBranches(repo.id), repo.defaultBranch));
    }
    return out;
  }

  /**
   * The upload, if the principal's repository owns it (others get not-found: ids of other
   * repositories are not confirmed); for an organization upload token, if a repository of its
   * organization does (the uploader's `--wait` asks with the token it uploaded with).
   */
  async get(principal: UploadPrincipal, id: string): Promise<{ upload: UploadRecord; repository: string; commitSha: string }> {
    const upload = await this.uploads.findById(id);
    const repo = upload === null ? null : await this.repos.findById(upload.repository_id);
    const owned =
      principal.kind === 'org_upload'
        ? repo !== null && repo.orgId === principal.orgId
        : principal.kind === 'personal'
          ? repo !== null && this.access.canRead(principal, repo)
          : upload !== null && upload.repository_id === principal.repositoryId;
    if (upload === null || !owned) throw new AppError('CW_ERR_UPLOAD_NOT_FOUND', `no upload ${id}`);
    const commit = await this.commits.findById(upload.commit_id);
    return { upload, repository: repo!.fullName, commitSha: commit!.sha };
  }

  /**
   * The repository a `read-write` personal token's upload names: within the token's scope, and one
   * its user may write now (owner, admin or member of its organization, or a write grant). One the
   * user only reads is 403; any other answers as a missing one. A `read` token never uploads.
   */
  private async personalUploadTarget(principal: PersonalPrincipal, envelope: UploadEnvelope): Promise<Principal> {
    if (principal.access !== 'read-write') throw new AppError('CW_ERR_AUTH_FORBIDDEN', 'this route needs an upload, org_upload or read-write personal token; read personal tokens cannot use it');
    const { owner, name } = namedRepository(envelope, 'a personal token');
    const repo = this.access.check(principal, await this.repos.findByFullName(owner, name), owner, name);
    if (!(await this.members.mayWrite(principal.userId, repo.orgId, repo.id))) {
      throw new AppError('CW_ERR_REPO_FORBIDDEN', `your access cannot upload to ${repo.fullName}: owners, admins and members of its organization and write-grant holders can`);
    }
    return { tokenId: principal.tokenId, kind: 'upload', repositoryId: repo.id };
  }

  /** The repository an organization upload token's upload names, if its organization owns it; any other is refused as unknown. */
  private async orgUploadTarget(tokenId: string, orgId: string, envelope: UploadEnvelope): Promise<Principal> {
    const { owner, name } = namedRepository(envelope, 'an organization upload token');
    const repo = await this.repos.findByFullName(owner, name);
    // Another organization's repository answers exactly as a missing one: the token learns nothing about it.
    if (repo === null || repo.orgId !== orgId) throw repoNotFound(owner, name);
    return { tokenId, kind: 'upload', repositoryId: repo.id };
  }

  private async replay(repositoryId: string, key: string, bodySha: string): Promise<UploadRecord | null> {
    const earlier = await this.uploads.findByIdempotencyKey(repositoryId, key);
    if (earlier === null) return null;
    if (earlier.body_sha256 !== bodySha) throw new AppError('CW_ERR_UPLOAD_IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different upload; use a new key for new content');
    return earlier;
  }
}

/** OWNER/NAME of the repository the envelope names: required for tokens that are not bound to one. */
function namedRepository(envelope: UploadEnvelope, what: string): { owner: string; name: string } {
  const slug = envelope.repository?.slug;
  if (slug === undefined) {
    throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: body.repository.slug: ${what} uploads to the repository the envelope names (coverwatch upload --slug OWNER/NAME)`, [
      { path: 'body.repository.slug', message: `required with ${what}` },
    ]);
  }
  const cut = slug.indexOf('/');
  return { owner: slug.slice(0, cut), name: slug.slice(cut + 1) };
}

/** Core reads a closed list of formats; a name outside it is a 400 now rather than a failed upload later. */
function checkFormats(envelope: UploadEnvelope): void {
  const known: readonly string[] = FORMAT_IDS;
  const fields = envelope.reports.flatMap((r, i) =>
    r.format !== undefined && !known.includes(r.format) ? [{ path: `body.reports.${i}.format`, message: `unknown format "${r.format}"; known: ${FORMAT_IDS.join(', ')}` }] : [],
  );
  if (fields.length > 0) throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

/**
 * Which CI job produced the upload: (provider, build id, job id, name, flags). A re-run of the same
 * job sends the same values, and its upload replaces the earlier one. Without a build or job id
 * there is no identity and uploads never replace each other.
 */
export function jobIdentity(envelope: UploadEnvelope): string | null {
  const ci = envelope.ci;
  if (ci?.buildId === undefined && ci?.jobId === undefined) return null;
  const key = JSON.stringify([ci.provider ?? null, ci.buildId ?? null, ci.jobId ?? null, envelope.name ?? null, [...(envelope.flags ?? [])].sort()]);
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Where an upload's raw body is kept: `raw/<first two characters of the id>/<id>`. */
export function rawUploadKey(uploadId: string): string {
  return `raw/${uploadId.slice(0, 2)}/${uploadId}`;
}

/** Runs a transaction again (up to three times) when PostgreSQL aborted it as a deadlock or serialization failure. */
async function retryTransaction<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= 3 || !isRetryableTransactionError(e)) throw e;
    }
  }
}
