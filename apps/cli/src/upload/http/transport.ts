import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import type { LookupAddress } from 'node:dns';
import tls from 'node:tls';
import { bare } from './proxy.js';

/**
 * HTTP for the uploader on node:http/https alone. The uploader runs next to a CI job's secrets, so
 * its supply chain is the threat (2021); proxy support (an HTTP CONNECT tunnel) is the one thing
 * a library would add, and it is forty lines here.
 */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface TransportOptions {
  /** Trusted CAs replacing Node's bundled list (the bundled roots plus --ca-file, built by the caller). */
  readonly ca?: readonly string[];
  readonly proxy?: URL | null;
  readonly timeoutMs: number;
  /** Largest response body read; the server's answers are small JSON documents. */
  readonly maxResponseBytes?: number;
  /** Longest a whole exchange may take, however slowly bytes trickle (default 10 minutes). */
  readonly deadlineMs?: number;
}

/** A failure to exchange a request and a response at all. Messages name no secret. */
export class NetworkError extends Error {
  constructor(
    message: string,
    /** False for failures a retry cannot fix (the server's certificate is not trusted). */
    readonly retryable = true,
  ) {
    super(message);
  }
}

export async function send(req: HttpRequest, opts: TransportOptions): Promise<HttpResponse> {
  const isHttps = req.url.protocol === 'https:';
  const host = bare(req.url.hostname);
  const port = Number(req.url.port || (isHttps ? 443 : 80));
  const socket = isHttps && opts.proxy ? await tunnel(opts.proxy, host, port, opts.timeoutMs) : undefined;
  const base = {
    method: req.method,
    host,
    port,
    path: `${req.url.pathname}${req.url.search}`,
    headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
    timeout: opts.timeoutMs,
  };
  // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED=0 left in a CI environment cannot turn verification off.
  const tlsOptions = { host, servername: isIp(host) ? undefined : host, rejectUnauthorized: true, ...(opts.ca ? { ca: [...opts.ca] } : {}) };
  const max = opts.maxResponseBytes ?? 1024 * 1024;
  const deadlineMs = opts.deadlineMs ?? 10 * 60_000;
  return new Promise<HttpResponse>((resolve, reject) => {
    let request: http.ClientRequest;
    const fail = (e: NetworkError) => {
      clearTimeout(deadline);
      socket?.destroy();
      request?.destroy();
      reject(e);
    };
    // The socket timeout only notices silence; a server trickling bytes is stopped by this.
    const deadline = setTimeout(() => fail(new NetworkError(`no complete answer within ${Math.round(deadlineMs / 1000)} s`)), deadlineMs);
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) fail(new NetworkError(`the answer is larger than ${max} bytes; is --url a Coverwatch server?`, false));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => fail(new NetworkError(`the response was cut off: ${describe(e)}`)));
      res.on('aborted', () => fail(new NetworkError('the response was cut off')));
    };
    if (isHttps && socket) {
      // No agent: an agent (even agent: false) ignores createConnection, and the request would
      // bypass the tunnel and go direct.
      request = https.request({ ...base, ...tlsOptions, createConnection: () => tls.connect({ socket, ...tlsOptions }) }, onResponse);
    } else if (isHttps) {
      request = https.request({ ...base, ...tlsOptions, agent: false }, onResponse);
    } else {
      // Plain http goes only to this machine: `localhost` is pinned to loopback instead of asking DNS.
      request = http.request({ ...base, agent: false, lookup: loopbackLookup }, onResponse);
    }
    request.on('timeout', () => fail(new NetworkError(`no answer within ${Math.round(opts.timeoutMs / 1000)} s`)));
    request.on('error', (e) => fail(e instanceof NetworkError ? e : toNetworkError(e)));
    request.end(req.body);
  });
}

/** net's `lookup` for plain-http targets: names resolve to loopback only (server-url.ts allows no others). */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  const v6 = hostname === '::1' || options.family === 6 || options.family === 'IPv6';
  const address = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ? hostname : v6 ? '::1' : '127.0.0.1';
  const family = address.includes(':') ? 6 : 4;
  if (options.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, [{ address, family }]);
  else callback(null, address, family);
};

/** Opens a CONNECT tunnel through `proxy` to host:port. Proxy credentials (userinfo) go only to the proxy. */
function tunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username !== '') {
    const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(creds).toString('base64')}`;
  }
  const lib = proxy.protocol === 'https:' ? https : http;
  return new Promise<Socket>((resolve, reject) => {
    const req = lib.request({
      host: bare(proxy.hostname),
      port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      timeout: timeoutMs,
      ...(proxy.protocol === 'https:' ? { rejectUnauthorized: true } : {}),
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        // 407 (credentials) and 403 (policy) are configuration; a retry cannot change them.
        const retryable = res.statusCode !== 407 && res.statusCode !== 403;
        reject(new NetworkError(`the proxy refused to connect to ${authority} (HTTP ${res.statusCode})`, retryable));
      }
    });
    req.on('timeout', () => req.destroy(new NetworkError(`the proxy did not answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (e) => reject(e instanceof NetworkError ? e : new NetworkError(`proxy: ${describe(e)}`)));
    req.end();
  });
}

/** Certificate problems are configuration, not weather: retrying cannot help, --ca-file can. */
function toNetworkError(e: unknown): NetworkError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/.test(code)) {
    return new NetworkError(`the server's TLS certificate is not trusted (${describe(e)}); for a private CA pass --ca-file`, false);
  }
  return new NetworkError(describe(e));
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** A network error as a sentence: the code and Node's message, which name hosts and ports, never headers. */
function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
}
