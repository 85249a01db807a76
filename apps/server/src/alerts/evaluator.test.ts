import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEvent } from '../audit/audit-log.js';
import { ConfigSchema } from '../config/config.schema.js';
import { openMigratedDatabase, type Db } from '../db/database.js';
import { createAlerting } from './alerting.js';
import { retryDelayMs } from './delivery/delivery.js';
import { verifyWebhook } from './delivery/webhook.js';

/** The evaluator and delivery on a real (SQLite) database: cursor, exactly-once alerts, audit, webhooks, email. */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
let clock = Date.parse('2025-06-01T10:00:00.000Z');
const now = () => new Date(clock);

async function freshDb(): Promise<Db> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-alerts-'));
  dirs.push(dir);
  return (await openMigratedDatabase({ dataDir: dir })).db;
}

const failedSignIn = (account: string, ip = '198.51.100.7'): AuditEvent => ({ event: 'auth.sign_in', outcome: 'failure', actor: { type: 'anonymous' }, source: { ip }, target: { type: 'user', id: account } });

function alertsConfig(extra: Record<string, unknown> = {}) {
  return ConfigSchema.parse({ alerts: extra }).alerts;
}

beforeEach(() => {
  clock = Date.parse('2025-06-01T10:00:00.000Z');
});

describe('evaluation', () => {
  it('starts after the records that existed before alerts (migration), raises once at the threshold, audit-logs alert.raised', async () => {
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const alerting = createAlerting(alertsConfig(), db, audit, { now });
    // Recorded before the cursor moves past them on the first tick: counted.
    for (let i = 0; i < 4; i++) await audit.record(failedSignIn('u1'));
    expect((await alerting.evaluator.tick()).raised).toEqual([]);
    await audit.record(failedSignIn('u1'));
    await audit.record(failedSignIn('u1'));
    const r = await alerting.evaluator.tick();
    expect(r.raised.map((a) => [a.rule, a.triggerSeq])).toEqual([['sign_in_failures_account', 5]]);
    // Nothing new: nothing raised, and alert.raised itself raises nothing.
    expect((await alerting.evaluator.tick()).raised).toEqual([]);
    const listed = await alerting.repository.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ rule: 'sign_in_failures_account', severity: 'high', details: { account: 'u1', failures: 5 } });
    const raised = (await audit.repository.list(0, 1000, 1000)).map((s) => s.record).filter((x) => x.event === 'alert.raised');
    expect(raised).toEqual([expect.objectContaining({ actor: { type: 'system' }, target: { type: 'alert', id: listed[0]!.id }, details: expect.objectContaining({ rule: 'sign_in_failures_account', triggerSeq: 5 }) })]);
    await db.destroy();
  });

  it('events recorded before the migration raise nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cw-alerts-'));
    dirs.push(dir);
    const { db } = await openMigratedDatabase({ dataDir: dir });
    // Simulate a log that predates 0009: records, then the cursor set to the head as the migration does.
    const audit = new AuditLog(db, now);
    for (let i = 0; i < 5; i++) await audit.record(failedSignIn('u1'));
    await db.updateTable('alert_cursor').set({ seq: 5 }).execute();
    const alerting = createAlerting(alertsConfig(), db, audit, { now });
    expect((await alerting.evaluator.tick()).evaluated).toBe(0);
    await db.destroy();
  });

  it('two workers evaluating at once never raise the same alert twice (compare-and-set on the cursor)', async () => {
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const a = createAlerting(alertsConfig(), db, audit, { now });
    const b = createAlerting(alertsConfig(), db, audit, { now });
    let raised = 0;
    let lost = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5; i++) await audit.record(failedSignIn(`u${round}`, `198.51.100.${round}`));
      // Both read the same cursor and records before either commits; only one commit moves the cursor.
      const results = await Promise.all([a.evaluator.tick(), b.evaluator.tick()]);
      raised += results.reduce((n, r) => n + r.raised.length, 0);
      lost += results.filter((r) => r.lost).length;
    }
    expect(raised).toBe(10);
    expect(lost).toBeGreaterThan(0);
    expect(await a.repository.list()).toHaveLength(10);
    const events = (await audit.repository.list(0, 10_000, 10_000)).map((s) => s.record.event);
    expect(events.filter((e) => e === 'alert.raised')).toHaveLength(10);
  });

  it('a stale cursor stores nothing; an alert key stored already is skipped', async () => {
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const { repository } = createAlerting(alertsConfig(), db, audit, { now });
    const draft = { rule: 'r', severity: 'low' as const, title: 't', key: 'k1', details: {}, triggerSeq: 1, eventTime: now().toISOString(), scope: { orgId: null, userId: null } };
    expect(await repository.commit(0, 1, [draft], [], now())).toHaveLength(1);
    expect(await repository.commit(0, 2, [draft], [], now())).toBeNull();
    expect(await repository.commit(1, 2, [draft, { ...draft, key: 'k2' }], [], now())).toMatchObject([{ dedupeKey: 'k2' }]);
    expect(await repository.cursor()).toBe(2);
  });
});

