import { ErrorBodySchema, UploadAcceptedSchema, UploadStatusSchema, type UploadAccepted, type UploadStatus } from '@coverwatch/protocol';
import type { z } from 'zod';
import { withRetries, type RetryHooks, type RetryPolicy } from './http/retry.js';
import { NetworkError, send, type HttpResponse, type TransportOptions } from './http/transport.js';
import { apiUrl } from './server-url.js';
import { UploadError } from './upload-error.js';
import { printable, UUID } from './printable.js';
import { VERSION } from '../version.js';

export interface ClientOptions {
  readonly base: URL;
  /** An upload token or an OIDC ID token. Only ever placed in the Authorization header. */
  readonly credential: string;
  readonly transport: TransportOptions;
  readonly retry: RetryPolicy;
  readonly hooks: RetryHooks;
  readonly log: (s: string) => void;
  /** Mints a new credential when an OIDC ID token expires (GitHub Actions; GitLab's token is the job's one). */
  readonly refreshCredential?: () => Promise<string>;
}

/** The two calls the uploader makes, with retries, and server answers turned into UploadErrors. */
export class UploadClient {
  private credential: string;

  constructor(private readonly o: ClientOptions) {
    this.credential = o.credential;
  }

  async postUpload(body: Buffer, idempotencyKey: string): Promise<UploadAccepted> {
    const url = apiUrl(this.o.base, 'api/v1/uploads');
    const res = await this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'idempotency-key': idempotencyKey },
      body,
    });
    return this.parse(res, UploadAcceptedSchema, 202);
  }

  async getUpload(id: string): Promise<UploadStatus> {
    const url = apiUrl(this.o.base, `api/v1/uploads/${encodeURIComponent(id)}`);
    let res = await this.request({ method: 'GET', url, headers: {} });
    // GitHub's ID tokens live 5 minutes; a long --wait outlives them. Reading states does not use a token up.
    if (res.status === 401 && this.o.refreshCredential !== undefined && errorCode(res) === 'CW_ERR_AUTH_OIDC_EXPIRED') {
      this.o.log('the ID token expired while waiting; requesting a new one');
      this.credential = await this.o.refreshCredential();
      res = await this.request({ method: 'GET', url, headers: {} });
    }
    return this.parse(res, UploadStatusSchema, 200);
  }

  private async request(r: { method: 'GET' | 'POST'; url: URL; headers: Record<string, string>; body?: Buffer }): Promise<HttpResponse> {
    const headers = { ...r.headers, accept: 'application/json', 'user-agent': `coverwatch-uploader/${VERSION}`, authorization: `Bearer ${this.credential}` };
    this.o.log(`${r.method} ${r.url.href}${r.body ? ` (${r.body.length} bytes gzip)` : ''}`);
    try {
      return await withRetries(
        async () => {
          const res = await send({ method: r.method, url: r.url, headers, ...(r.body ? { body: r.body } : {}) }, this.o.transport);
          this.o.log(`-> HTTP ${res.status}`);
          return res;
        },
        this.o.retry,
        { ...this.o.hooks, onRetry: (why, ms, n) => this.o.log(`attempt ${n} failed (${why}); retrying in ${(ms / 1000).toFixed(1)} s`) },
      );
    } catch (e) {
      if (e instanceof NetworkError && !e.retryable) throw new UploadError('network', `could not talk to ${r.url.origin}: ${e.message}`);
      throw new UploadError('network', `could not reach ${r.url.origin} after ${this.o.retry.attempts} attempts: ${(e as Error).message}`);
    }
  }

  private parse<T extends z.ZodType>(res: HttpResponse, schema: T, expected: number): z.infer<T> {
    const text = res.body.toString('utf8');
    if (res.status !== expected) {
      const err = safeJson(text, ErrorBodySchema);
      const reason = err ? printable(`${err.error.code}: ${err.error.message}`) : `HTTP ${res.status}`;
      const kind = res.status === 401 || res.status === 403 ? 'auth' : 'server';
      throw new UploadError(kind, `the server refused the request (HTTP ${res.status}) ${reason}`, err?.error.code);
    }
    const body = safeJson(text, schema);
    // Ids go into URLs and logs: exactly a UUID, or the answer is not one of ours.
    const id = (body as { id?: unknown } | null)?.id;
    if (id !== undefined && !UUID.test(String(id))) throw new UploadError('server', 'the server answered with an upload id that is not a UUID');
    if (body === null) throw new UploadError('server', `the server's answer (HTTP ${res.status}) is not what a Coverwatch server sends; is --url right?`);
    return body;
  }
}

function safeJson<T extends z.ZodType>(text: string, schema: T): z.infer<T> | null {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function errorCode(res: HttpResponse): string | undefined {
  return safeJson(res.body.toString('utf8'), ErrorBodySchema)?.error.code;
}
