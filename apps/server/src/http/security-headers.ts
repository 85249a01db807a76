import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.schema.js';
import { hasCredentialCookie } from './csrf.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's CSP nonce (128 random bits, base64), made on first use. A handler answering
     * `text/html` puts it on its `<script>`, `<style>` and `<link rel=stylesheet>` tags; the
     * Content-Security-Policy of that answer names it. Other answers never carry it.
     */
    readonly cspNonce: string;
  }
}

/** What the headers depend on, from the configuration. */
export interface WebHardening {
  /** Send Strict-Transport-Security: `publicUrl` is https (always so in production mode). */
  readonly hsts: boolean;
  /** The origin browsers see this server at (`publicUrl`'s), for the CSRF Origin check; unset: the request's Host. */
  readonly origin: string | undefined;
}

export function webHardening(config: Pick<Config, 'publicUrl'>): WebHardening {
  return {
    hsts: config.publicUrl?.startsWith('https://') ?? false,
    origin: config.publicUrl === undefined ? undefined : new URL(config.publicUrl).origin,
  };
}

/** Every answer that is not HTML (JSON, text, and later SVG badges): nothing may load, run, frame or be framed. */
export const API_CSP = "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `text/html` answers (the web app's index.html): scripts only by this request's nonce
 * ('strict-dynamic' lets them load their chunks), styles from this origin or by nonce, data from
 * this origin only. Vite's `html.cspNonce` marks the tags to stamp.
 */
export function htmlCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Browser features the app never uses, denied to it and to anything it could embed. */
export const PERMISSIONS_POLICY = 'accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), browsing-topics=()';

/** One year, subdomains of this host included (ASVS 3.4.1); not `preload` (that is a decision about the whole domain). */
export const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The security headers of one answer. `nonce` given: the answer is HTML. Also what answers outside
 * Fastify's hooks send (see `frameworkErrorHandler`, `clientErrorHandler`), so there is one list.
 */
export function securityHeaders(web: WebHardening, nonce?: string): Record<string, string> {
  return {
    'content-security-policy': nonce === undefined ? API_CSP : htmlCsp(nonce),
    ...(web.hsts ? { 'strict-transport-security': HSTS } : {}),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // `same-origin`: no Referer to other sites (paths name private repositories), and same-origin
    // POSTs keep their Origin header (`no-referrer` turns it into `Origin: null`).
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': PERMISSIONS_POLICY,
  };
}

function isHtml(contentType: unknown): boolean {
  return typeof contentType === 'string' && /^\s*text\/html\s*(?:;|$)/i.test(contentType);
}

const nonces = new WeakMap<FastifyRequest, string>();

/**
 * Headers on every answer that goes through Fastify's reply (routes, the error and 404 handlers,
 * body-limit and parser errors), set in `onSend`, when the content type is known: HTML gets the
 * nonce policy, everything else `default-src 'none'`. `Cache-Control: no-store` on every answer to
 * a credentialed request (Authorization or a session cookie) and on every error, whatever the route
 * said; other answers get it too unless their route chose a Cache-Control (for later static assets).
 * No Access-Control-* header is ever added: CORS is off.
 */
export function installSecurityHeaders(app: FastifyInstance, web: WebHardening): void {
  app.decorateRequest('cspNonce', {
    getter(this: FastifyRequest): string {
      let nonce = nonces.get(this);
      if (nonce === undefined) nonces.set(this, (nonce = randomBytes(16).toString('base64')));
      return nonce;
    },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.headers(securityHeaders(web, isHtml(reply.getHeader('content-type')) ? request.cspNonce : undefined));
    const credentialed = request.headers.authorization !== undefined || hasCredentialCookie(request.headers.cookie);
    if (credentialed || reply.statusCode >= 400 || !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** The JSON error body of an answer made outside the error handler. */
function errorJson(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Fastify's `frameworkErrors`: a bad percent-encoding or an over-long path parameter is answered
 * before routing, so no hook runs; by default the body repeats the path and has no security
 * headers. Here: a coded error with every header.
 */
export function frameworkErrorHandler(web: WebHardening) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
    const [status, code, message] =
      error.code === 'FST_ERR_BAD_URL'
        ? [400, 'CW_ERR_REQUEST_INVALID', 'the URL is malformed (bad percent-encoding)']
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? [400, 'CW_ERR_REQUEST_INVALID', 'a path segment is too long']
          : [500, 'CW_ERR_SERVER_INTERNAL', 'internal error; the server log has the details'];
    if (status === 500) reply.log.error({ err: error }, 'request failed');
    void reply
      .headers(securityHeaders(web))
      .header('cache-control', 'no-store')
      .header('content-type', 'application/json; charset=utf-8')
      .status(status)
      .send(errorJson(code, message));
  };
}

/**
 * Fastify's `clientErrorHandler`: a request Node cannot parse (bad framing, headers over the size
 * limit, too slow) is answered on the socket, outside Fastify. Same statuses as Fastify's default
 * (400, 408, 431), with the security headers and a coded body.
 */
export function clientErrorHandler(web: WebHardening) {
  return function (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, message] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request took too long to arrive']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
          : [400, 'Bad Request', 'the request is not valid HTTP'];
    this.log.trace({ err: error }, 'client error');
    const body = errorJson('CW_ERR_REQUEST_INVALID', message);
    const headers = { ...securityHeaders(web), 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
    socket.destroy(error);
  };
}