describe('delivery', () => {
  async function receiver(statuses: number[]): Promise<{ server: Server; url: string; got: { headers: IncomingMessage['headers']; body: string }[] }> {
    const got: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.statusCode = statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/cw?key=abc`, got };
  }

  it('webhooks: signed over timestamp.body, retried with back-off after a failure, never logging the URL or secret', async () => {
    const hook = await receiver([500]);
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const alerting = createAlerting(alertsConfig({ webhook: { url: hook.url, secret: SECRET } }), db, audit, { now });
    const logs: unknown[] = [];
    const delivery = alerting.delivery({ warn: (...a: unknown[]) => logs.push(a), error: (...a: unknown[]) => logs.push(a) } as never);
    for (let i = 0; i < 5; i++) await audit.record(failedSignIn('u1'));
    const [alert] = (await alerting.evaluator.tick()).raised;
    expect(await delivery.tick()).toEqual({ delivered: 0, failed: 1 });
    // Not due before the back-off.
    expect(await delivery.tick()).toEqual({ delivered: 0, failed: 0 });
    clock += retryDelayMs(1);
    expect(await delivery.tick()).toEqual({ delivered: 1, failed: 0 });
    expect(await delivery.tick()).toEqual({ delivered: 0, failed: 0 });
    expect(hook.got).toHaveLength(2);
    const { headers, body } = hook.got[1]!;
    const ts = Number(headers['coverwatch-timestamp']);
    expect(ts).toBe(Math.floor(clock / 1000));
    expect(verifyWebhook(SECRET, { timestamp: String(ts), signature: headers['coverwatch-signature'] as string }, body, ts)).toBe(true);
    // Replays outside the tolerance, other bodies and other secrets fail.
    expect(verifyWebhook(SECRET, { timestamp: String(ts), signature: headers['coverwatch-signature'] as string }, body, ts + 301)).toBe(false);
    expect(verifyWebhook(SECRET, { timestamp: String(ts), signature: headers['coverwatch-signature'] as string }, body.replace('high', 'low'), ts)).toBe(false);
    expect(verifyWebhook('x'.repeat(32), { timestamp: String(ts), signature: headers['coverwatch-signature'] as string }, body, ts)).toBe(false);
    expect(JSON.parse(body)).toMatchObject({ type: 'coverwatch.alert', alert: { id: alert!.id, rule: 'sign_in_failures_account', severity: 'high' } });
    expect(await alerting.repository.deliveriesOf(alert!.id)).toEqual([{ channel: 'webhook', target: 'webhook:0', state: 'delivered', attempts: 2, lastError: null }]);
    const logged = JSON.stringify(logs);
    expect(logged).toContain('HTTP 500');
    expect(logged).not.toContain('key=abc');
    expect(logged).not.toContain(SECRET);
    hook.server.close();
  });

  it('an unreachable webhook does not hold up evaluation, and is given up after the last attempt', async () => {
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const alerting = createAlerting(alertsConfig({ webhook: { url: 'http://127.0.0.1:9/unreachable', secret: SECRET } }), db, audit, { now });
    const delivery = alerting.delivery({ warn: () => undefined, error: () => undefined } as never);
    for (let i = 0; i < 5; i++) await audit.record(failedSignIn('u1'));
    expect((await alerting.evaluator.tick()).raised).toHaveLength(1);
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(await delivery.tick()).toEqual({ delivered: 0, failed: 1 });
      clock += retryDelayMs(attempt);
    }
    const [alert] = await alerting.repository.list();
    expect(await alerting.repository.deliveriesOf(alert!.id)).toEqual([{ channel: 'webhook', target: 'webhook:0', state: 'failed', attempts: 10, lastError: expect.stringMatching(/^webhook 127\.0\.0\.1:9: /) }]);
    expect(await delivery.tick()).toEqual({ delivered: 0, failed: 0 });
  });

  it('email over SMTP (a local server), with the password never logged', async () => {
    const mails: { from: string; to: string[]; data: string; user?: string }[] = [];
    const smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === 'cw' && auth.password === 'smtp-pass-123') cb(null, { user: 'cw' });
        else cb(new Error('bad credentials'));
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user as string });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    const db = await freshDb();
    const audit = new AuditLog(db, now);
    const base = { host: '127.0.0.1', port, secure: false, from: 'coverwatch@example.com', to: 'sec@example.com, ops@example.com' };
    const alerting = createAlerting(alertsConfig({ smtp: { ...base, user: 'cw', password: 'smtp-pass-123' } }), db, audit, { now });
    const delivery = alerting.delivery({ warn: () => undefined, error: () => undefined } as never);
    await audit.record({ event: 'account.mfa_removed', actor: { type: 'user', id: 'u1', name: 'alice' }, target: { type: 'user', id: 'u1', name: 'alice' }, source: { ip: '203.0.113.9' } });
    expect((await alerting.evaluator.tick()).raised).toHaveLength(1);
    expect(await delivery.tick()).toEqual({ delivered: 1, failed: 0 });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: 'coverwatch@example.com', to: ['sec@example.com', 'ops@example.com'], user: 'cw' });
    expect(mails[0]!.data).toContain('Subject: [Coverwatch high] alice: two-factor authentication removed');
    alerting.close();

    // Wrong password: the attempt fails with a message free of the password, retried later.
    const logs: unknown[] = [];
    const wrong = createAlerting(alertsConfig({ smtp: { ...base, user: 'cw', password: 'wrong-pass-456' } }), db, audit, { now });
    await audit.record({ event: 'account.recovery_codes_regenerated', actor: { type: 'user', id: 'u1' }, target: { type: 'user', id: 'u1' } });
    expect((await wrong.evaluator.tick()).raised).toHaveLength(1);
    expect(await wrong.delivery({ warn: (...a: unknown[]) => logs.push(a), error: () => undefined } as never).tick()).toEqual({ delivered: 0, failed: 1 });
    expect(JSON.stringify(logs)).toContain('smtp 127.0.0.1: EAUTH');
    expect(JSON.stringify(logs)).not.toContain('wrong-pass-456');
    wrong.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });
});

describe('configuration', () => {
  it('a webhook needs its secret (at least 32 characters); email needs a sender and recipients', () => {
    expect(ConfigSchema.safeParse({ alerts: { webhook: { url: 'https://hooks.example.com/x' } } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ alerts: { webhook: { url: 'https://hooks.example.com/x', secret: 'short' } } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ alerts: { webhook: { url: 'http://hooks.example.com/x', secret: SECRET } } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ alerts: { webhook: { url: 'https://hooks.example.com/x', secret: SECRET } } }).success).toBe(true);
    expect(ConfigSchema.safeParse({ alerts: { smtp: { host: 'smtp.example.com' } } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ alerts: { smtp: { host: 'smtp.example.com', from: 'a@example.com', to: 'b@example.com,c@example.com' } } }).success).toBe(true);
    expect(ConfigSchema.parse({}).alerts).toMatchObject({ enabled: true, evaluationIntervalSeconds: 15, thresholds: { signInFailuresPerAccount: 5, signInFailuresPerIp: 5, signInWindowMinutes: 15 } });
  });
});
