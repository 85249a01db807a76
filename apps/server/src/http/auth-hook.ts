import type { FastifyReply, FastifyRequest } from 'fastify';
import { rejectionAuditOf, type RejectedRequest } from '../audit/auth-rejections.js';
import { bearerCredential, type OrgUploadPrincipal, type ReadPrincipal, type TokenAuthService, type UploadPrincipal } from '../auth/token-auth.service.js';
import type { OidcAuthService } from '../oidc/oidc-auth.service.js';
import { isIdTokenShaped } from '../oidc/oidc-verifier.js';
import type { TokenKind } from '../tokens/token-format.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireToken` (or, on routes admitting sessions, the session hook) before the body is read; null on public routes. */
    principal: ReadPrincipal | OrgUploadPrincipal | null;
  }
}

/** A route that also takes OIDC ID tokens, and what for. */
export interface OidcRoute {
  readonly auth: OidcAuthService;
  readonly use: 'upload' | 'status';
}

/** The shape the upload route validates the header against; anything else is not a key to remember. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * An onRequest hook: authentication runs before the body is read, so an unauthenticated client
 * cannot make the server read (or decompress) anything. On routes with `oidc`, an ID token is
 * verified there too (signature, issuer, audience, times, repository link, single use).
 */
export function requireToken(auth: TokenAuthService, kinds: readonly TokenKind[], oidc?: OidcRoute) {
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (oidc !== undefined && header !== undefined && header !== '') {
      const credential = bearerCredential(header);
      if (isIdTokenShaped(credential)) {
        const key = request.headers['idempotency-key'];
        const idempotencyKey = typeof key === 'string' && IDEMPOTENCY_KEY.test(key) ? key : null;
        request.principal = await oidc.auth.authenticate(credential, oidc.use === 'upload' ? { use: 'upload', idempotencyKey } : { use: 'status' });
        return;
      }
    }
    const ua = request.headers['user-agent'];
    request.principal = await auth.authenticate(header, kinds, { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null });
  };
  // Upload routes (the ones taking ID tokens) record their refusals in the audit log (audit/auth-rejections.ts).
  const audit = oidc === undefined ? undefined : rejectionAuditOf(auth);
  if (audit === undefined) return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => authenticate(request);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      await authenticate(request);
    } catch (e) {
      await audit.rejected(rejectedRequest(request), e).catch((err: unknown) => request.log.error({ err }, 'recording a refused request in the audit log failed'));
      throw e;
    }
    // Refusals after authentication (an OIDC upload whose envelope does not match its token).
    const principal = principalOf(request);
    reply.raw.once('finish', () => {
      if (reply.statusCode !== 401 && reply.statusCode !== 403) return;
      audit.refusedAfterAuthentication(rejectedRequest(request), principal, reply.statusCode).catch((err: unknown) => request.log.error({ err }, 'recording a refused request in the audit log failed'));
    });
  };
}

function rejectedRequest(request: FastifyRequest): RejectedRequest {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, method: request.method, route: request.routeOptions.url ?? '(unknown route)', headers: { authorization: request.headers.authorization, 'user-agent': typeof ua === 'string' ? ua : undefined } };
}

/** The principal of an authenticated upload route (the hook guarantees it; sessions never reach routes that call this). */
export function principalOf(request: FastifyRequest): UploadPrincipal {
  if (request.principal === null || request.principal.kind === 'session') throw new Error('route has no upload token auth hook');
  return request.principal;
}
