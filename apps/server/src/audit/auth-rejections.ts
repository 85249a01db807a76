import type { TokenAuthService, UploadPrincipal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import { isIdTokenShaped } from '../oidc/oidc-verifier.js';
import { checkTokenFormat } from '../tokens/token-format.js';
import type { AuditRecorder } from './audit-log.js';
import { tokenHashPrefix, type AuditActor, type AuditSource } from './chain.js';

/** What the recorder needs of a request (a Fastify request has it). */
export interface RejectedRequest {
  readonly ip: string;
  readonly method: string;
  /** The route's pattern (`/api/v1/uploads/:id`), not the URL: no ids or query strings. */
  readonly route: string;
  readonly headers: { readonly authorization?: string | undefined; readonly 'user-agent'?: string | undefined };
}

/** Records per minute and process before further rejections are only counted. */
export const DEFAULT_REJECTIONS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

/**
 * Records refused requests on the upload routes (`upload.rejected`): 401 and 403 from
 * authentication (upload tokens and OIDC ID tokens), and 401/403 answers after it (an OIDC upload
 * whose envelope does not match its token). Where: the peer address, the user agent and, for a
 * well-formed Coverwatch token or an ID token, the first 16 hex digits of its SHA-256; anything
 * else presented is only described (`malformed`), never hashed, since a hash of a short secret can
 * be reversed by guessing.
 *
 * Anyone can send refused requests and records are never deleted, so each process keeps at most
 * `perMinute` of them a minute; the rest are counted and summed up in one
 * `audit.events_suppressed` record when the minute ends. Recording never changes the answer: a
 * failure is logged and the request is refused as it would have been.
 */
export class AuthRejectionAudit {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: AuditRecorder,
    private readonly options: { readonly perMinute?: number; readonly now?: () => number } = {},
  ) {}

  /** A request refused while authenticating (the hook's error). Only 401/403 catalogued errors are recorded. */
  async rejected(request: RejectedRequest, error: unknown): Promise<void> {
    if (!(error instanceof AppError) || (error.httpStatus !== 401 && error.httpStatus !== 403)) return;
    await this.recordLimited(() => ({
      actor: { type: 'anonymous' },
      status: error.httpStatus,
      details: { phase: 'authentication', code: error.code, message: error.message },
      request,
    }));
  }

  /** A request answered 401/403 after its credential was accepted (e.g. an OIDC upload whose envelope names another commit). */
  async refusedAfterAuthentication(request: RejectedRequest, principal: UploadPrincipal, status: number): Promise<void> {
    if (status !== 401 && status !== 403) return;
    if (principal.kind === 'org_upload') {
      await this.recordLimited(() => ({ actor: { type: 'token', id: principal.tokenId }, status, details: { phase: 'after-authentication', orgId: principal.orgId }, request }));
      return;
    }
    if (principal.kind === 'personal') {
      await this.recordLimited(() => ({ actor: { type: 'token', id: principal.tokenId }, status, details: { phase: 'after-authentication', userId: principal.userId, access: principal.access }, request }));
      return;
    }
    const actor: AuditActor =
      principal.oidc !== undefined ? { type: 'oidc', name: principal.oidc.slug, id: `${principal.oidc.issuer}#${principal.oidc.jti}` } : { type: 'token', ...(principal.tokenId === null ? {} : { id: principal.tokenId }) };
    await this.recordLimited(() => ({
      actor,
      status,
      details: {
        phase: 'after-authentication',
        repositoryId: principal.repositoryId,
        ...(principal.oidc === undefined ? {} : { oidc: { issuer: principal.oidc.issuer, sha: principal.oidc.sha, slug: principal.oidc.slug } }),
      },
      request,
    }));
  }

  private async recordLimited(build: () => { actor: AuditActor; status: number; details: Record<string, unknown>; request: RejectedRequest }): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    if (now - this.windowStart >= WINDOW_MS) {
      await this.flush();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= (this.options.perMinute ?? DEFAULT_REJECTIONS_PER_MINUTE)) {
      this.suppressed++;
      if (this.flushTimer === null) {
        this.flushTimer = setTimeout(() => void this.flush().catch(() => undefined), Math.max(0, this.windowStart + WINDOW_MS - now));
        this.flushTimer.unref();
      }
      return;
    }
    this.inWindow++;
    const { actor, status, details, request } = build();
    await this.audit.record({
      event: 'upload.rejected',
      outcome: 'denied',
      actor,
      source: { ip: request.ip, ...describeCredential(request.headers.authorization), ...(request.headers['user-agent'] === undefined ? {} : { userAgent: String(request.headers['user-agent']) }) },
      details: { method: request.method, route: request.route, status, ...details },
    });
  }

  /** Records the count of suppressed rejections, if any (also called when the minute ends). */
  async flush(): Promise<void> {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.suppressed === 0) return;
    const count = this.suppressed;
    this.suppressed = 0;
    await this.audit.record({
      event: 'audit.events_suppressed',
      outcome: 'success',
      actor: { type: 'system' },
      details: { event: 'upload.rejected', count, windowStart: new Date(this.windowStart).toISOString(), perMinute: this.options.perMinute ?? DEFAULT_REJECTIONS_PER_MINUTE },
    });
  }
}

/** The credential of an Authorization header, for a record: its kind and, when high-entropy by construction, its hash prefix. */
export function describeCredential(authorization: string | undefined): Pick<AuditSource, 'credential' | 'tokenHash'> {
  if (authorization === undefined || authorization === '') return { credential: 'none' };
  const m = /^Bearer[ ]+(\S+)$/i.exec(authorization);
  if (m === null) return { credential: 'malformed' };
  const credential = m[1]!;
  const kind = checkTokenFormat(credential);
  if (kind !== null) return { credential: `${kind}-token`, tokenHash: tokenHashPrefix(credential) };
  if (isIdTokenShaped(credential)) return { credential: 'oidc-id-token', tokenHash: tokenHashPrefix(credential) };
  return { credential: 'malformed' };
}

/** Where the upload routes' auth hook records refusals, per TokenAuthService (createServices registers its own). */
const registry = new WeakMap<TokenAuthService, AuthRejectionAudit>();

/** Makes requireToken hooks built with `auth` record refusals on upload routes in `audit`. */
export function registerRejectionAudit(auth: TokenAuthService, audit: AuthRejectionAudit): void {
  registry.set(auth, audit);
}

/** The recorder registered for `auth` (none: refusals are not recorded, as in unit tests building services by hand). */
export function rejectionAuditOf(auth: TokenAuthService): AuthRejectionAudit | undefined {
  return registry.get(auth);
}
