import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcess, waitForListening } from './e2e-scenario.js';
import { envelope, gz, LCOV } from './test-server.js';

/**
 * Canary secrets through the real server process at trace log level: a password (and a wrong one),
 * the set-password token, upload and read tokens (also sent in a query string, as a malformed
 * header, and to the leaked-token route), a TOTP seed and its codes, recovery codes, and session
 * cookies and anti-CSRF tokens, all used the way clients use them. Every line the process wrote
 * (its whole log) and every answer except the ones that hand a secret out must contain none of them.
 */
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/dist/main.js');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const PASSWORD = 'Canary-Password-5d2e-never-in-a-log';
const WRONG_PASSWORD = 'Canary-Wrong-Password-8c1f-never-logged';
const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';

let dataDir: string;
let server: ChildProcess;
let base: string;
let output = '';
/** Answers that do not hand a secret out: none of them may carry one. */
const answers: string[] = [];
const secrets = new Set<string>([PASSWORD, WRONG_PASSWORD]);

async function admin(...args: string[]) {
  const { stdout } = await run(process.execPath, [serverMain, 'admin', ...args, '--data-dir', dataDir, '--json'], { env, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, string>;
}

/** A request; its answer is scanned unless it is one that hands a secret out (`handsOut`). */
async function call(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; raw?: Buffer; handsOut?: boolean } = {}) {
  const headers: Record<string, string> = { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  const r = await fetch(`${base}${url}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
  const text = await r.text();
  if (!options.handsOut) answers.push(text, JSON.stringify([...r.headers.entries()]));
  return { status: r.status, text, json: () => JSON.parse(text) as Record<string, unknown>, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]! };
}

beforeAll(async () => {
  if (!existsSync(serverMain)) throw new Error(`${serverMain} is missing: run npm run build (npm test does)`);
  dataDir = mkdtempSync(path.join(tmpdir(), 'cw-canary-'));
  server = spawn(process.execPath, [serverMain, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...env, COVERWATCH_LOG_LEVEL: 'trace', COVERWATCH_WORKER_POLL_INTERVAL_MS: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  base = await waitForListening(server, (text) => (output += text));
}, 30_000);

afterAll(async () => {
  await stopProcess(server);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('canary secrets through the real server at trace level', () => {
  it('no password, token, TOTP seed or code, recovery code or session secret in any log line or answer', async () => {
    await admin('create-org', 'acme');
    await admin('create-repo', 'acme/widgets');
    const upload = (await admin('create-upload-token', 'acme/widgets')).token!;
    const read = (await admin('create-read-token', 'acme/widgets')).token!;
    const leaked = (await admin('create-read-token', 'acme/widgets')).token!;
    const user = await admin('create-user', 'canary@example.test');
    for (const s of [upload, read, leaked, user.setPasswordToken!]) secrets.add(s);

    expect((await call('POST', '/api/v1/auth/set-password', { body: { token: user.setPasswordToken, password: PASSWORD } })).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/sign-in', { body: { email: 'canary@example.test', password: WRONG_PASSWORD } })).status).toBe(401);
    const signedIn = await call('POST', '/api/v1/auth/sign-in', { body: { email: 'canary@example.test', password: PASSWORD }, handsOut: true });
    expect(signedIn.status).toBe(200);
    let cookie = signedIn.cookie;
    let csrf = signedIn.json().csrfToken as string;
    secrets.add(cookie.split('=')[1]!).add(csrf);
    const same = () => ({ cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': csrf });

    const enroll = await call('POST', '/api/v1/me/mfa/totp/enroll', { headers: same(), handsOut: true });
    const seed = enroll.json().secret as string;
    secrets.add(seed).add(String(enroll.json().uri));
    const code = TOTP.generate({ secret: Secret.fromBase32(seed) });
    secrets.add(code);
    const confirmed = await call('POST', '/api/v1/me/mfa/totp/confirm', { headers: same(), body: { factorId: enroll.json().factorId, code }, handsOut: true });
    expect(confirmed.status, confirmed.text).toBe(200);
    const recovery = confirmed.json().recoveryCodes as string[];
    for (const rc of recovery) secrets.add(rc);
    cookie = confirmed.cookie;
    csrf = confirmed.json().csrfToken as string;
    secrets.add(cookie.split('=')[1]!).add(csrf);
    // /api/v1/me hands the session's anti-CSRF token out by design.
    expect((await call('GET', '/api/v1/me', { headers: { cookie }, handsOut: true })).status).toBe(200);

    // A second sign-in verified with a recovery code; a wrong code first.
    const again = await call('POST', '/api/v1/auth/sign-in', { body: { email: 'canary@example.test', password: PASSWORD }, handsOut: true });
    const pending = { cookie: again.cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': again.json().csrfToken as string };
    secrets.add(again.cookie.split('=')[1]!).add(pending['x-coverwatch-csrf']);
    expect((await call('POST', '/api/v1/auth/mfa/verify', { headers: pending, body: { method: 'totp', code: '000000' } })).status).toBe(401);
    const verified = await call('POST', '/api/v1/auth/mfa/verify', { headers: pending, body: { method: 'recovery_code', code: recovery[0] }, handsOut: true });
    expect(verified.status, verified.text).toBe(200);
    secrets.add(verified.cookie.split('=')[1]!);

    // Tokens: an upload, reads, a token in a query string, a malformed one, a leaked one reported.
    const up = await call('POST', '/api/v1/uploads', { headers: { authorization: `Bearer ${upload}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, raw: gz(envelope(LCOV, { commit: { sha: SHA, branch: 'main' } })) });
    expect(up.status, up.text).toBe(202);
    for (let i = 0; i < 200; i++) {
      const st = await call('GET', `/api/v1/uploads/${up.json().id as string}`, { headers: { authorization: `Bearer ${upload}` } });
      if (st.json().state === 'processed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await call('GET', `/api/v1/repos/acme/widgets/commits/${SHA}/totals`, { headers: { authorization: `Bearer ${read}` } })).status).toBe(200);
    expect((await call('GET', `/api/v1/repos/acme/widgets?token=${read}`)).status).toBe(400);
    expect((await call('GET', `/api/v1/repos/acme/widgets?access_token=${read}`, { headers: { authorization: `Bearer ${read}` } })).status).toBe(400);
    // (A different last character: a token that already ended in the one put there stayed valid, 1 run in 62.)
    const badChecksum = read.slice(0, -1) + (read.endsWith('x') ? 'y' : 'x');
    expect((await call('GET', '/api/v1/repos/acme/widgets', { headers: { authorization: `Bearer ${badChecksum}` } })).status).toBe(401);
    expect((await call('POST', '/api/v1/tokens/revoke', { body: { tokens: [{ token: leaked }] } })).status).toBe(202);
    expect((await call('GET', '/api/v1/repos/acme/widgets', { headers: { authorization: `Bearer ${leaked}` } })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/sign-out', { headers: same() })).status).toBe(200);

    // Stop the server so every buffered line is written, then look.
    await stopProcess(server);
    expect(output).toContain('"level":20'); // debug lines were written (trace level lets every line through)
    expect(output.split('\n').filter((l) => l.includes('"reqId"')).length).toBeGreaterThan(20); // requests were logged
    const leaks = [...secrets].filter((s) => s.length >= 6 && (output.includes(s) || answers.some((a) => a.includes(s))));
    expect(leaks.map((s) => `${s.slice(0, 4)}… (${output.includes(s) ? 'log' : 'answer'})`)).toEqual([]);
    // Distinctive parts of tokens too (a log that cut the prefix off would still leak the secret).
    for (const t of [upload, read, leaked]) expect(output.includes(t.slice(6, 30)), 'a token body in the log').toBe(false);
  }, 120_000);
});
