/**
 * Which proxy, if any, carries a request to `target`, by the usual HTTPS_PROXY / NO_PROXY rules
 * (curl's): NO_PROXY is a comma list of host names, domain suffixes (`.example.com` or
 * `example.com` both match subdomains), IPs, optional `:port`, or `*` for all. Only HTTPS targets go
 * through a proxy; plain HTTP is only ever used to loopback, which never needs one.
 */
export function proxyFor(target: URL, settings: { httpsProxy?: string | undefined; noProxy?: string | undefined }): URL | null {
  if (target.protocol !== 'https:' || settings.httpsProxy === undefined) return null;
  if (bypasses(target, settings.noProxy ?? '')) return null;
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(settings.httpsProxy) ? settings.httpsProxy : `http://${settings.httpsProxy}`;
  let proxy: URL;
  try {
    proxy = new URL(raw);
  } catch {
    throw new Error('HTTPS_PROXY is not a valid URL');
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') throw new Error(`HTTPS_PROXY must be an http:// or https:// proxy, not ${proxy.protocol}`);
  return proxy;
}

function bypasses(target: URL, noProxy: string): boolean {
  const host = bare(target.hostname).toLowerCase();
  const port = target.port || '443';
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // An unbracketed IPv6 address (`::1`) has colons of its own and no port.
    const m = (entry.match(/:/g) ?? []).length > 1 && !entry.startsWith('[') ? [entry, entry, undefined] : /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    if (m[2] !== undefined && m[2] !== port) continue;
    const name = bare(m[1]!).replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** `[::1]` -> `::1`: URL keeps the brackets of IPv6 hosts, sockets want them off. */
export function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
