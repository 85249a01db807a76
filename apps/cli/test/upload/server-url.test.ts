import { describe, expect, it } from 'vitest';
import { apiUrl, isLoopback, oidcAudience, parseServerUrl } from '../../src/upload/server-url.js';
import { UploadError } from '../../src/upload/upload-error.js';

describe('server URL', () => {
  it('accepts https anywhere and plain http only to this machine', () => {
    expect(parseServerUrl('https://cov.example.com', false).href).toBe('https://cov.example.com/');
    expect(parseServerUrl('http://127.0.0.1:8080', false).href).toBe('http://127.0.0.1:8080/');
    expect(parseServerUrl('http://localhost:8080/cw', false).href).toBe('http://localhost:8080/cw/');
    expect(parseServerUrl('http://[::1]:8080', false).href).toBe('http://[::1]:8080/');
    expect(() => parseServerUrl('http://cov.example.com', false)).toThrow(/refusing plain http:\/\/ to cov.example.com/);
    expect(parseServerUrl('http://cov.example.com', true).href).toBe('http://cov.example.com/');
  });

  it('refuses credentials, queries and other schemes with a config error', () => {
    for (const bad of ['https://u:p@cov.example.com', 'https://cov.example.com/?token=cw_up_x', 'ftp://cov.example.com', 'not a url']) {
      const e = (() => {
        try {
          parseServerUrl(bad, false);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(UploadError);
      expect((e as UploadError).kind).toBe('config');
      expect((e as Error).message).not.toContain('cw_up_x');
      expect((e as Error).message).not.toContain(':p@');
    }
  });

  it('keeps a path prefix for API calls and drops the trailing slash for the OIDC audience', () => {
    const base = parseServerUrl('https://example.com/coverwatch', false);
    expect(apiUrl(base, '/api/v1/uploads').href).toBe('https://example.com/coverwatch/api/v1/uploads');
    expect(oidcAudience(base)).toBe('https://example.com/coverwatch');
    expect(oidcAudience(parseServerUrl('https://example.com/', false))).toBe('https://example.com');
  });

  it('knows loopback names', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost'].map(isLoopback)).toEqual([true, true, true, true, true]);
    expect(['10.0.0.1', 'example.com', '127.0.0.1.nip.io', 'localhost.example.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});
