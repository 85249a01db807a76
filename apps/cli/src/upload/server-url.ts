import { bare } from './http/proxy.js';
import { UploadError } from './upload-error.js';

/**
 * The server's base URL, checked: https, or plain http only to this machine (a token sent in clear
 * over a network is a leaked token) unless the user says otherwise. No credentials or query in the
 * URL: URLs end up in logs, and tokens travel only in the Authorization header.
 */
export function parseServerUrl(raw: string, allowInsecureHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UploadError('config', `--url is not a valid URL: expected https://coverwatch.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UploadError('config', `--url must be https:// (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') throw new UploadError('config', '--url must not carry credentials; pass the token with --token or COVERWATCH_TOKEN');
  if (url.search !== '' || url.hash !== '') throw new UploadError('config', '--url must not have a query or fragment; pass the token with --token or COVERWATCH_TOKEN');
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new UploadError('config', `refusing plain http:// to ${url.host}: the token would cross the network unencrypted. Use https://, or --allow-insecure-http if you really mean it`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export function isLoopback(hostname: string): boolean {
  const h = bare(hostname).toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The URL as the audience of an OIDC token: the base URL without its trailing slash. */
export function oidcAudience(base: URL): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
}

/** An API path under the base URL (which may itself have a path, e.g. behind a reverse proxy). */
export function apiUrl(base: URL, path: string): URL {
  return new URL(path.replace(/^\//, ''), base);
}
