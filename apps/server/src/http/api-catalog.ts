import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorBodySchema } from '@coverwatch/protocol';
import type { ReadPrincipal, SessionPrincipal, TokenAuthService, UploadPrincipal } from '../auth/token-auth.service.js';
import { AppError, type FieldProblem } from '../errors/app-error.js';
import type { OidcAuthService } from '../oidc/oidc-auth.service.js';
import type { TokenKind } from '../tokens/token-format.js';
import type { Session } from '../sessions/sessions.service.js';
import { requireSession, type SessionGate } from '../sessions/session-auth.js';
import { sessionSecretOf } from '../sessions/session-cookie.js';
import { requireToken } from './auth-hook.js';
import { output, parseInput } from './validate.js';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** Largest JSON body of a session route (a WebAuthn response with an attestation certificate chain fits well within it). */
const SESSION_BODY_LIMIT = 64 * 1024;

/** What a route declares: the catalog registers it, validates its input, filters its output and documents it. */
export interface RouteSpec<P extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, R extends z.ZodType = z.ZodType> {
  readonly method: 'GET' | 'POST';
  /** Fastify syntax: `:name` parameters, a trailing `*` wildcard. */
  readonly url: string;
  readonly summary: string;
  /** Token kinds accepted, 'session' (the `__Host-cw-session` cookie of a signed-in user), or 'public' (declared, never by omission). */
  readonly tokens: readonly TokenKind[] | 'public' | 'session';
  /**
   * Session routes: whether a session opened with a password alone (no second factor yet) may use it.
   * Default: refused (CW_ERR_AUTH_MFA_REQUIRED). `enrollment`: only while the account has no factor
   * (sessions/session-auth.ts `MfaPolicy`).
   */
  readonly mfa?: 'not-required' | 'enrollment';
  /**
   * Session routes: the session must have passed a second factor within the last 5 minutes, else
   * 403 CW_ERR_AUTH_STEP_UP_REQUIRED (changing factors; later tokens, roles, members). Documented
   * as `x-coverwatch-step-up`.
   */
  readonly stepUp?: true;
  /**
   * Token routes: also admit a signed-in user's session that passed a second factor (the read API).
   * The handler's principal is then a `ReadPrincipal`; the route's access policy decides what the
   * user may read (repos/repo-access.policy.ts). Documented as `session` in `x-coverwatch-tokens`.
   */
  readonly sessions?: true;
  /** Also accepts an OIDC ID token, for this use (see docs/security.md). */
  readonly oidc?: 'upload' | 'status';
  readonly params?: P;
  /** The name the trailing `*` of the url has in `params` (and in the OpenAPI path). */
  readonly wildcard?: string;
  readonly query?: Q;
  readonly headers?: z.ZodType;
  /** Documented only: routes with a body read it themselves (uploads stream with limits). */
  readonly body?: { readonly contentType: string; readonly description: string; readonly schema: z.ZodType };
  /** Status of the success answer (default 200). */
  readonly status?: number;
  readonly response: R;
  /** Error statuses besides the default ones (400, and 401/403/404 for token routes). */
  readonly errors?: readonly number[];
}

export interface RouteInput<P, Q, W = UploadPrincipal> {
  readonly params: P;
  readonly query: Q;
  readonly principal: W;
}

export interface SessionRouteInput<P, Q, B = undefined> {
  readonly params: P;
  readonly query: Q;
  /** The JSON body, validated (routes declaring `body`). */
  readonly body: B;
  readonly session: Session;
  /** The session's cookie secret (to derive its anti-CSRF token; never logged or returned). */
  readonly secret: string;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * Every route of the API in one list: registered through `get`, or recorded with `document` when
 * the route handles its request itself. `buildApp` refuses to start if Fastify has a route the
 * catalog does not list, so `/api/docs` (`openApi`) lists every route by construction.
 */
export class ApiCatalog {
  private readonly specs: RouteSpec[] = [];

  constructor(
    private readonly auth: TokenAuthService,
    private readonly oidc: OidcAuthService,
    private readonly sessions?: SessionGate,
    /** What a session may read, loaded for each request (routes with `sessions: true`). */
    private readonly sessionReader?: (userId: string, sessionId: string) => Promise<SessionPrincipal>,
  ) {}

