import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UploadAcceptedSchema, UploadStatusSchema, type UploadStatus } from '@coverwatch/protocol';
import type { TokenAuthService } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import { principalOf, requireToken } from '../http/auth-hook.js';
import { output, parseInput } from '../http/validate.js';
import { bodyTooLarge, readUploadBody, type UploadBody, type UploadBodyLimits } from './upload-body.js';
import type { UploadRecord } from './uploads.repository.js';
import type { UploadsService } from './uploads.service.js';

const UploadParams = z.strictObject({ id: z.uuid() });
const UploadHeaders = z.object({ 'idempotency-key': z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, ".", "_", ":" and "-", at most 128').optional() });

/** `POST /api/v1/uploads` and `GET /api/v1/uploads/:id`. Registered as its own plugin: its body parser is its own. */
export function uploadsRoutes(deps: { uploads: UploadsService; auth: TokenAuthService; limits: UploadBodyLimits }) {
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

    app.post('/api/v1/uploads', { onRequest: requireToken(deps.auth, ['upload']), bodyLimit: deps.limits.maxBodyBytes }, async (request, reply) => {
      const headers = parseInput(UploadHeaders, request.headers, 'headers');
      const body = request.body as UploadBody | undefined;
      if (body === undefined) throw new AppError('CW_ERR_UPLOAD_MEDIA_TYPE', 'the request has no body; send the envelope as Content-Type: application/json with Content-Encoding: gzip');
      const upload = await deps.uploads.receive(principalOf(request), body, headers['idempotency-key']);
      return reply.status(202).send(output(UploadAcceptedSchema, { id: upload.id, state: upload.state, statusUrl: `/api/v1/uploads/${upload.id}` }));
    });

    app.get('/api/v1/uploads/:id', { onRequest: requireToken(deps.auth, ['upload', 'read']) }, async (request) => {
      const { id } = parseInput(UploadParams, request.params, 'params');
      const { upload, repository, commitSha } = await deps.uploads.get(principalOf(request), id);
      return output(UploadStatusSchema, toStatus(upload, repository, commitSha));
    });
  };
}

function toStatus(u: UploadRecord, repository: string, commitSha: string): UploadStatus {
  return {
    id: u.id,
    repository,
    commitSha,
    state: u.state,
    flags: JSON.parse(u.flags_json) as string[],
    name: u.name,
    createdAt: u.created_at,
    processedAt: u.finished_at,
    error: u.error_code === null ? null : { code: u.error_code, message: u.error_message ?? '' },
    diagnostics: u.diagnostics_json === null ? [] : (JSON.parse(u.diagnostics_json) as UploadStatus['diagnostics']),
    totals: u.totals_json === null ? null : (JSON.parse(u.totals_json) as UploadStatus['totals']),
  };
}
