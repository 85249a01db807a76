import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { startTestServer, type TestServer } from './test-server.js';

let s: TestServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

/** A failed sign-in from the test client (socket 127.0.0.1) claiming to forward for 203.0.113.7; the IP the audit log recorded. */
async function recordedIp(server: TestServer, headers: Record<string, string>, remoteAddress = '127.0.0.1'): Promise<unknown> {
  const r = await server.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress, headers: { 'content-type': 'application/json', ...headers }, payload: { email: 'nobody@example.com', password: 'not the password at all' } });
  expect(r.statusCode).toBe(401);
  const rows = (await sql<{ record_json: string }>`select record_json from audit_log where event = 'auth.sign_in' order by seq desc limit 1`.execute(server.runtime.db)).rows;
  return (JSON.parse(rows[0]!.record_json) as { source?: { ip?: string } }).source?.ip;
}

describe('client addresses behind reverse proxies', () => {
  it('ignores X-Forwarded-For by default: any client could send one', async () => {
    s = await startTestServer();
    expect(await recordedIp(s, { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('believes X-Forwarded-For from a configured proxy, and only the hops after trusted proxies', async () => {
    s = await startTestServer({ env: { COVERWATCH_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } });
    expect(await recordedIp(s, { 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
    // The client forged the first entry; the trusted proxy 10.1.2.3 appended the real one.
    expect(await recordedIp(s, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.1.2.3' })).toBe('203.0.113.9');
    // From an address that is not a trusted proxy, the header is ignored.
    expect(await recordedIp(s, { 'x-forwarded-for': '203.0.113.7' }, '192.0.2.50')).toBe('192.0.2.50');
  });

  it('refuses entries that are not addresses or ranges, naming the variable', () => {
    const load = (v: string) => loadConfig({ env: { COVERWATCH_TRUSTED_PROXIES: v }, cwd: '/', readFile: () => '' });
    expect(load('10.0.0.0/8,fd00::/8,192.0.2.1').trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '::1/129', '10.0.0/8', '*']) expect(() => load(bad)).toThrow(/trustedProxies\.0 \(COVERWATCH_TRUSTED_PROXIES\): expected an IP address or a CIDR range/);
  });
});
