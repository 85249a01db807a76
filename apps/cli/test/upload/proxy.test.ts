import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../src/upload/http/proxy.js';

const target = new URL('https://cov.example.com/api/v1/uploads');

describe('HTTPS_PROXY and NO_PROXY', () => {
  it('uses the proxy for https targets, with or without a scheme', () => {
    expect(proxyFor(target, { httpsProxy: 'http://proxy:3128' })?.href).toBe('http://proxy:3128/');
    expect(proxyFor(target, { httpsProxy: 'proxy:3128' })?.href).toBe('http://proxy:3128/');
    expect(proxyFor(target, {})).toBeNull();
    expect(proxyFor(new URL('http://127.0.0.1:8080/'), { httpsProxy: 'http://proxy:3128' })).toBeNull();
  });

  it('bypasses hosts and domain suffixes in NO_PROXY, with ports and *', () => {
    const p = (noProxy: string, t = target) => proxyFor(t, { httpsProxy: 'http://proxy:3128', noProxy });
    expect(p('cov.example.com')).toBeNull();
    expect(p('example.com')).toBeNull();
    expect(p('.example.com')).toBeNull();
    expect(p('*.example.com')).toBeNull();
    expect(p('*')).toBeNull();
    expect(p('other.com, cov.example.com:443')).toBeNull();
    expect(p('cov.example.com:8443')).not.toBeNull();
    expect(p('ample.com')).not.toBeNull();
    expect(p('10.0.0.1', new URL('https://10.0.0.1/'))).toBeNull();
    expect(p('[::1]', new URL('https://[::1]:8443/'))).toBeNull();
    expect(p('::1', new URL('https://[::1]:8443/'))).toBeNull();
    expect(p('fe80::1', new URL('https://[::1]:8443/'))).not.toBeNull();
  });

  it('refuses proxies it cannot speak to', () => {
    expect(() => proxyFor(target, { httpsProxy: 'socks5://proxy:1080' })).toThrow(/http:\/\/ or https:\/\//);
  });
});
