import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../errors/app-error.js';

/** Query parameters that would carry a token: refused outright, whatever the route, with a clear message. */
const TOKEN_QUERY = /(?:^|[?&])(?:token|access_token|upload_token|api_key|apikey)=|cw_(?:up|rd|pat|oup)_/i;

/**
 * Error responses for the whole app: catalogued errors keep their code and message; Fastify's own
 * 4xx become CW_ERR_REQUEST_INVALID (or the body limit); anything else is a 500 whose details stay in
 * the log. Also the token-in-query guard, before routing so it covers unknown routes too.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const q = request.raw.url?.indexOf('?') ?? -1;
    if (q >= 0 && TOKEN_QUERY.test(request.raw.url!.slice(q))) {
      throw new AppError('CW_ERR_AUTH_TOKEN_IN_QUERY', 'tokens are not accepted in the query string (proxies and logs keep URLs); send Authorization: Bearer <token>, and revoke a token that was sent this way');
    }
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.kind === 'internal') request.log.error({ err: error }, 'request failed');
      // The rest of an oversized body is not worth reading: answer, then drop the connection.
      if (error.kind === 'limit') void reply.header('connection', 'close');
      return reply.status(error.httpStatus).send({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } });
    }
    const status = (error as FastifyError).statusCode ?? 500;
    // Fastify's own messages describe the request; any other error's message is not ours to show.
    const fastifyOwn = typeof (error as FastifyError).code === 'string' && (error as FastifyError).code.startsWith('FST_');
    if (status === 413) return reply.header('connection', 'close').status(413).send({ error: { code: 'CW_ERR_UPLOAD_BODY_TOO_LARGE', message: fastifyOwn ? error.message : 'the request body is too large' } });
    if (status >= 400 && status < 500) return reply.status(400).send({ error: { code: 'CW_ERR_REQUEST_INVALID', message: fastifyOwn ? error.message : 'the request could not be read' } });
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'CW_ERR_SERVER_INTERNAL', message: 'internal error; the server log has the details' } });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'CW_ERR_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
