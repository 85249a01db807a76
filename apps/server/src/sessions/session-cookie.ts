import type { FastifyReply, FastifyRequest } from 'fastify';
import { credentialCookie, SESSION_COOKIE } from '../http/csrf.js';

/** The value of the `__Host-cw-session` cookie of a request, if any (the first one). */
export function sessionSecretOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sets the session cookie: a browser-session cookie (no Max-Age: the server decides when it ends). */
export function setSessionCookie(reply: FastifyReply, secret: string): void {
  void reply.header('set-cookie', credentialCookie('session', secret));
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply): void {
  void reply.header('set-cookie', credentialCookie('session', '', 0));
}
