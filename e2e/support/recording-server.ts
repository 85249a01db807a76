import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
  /** The body decompressed, when it was gzip. */
  readonly text: string;
}

export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in Coverwatch server that records every request byte and answers like the real one:
 * 202 for an upload, then `processed` with the totals it is given.
 */
export async function startRecordingServer(totals: unknown, tls?: { key: string; cert: string }): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const uploads = new Map<string, { sha: string; flags: string[] }>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body, text });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && /^(\/[\w-]+)*\/api\/v1\/uploads$/.test(req.url ?? '')) {
        const envelope = JSON.parse(text) as { commit: { sha: string }; flags?: string[] };
        const id = randomUUID();
        uploads.set(id, { sha: envelope.commit.sha, flags: envelope.flags ?? [] });
        res.statusCode = 202;
        res.end(JSON.stringify({ id, state: 'received', statusUrl: `${(req.url ?? '').replace(/\/api\/v1\/uploads$/, '')}/api/v1/uploads/${id}` }));
        return;
      }
      const m = /^(?:\/[\w-]+)*\/api\/v1\/uploads\/([0-9a-f-]{36})$/.exec(req.url ?? '');
      const upload = m ? uploads.get(m[1]!) : undefined;
      if (req.method === 'GET' && upload) {
        const now = new Date().toISOString();
        res.end(JSON.stringify({ id: m![1], repository: 'acme/widgets', commitSha: upload.sha, state: 'processed', flags: upload.flags, name: null, createdAt: now, processedAt: now, error: null, diagnostics: [], totals }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'CW_ERR_ROUTE_NOT_FOUND', message: 'no route' } }));
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, requests, close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }) };
}
