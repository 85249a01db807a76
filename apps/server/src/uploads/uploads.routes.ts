import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UploadAcceptedSchema, UploadEnvelopeSchema, UploadStatusSchema } from '@coverwatch/protocol';
import type { TokenAuthService } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import type { OidcAuthService } from '../oidc/oidc-auth.service.js';
import { principalOf, requireToken } from '../http/auth-hook.js';
import { output, parseInput } from '../http/validate.js';
import { bodyTooLarge, readUploadBody, type UploadBody, type UploadBodyLimits } from './upload-body.js';
import { toUploadStatus } from './upload-status.js';
import type { UploadsService } from './uploads.service.js';

const UploadParams = z.strictObject({ id: z.uuid() });
const UploadHeaders = z.object({ 'idempotency-key': z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, ".", "_", ":" and "-", at most 128').optional() });

/** `POST /api/v1/uploads` and `GET /api/v1/uploads/:id`. Registered as its own plugin: its body parser is its own. */
export function uploadsRoutes(deps: { uploads: UploadsService; auth: TokenAuthService; oidc: OidcAuthService; limits: UploadBodyLimits; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    // The envelope is gzip JSON; read it with our streaming limits instead of Fastify's parsers.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', async (request: { headers: Record<string, string | string[] | undefined> }, payload: NodeJS.ReadableStream) => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const encoding = String(request.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (type !== 'application/json' || encoding !== 'gzip') {
        throw new AppError('CW_ERR_UPLOAD_MEDIA_TYPE', 'send the envelope as Content-Type: application/json with Content-Encoding: gzip');
      }
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > deps.limits.maxBodyBytes) throw bodyTooLarge(deps.limits.maxBodyBytes);
      return readUploadBody(payload, deps.limits);
    });

    // OIDC ID tokens are verified here too, before the body: only the commit check waits for it.
    app.post('/api/v1/uploads', { onRequest: requireToken(deps.auth, ['upload', 'org_upload', 'personal'], { auth: deps.oidc, use: 'upload' }), bodyLimit: deps.limits.maxBodyBytes }, async (request, reply) => {
      const headers = parseInput(UploadHeaders, request.headers, 'headers');
      const body = request.body as UploadBody | undefined;
      if (body === undefined) throw new AppError('CW_ERR_UPLOAD_MEDIA_TYPE', 'the request has no body; send the envelope as Content-Type: application/json with Content-Encoding: gzip');
      const upload = await deps.uploads.receive(principalOf(request), body, headers['idempotency-key']);
      if (upload.bookkeepingError !== undefined) request.log.error({ err: upload.bookkeepingError, uploadId: upload.id }, 'recording the accepted upload (token last use, audit log) failed');
      return reply.status(202).send(output(UploadAcceptedSchema, { id: upload.id, state: upload.state, statusUrl: `/api/v1/uploads/${upload.id}` }));
    });

    deps.api.document({
      method: 'POST',
      url: '/api/v1/uploads',
      summary: 'Upload coverage for a commit (202; processed asynchronously)',
      tokens: ['upload', 'org_upload', 'personal'],
      oidc: 'upload',
      headers: UploadHeaders,
      body: { contentType: 'application/json', description: 'the envelope as JSON, sent with Content-Encoding: gzip', schema: UploadEnvelopeSchema },
      status: 202,
      response: UploadAcceptedSchema,
      errors: [409, 413],
    });

    deps.api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/uploads/:id',
        summary: "An upload's state, error, diagnostics and totals",
        tokens: ['upload', 'read', 'org_upload', 'personal'],
        oidc: 'status',
        params: UploadParams,
        response: UploadStatusSchema,
      },
      async ({ params, principal }) => {
        const { upload, repository, commitSha } = await deps.uploads.get(principal, params.id);
        return toUploadStatus(upload, repository, commitSha);
      },
    );
  };
}