  get routes(): readonly RouteSpec[] {
    return this.specs;
  }

  /** Records a route registered elsewhere. */
  document(spec: RouteSpec): void {
    this.specs.push(spec);
  }

  /**
   * Registers a token route: input validated (400 with field paths), output passed through its
   * schema. With `sessions: true`, a request without an Authorization header that carries a session
   * cookie is authenticated by the session instead (a live session that passed a second factor,
   * else 401/403 as on session routes); a request with the header is a token request, cookie or not.
   */
  route<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, R extends z.ZodType, S extends true | undefined = undefined>(
    app: FastifyInstance,
    spec: RouteSpec<P, Q, R> & { tokens: readonly TokenKind[]; sessions?: S },
    handler: (input: RouteInput<Infer<P>, Infer<Q>, S extends true ? ReadPrincipal : UploadPrincipal>) => Promise<z.input<R>>,
  ): void {
    const tokenHook = requireToken(this.auth, spec.tokens, spec.oidc === undefined ? undefined : { auth: this.oidc, use: spec.oidc });
    let onRequest = tokenHook;
    if (spec.sessions === true) {
      const gate = this.sessions;
      const reader = this.sessionReader;
      if (gate === undefined || reader === undefined) throw new Error(`${spec.method} ${spec.url}: sessions need the sessions service and a session reader`);
      if (spec.oidc !== undefined) throw new Error(`${spec.method} ${spec.url}: a route takes OIDC ID tokens or sessions, not both`);
      const sessionHook = requireSession(gate, { mfa: 'required', stepUp: false });
      onRequest = async (request, reply) => {
        const header = request.headers.authorization;
        const cookie = sessionSecretOf(request);
        if ((header === undefined || header === '') && cookie !== undefined && cookie !== '') {
          await sessionHook(request, reply);
          const auth = request.sessionAuth;
          if (auth === null) throw new Error('session hook without a session');
          // Memberships and grants are read for every request: nothing is cached, so a removal takes effect on the next one.
          request.principal = await reader(auth.session.userId, auth.session.id);
          return;
        }
        await tokenHook(request, reply);
      };
    }
    this.specs.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      onRequest,
      handler: async (request, reply) => {
        let rawParams = request.params as Record<string, unknown>;
        if (spec.wildcard !== undefined) {
          const { '*': rest, ...named } = rawParams;
          rawParams = { ...named, [spec.wildcard]: rest };
        }
        // Problems of params and query are reported together.
        const problems: FieldProblem[] = [];
        const params = collect(spec.params, rawParams, 'params', problems) as Infer<P>;
        const query = collect(spec.query, request.query, 'query', problems) as Infer<Q>;
        if (problems.length > 0) throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: ${problems.map((f) => `${f.path}: ${f.message}`).join('; ')}`, problems);
        const principal = request.principal;
        if (principal === null) throw new Error('route has no auth hook');
        // A session principal only reaches routes declaring `sessions: true` (the hook above).
        const body = output(spec.response, await handler({ params, query, principal: principal as S extends true ? ReadPrincipal : UploadPrincipal }));
        return reply.status(spec.status ?? 200).send(body);
      },
    });
  }

  /**
   * Registers a session route (`tokens: 'session'`): the session, its MFA policy and step-up are
   * checked in onRequest, before the body; then as `route`, with the JSON body (if declared)
   * validated against `body.schema` (at most 64 KiB).
   */
  sessionRoute<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, R extends z.ZodType, B extends z.ZodType | undefined = undefined>(
    app: FastifyInstance,
    spec: RouteSpec<P, Q, R> & { tokens: 'session'; body?: { readonly contentType: 'application/json'; readonly description: string; readonly schema: NonNullable<B> } },
    handler: (input: SessionRouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<z.input<R>>,
  ): void {
    if (this.sessions === undefined) throw new Error('session routes need the sessions service');
    // A step-up needs a factor to step up with: a route open to sessions without one cannot promise it.
    if (spec.stepUp === true && spec.mfa === 'not-required') throw new Error(`${spec.method} ${spec.url}: stepUp needs mfa 'required' or 'enrollment'`);
    if (spec.body !== undefined && spec.body.contentType !== 'application/json') throw new Error(`${spec.method} ${spec.url}: session routes take JSON bodies`);
    this.specs.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      bodyLimit: SESSION_BODY_LIMIT,
      onRequest: requireSession(this.sessions, { mfa: spec.mfa ?? 'required', stepUp: spec.stepUp === true }),
      handler: async (request, reply) => {
        const problems: FieldProblem[] = [];
        const params = collect(spec.params, request.params, 'params', problems) as Infer<P>;
        const query = collect(spec.query, request.query, 'query', problems) as Infer<Q>;
        const body = collect(spec.body?.schema, request.body, 'body', problems) as Infer<B>;
        if (problems.length > 0) throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: ${problems.map((f) => `${f.path}: ${f.message}`).join('; ')}`, problems);
        const auth = request.sessionAuth;
        if (auth === null) throw new Error('session route without its hook');
        const answer = output(spec.response, await handler({ params, query, body, session: auth.session, secret: auth.secret, request, reply }));
        return reply.status(spec.status ?? 200).send(answer);
      },
    });
  }

  /** The OpenAPI 3.1 document of every route, from the same zod schemas that validate them. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const spec of this.specs) {
      const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, `{${spec.wildcard ?? 'wildcard'}}`);
      const parameters = [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query'), ...parametersOf(spec.headers, 'header')];
      const errors = [...new Set([...(spec.tokens === 'public' ? [] : spec.tokens === 'session' ? [400, 401, 403] : [400, 401, 403, 404]), ...(spec.errors ?? [])])].sort();
      const responses: Record<string, unknown> = {
        [String(spec.status ?? 200)]: { description: 'success', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } },
      };
      for (const status of errors) responses[String(status)] = { description: 'error (see docs/errors.md)', content: { 'application/json': { schema: jsonSchema(ErrorBodySchema, 'output') } } };
      (paths[path] ??= {})[spec.method.toLowerCase()] = {
        summary: spec.summary,
        security: spec.tokens === 'public' ? [] : spec.tokens === 'session' ? [{ session: [] }] : [{ bearer: [] }, ...(spec.sessions === true ? [{ session: [] }] : [])],
        'x-coverwatch-tokens':
          spec.tokens === 'public' ? [] : spec.tokens === 'session' ? ['session'] : [...spec.tokens, ...(spec.oidc === undefined ? [] : ['oidc']), ...(spec.sessions === true ? ['session'] : [])],
        ...(spec.tokens === 'session' ? { 'x-coverwatch-mfa': spec.mfa ?? 'required', 'x-coverwatch-step-up': spec.stepUp === true } : {}),
        ...(spec.sessions === true ? { 'x-coverwatch-mfa': 'required', 'x-coverwatch-step-up': false } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(spec.body === undefined
          ? {}
          : { requestBody: { required: true, description: spec.body.description, content: { [spec.body.contentType]: { schema: jsonSchema(spec.body.schema, 'input') } } } }),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an upload (cw_up_) or read (cw_rd_) token of one repository, a personal API token (cw_pat_) or an organization upload token (cw_oup_), as each route lists in x-coverwatch-tokens; routes listing "oidc" in x-coverwatch-tokens also take a CI OIDC ID token' },
          session: { type: 'apiKey', in: 'cookie', name: '__Host-cw-session', description: 'a signed-in user\'s session; state changes also need its anti-CSRF token in X-Coverwatch-CSRF (docs/security.md#accounts-and-sessions)' },
        },
      },
      paths,
    };
  }
}

function collect(schema: z.ZodType | undefined, value: unknown, part: 'params' | 'query' | 'body', problems: FieldProblem[]): unknown {
  if (schema === undefined) return undefined;
  try {
    return parseInput(schema, value, part);
  } catch (e) {
    if (e instanceof AppError && e.fields !== undefined) {
      problems.push(...e.fields);
      return undefined;
    }
    throw e;
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }));
}
