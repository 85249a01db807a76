import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, TokenAuthService } from '../auth/token-auth.service.js';
import type { TokenKind } from '../tokens/token-format.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireToken` before the body is read; null on public routes. */
    principal: Principal | null;
  }
}

/**
 * An onRequest hook: authentication runs before the body is read, so an unauthenticated client
 * cannot make the server read (or decompress) anything.
 */
export function requireToken(auth: TokenAuthService, kinds: readonly TokenKind[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.principal = await auth.authenticate(request.headers.authorization, kinds);
  };
}

/** The principal of an authenticated route (the hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('route has no auth hook');
  return request.principal;
}
