import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../audit/chain.js';
import { ConfigSchema } from '../config/config.schema.js';
import type { AlertDraft, AlertRule, AlertThresholds } from './alert.js';
import { networkOf } from './network.js';
import { accountSecurityWeakened, privilegeGranted } from './rules/accounts.js';
import { ALERT_RULES } from './rules/index.js';
import { mfaFailuresPerAccount, signInFailuresPerAccount, signInFailuresPerIp } from './rules/sign-in-failures.js';
import { tokenCreatedThenUsedElsewhere, tokenNewContext } from './rules/token-context.js';
import { forkUploadProtectedBranch, uploadVolumeSpike, uploadWithoutCi } from './rules/uploads.js';

/**
 * Each rule over a recorded event sequence (synthetic records in the audit log's format), run the
 * way the evaluator runs it: every record in order, the window over the records before it.
 */
const DEFAULTS: AlertThresholds = ConfigSchema.parse({}).alerts.thresholds;
const T0 = Date.parse('2025-06-01T10:00:00.000Z');

type Ev = Partial<Omit<AuditRecord, 'seq' | 'time' | 'v'>> & { event: string; at: number };

/** Records from a script: `at` is minutes after T0. */
function recorded(events: readonly Ev[]): AuditRecord[] {
  return events.map(({ at, ...e }, i) => ({ v: 1, seq: i + 1, time: new Date(T0 + at * 60_000).toISOString(), outcome: 'success', actor: { type: 'anonymous' }, source: {}, details: {}, ...e }) as AuditRecord);
}

function run(rules: readonly AlertRule[], records: readonly AuditRecord[], thresholds: AlertThresholds = DEFAULTS): (AlertDraft & { seq: number })[] {
  const out: (AlertDraft & { seq: number })[] = [];
  for (const r of records) {
    for (const rule of rules) {
      if (!rule.events.includes(r.event)) continue;
      const ctx = {
        thresholds,
        window: (rec: AuditRecord, events: readonly string[], ms: number) => records.filter((h) => h.seq <= rec.seq && Date.parse(h.time) >= Date.parse(rec.time) - ms && events.includes(h.event)),
      };
      out.push(...rule.evaluate(r, ctx).map((d) => ({ ...d, seq: r.seq })));
    }
  }
  return out;
}

const signIn = (at: number, account: string, ip: string, outcome: 'success' | 'failure' = 'failure'): Ev => ({ event: 'auth.sign_in', at, outcome, target: { type: 'user', id: account }, source: { ip } });

describe('repeated failed sign-ins', () => {
  it('for one account: once at the threshold within the window, again for a later burst', () => {
    const seq = recorded([
      ...[0, 1, 2, 3].map((m) => signIn(m, 'u1', '198.51.100.7')),
      signIn(4, 'u2', '198.51.100.7', 'success'),
      signIn(5, 'u1', '203.0.113.9'), // the fifth failure, from another address: still the same account
      signIn(6, 'u1', '198.51.100.7'), // the sixth: no second alert
      // An hour later, a new burst.
      ...[60, 61, 62, 63, 64].map((m) => signIn(m, 'u1', '198.51.100.7')),
    ]);
    const alerts = run([signInFailuresPerAccount], seq);
    expect(alerts.map((a) => a.seq)).toEqual([6, 12]);
    expect(alerts[0]).toMatchObject({ rule: 'sign_in_failures_account', severity: 'high', details: { account: 'u1', failures: 5, windowMinutes: 15 } });
  });

  it('does not count failures spread wider than the window, nor successes', () => {
    const seq = recorded([0, 10, 20, 30, 40, 50, 60].map((m) => signIn(m, 'u1', '198.51.100.7')));
    expect(run([signInFailuresPerAccount], seq)).toEqual([]);
    expect(run([signInFailuresPerAccount], recorded([0, 1, 2, 3, 4].map((m) => signIn(m, 'u1', '198.51.100.7', 'success'))))).toEqual([]);
  });

  it('failed second factors for one account: once at the threshold within the window; successes and other accounts do not count', () => {
    const mfa = (at: number, user: string, outcome: 'success' | 'failure' = 'failure'): Ev => ({ event: 'auth.mfa_verify', at, outcome, actor: { type: 'user', id: user }, target: { type: 'user', id: user, name: `${user}@example.test` }, source: { ip: '198.51.100.7' }, details: { method: 'totp' } });
    const seq = recorded([mfa(0, 'u1'), mfa(1, 'u1'), mfa(1, 'u2'), mfa(2, 'u1', 'success'), mfa(3, 'u1'), mfa(4, 'u1'), mfa(5, 'u1'), mfa(6, 'u1'), mfa(40, 'u1')]);
    const alerts = run([mfaFailuresPerAccount], seq);
    expect(alerts.map((a) => a.seq)).toEqual([7]);
    expect(alerts[0]).toMatchObject({ rule: 'mfa_failures_account', severity: 'high', title: expect.stringContaining('u1@example.test'), details: { account: 'u1', failures: 5 } });
    expect(run([mfaFailuresPerAccount], recorded([0, 20, 40, 60, 80].map((m) => mfa(m, 'u1'))))).toEqual([]);
  });

  it('accounts without an id (unknown user names) are keyed by the name typed', () => {
    const seq = recorded([0, 1, 2, 3, 4].map((m) => ({ event: 'auth.sign_in', at: m, outcome: 'failure' as const, source: { ip: '198.51.100.7' }, details: { username: 'admin' } })));
    expect(run([signInFailuresPerAccount], seq)[0]!.details).toMatchObject({ account: 'admin' });
  });

  it('from one IP across accounts (spraying): at the fifth distinct account', () => {
    const seq = recorded([
      signIn(0, 'a', '192.0.2.1'),
      signIn(0, 'a', '192.0.2.1'),
      signIn(1, 'b', '192.0.2.1'),
      signIn(1, 'c', '192.0.2.1'),
      signIn(2, 'x', '192.0.2.99'), // another address
      signIn(2, 'd', '192.0.2.1'),
      signIn(3, 'd', '192.0.2.1'),
      signIn(3, 'e', '192.0.2.1'), // fifth distinct account from .1
      signIn(4, 'f', '192.0.2.1'),
    ]);
    const alerts = run([signInFailuresPerIp], seq);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ seq: 8, details: { ip: '192.0.2.1', accounts: 5, failures: 7 } });
    expect(run([signInFailuresPerIp], seq, { ...DEFAULTS, signInFailuresPerIp: 3 }).map((a) => a.seq)).toEqual([4]);
  });
});

describe('tokens', () => {
  it('a use from a new IP, user agent or CI provider (after the first use, the baseline)', () => {
    const seq = recorded([
      { event: 'token.created', at: 0, target: { type: 'token', id: 't1' } },
      { event: 'token.used_from_new_context', at: 90, actor: { type: 'token', id: 't1' }, target: { type: 'token', id: 't1' }, source: { ip: '203.0.113.5', userAgent: 'curl/8' }, details: {} },
    ]);
    const alerts = run([tokenNewContext], seq);
    expect(alerts).toEqual([expect.objectContaining({ rule: 'token_new_context', severity: 'medium', key: 'token_new_context:2', details: { tokenId: 't1', ip: '203.0.113.5', userAgent: 'curl/8', ciProvider: null } })]);
  });

  it('created from one network, used from another within the window: once per token', () => {
    const created = (at: number, id: string, ip: string): Ev => ({ event: 'token.created', at, actor: { type: 'user', id: 'u1' }, source: { ip }, target: { type: 'token', id } });
    const used = (at: number, id: string, ip: string): Ev => ({ event: 'token.used_from_new_context', at, actor: { type: 'token', id }, source: { ip }, target: { type: 'token', id } });
    const seq = recorded([
      created(0, 't1', '198.51.100.20'),
      used(2, 't1', '198.51.100.77'), // same /24: fine
      used(5, 't1', '203.0.113.4'), // another network 5 minutes later
      used(6, 't1', '192.0.2.8'), // once per token
      created(0, 't2', '2001:db8:1:2::10'),
      used(3, 't2', '2001:db8:1:2:ffff::1'), // same /64
      used(45, 't2', '2001:db8:9::1'), // another /64, but 45 minutes later: outside the 30 minute window
      created(50, 't3', '198.51.100.20'),
      { event: 'upload.received', at: 51, actor: { type: 'token', id: 't3' }, source: { ip: '203.0.113.4' }, target: { type: 'repository', id: 'r' } },
      { event: 'token.created', at: 60, target: { type: 'token', id: 't4' }, source: { host: 'ops-box' } }, // from the command line: no IP, nothing to compare
      used(61, 't4', '203.0.113.4'),
    ]);
    const alerts = run([tokenCreatedThenUsedElsewhere], seq);
    expect(alerts.map((a) => [a.seq, a.key])).toEqual([
      [3, 'token_created_used_elsewhere:t1'],
      [4, 'token_created_used_elsewhere:t1'], // the same key: the store keeps one
      [9, 'token_created_used_elsewhere:t3'],
    ]);
    expect(alerts[0]!.details).toMatchObject({ tokenId: 't1', createdFrom: '198.51.100.20', usedFrom: '203.0.113.4', minutes: 5 });
  });

  it('networks: IPv4 /24, IPv6 /64, IPv4-mapped as IPv4', () => {
    expect(networkOf('198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('::ffff:198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:1:2::10')).toBe(networkOf('2001:0db8:0001:0002:ffff::1'));
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('not an ip')).toBeNull();
  });
});

describe('uploads', () => {
  const upload = (at: number, token: string | null, ci: string | null, repo = 'r1'): Ev => ({
    event: 'upload.received',
    at,
    actor: token === null ? { type: 'oidc', name: 'https://token.actions.githubusercontent.com' } : { type: 'token', id: token },
    target: { type: 'repository', id: repo, name: `acme/${repo}` },
    details: { uploadId: `u${at}`, repository: `acme/${repo}`, ciProvider: ci },
  });

  it('an upload token used without CI metadata: once per token a day; OIDC uploads are not looked at', () => {
    const seq = recorded([upload(0, 't1', 'github-actions'), upload(1, 't1', null), upload(2, 't1', null), upload(3, 't2', null), upload(4, null, null), upload(60 * 25, 't1', null)]);
    const alerts = run([uploadWithoutCi], seq);
    expect(alerts.map((a) => [a.seq, a.details['tokenId']])).toEqual([
      [2, 't1'],
      [4, 't2'],
      [6, 't1'],
    ]);
    expect(alerts[0]!.details).toMatchObject({ repository: 'acme/r1', uploadId: 'u1' });
  });

  it('an upload from a fork (or a pull_request_target job) naming a protected branch: once a day per repository and head repository', () => {
    const u = (at: number, details: Record<string, unknown>, repo = 'r1'): Ev => ({
      event: 'upload.received',
      at,
      actor: { type: 'token', id: 't1' },
      target: { type: 'repository', id: repo },
      details: { uploadId: `u${at}`, repository: `acme/${repo}`, ciProvider: 'travis-ci', commit: 'c'.repeat(40), ...details },
    });
    const fork = { fork: true, headRepository: 'contributor/widgets', claimedBranch: 'main', branch: 'contributor:main' };
    const seq = recorded([
      u(0, { ...fork, protectedBranch: true }), // alert
      u(1, { ...fork, protectedBranch: true }), // another shard of the same build: no second alert
      u(2, { ...fork, headRepository: 'mallory/widgets', branch: 'mallory:main', protectedBranch: true }), // another fork: alert
      u(3, { ...fork, claimedBranch: 'patch-1', branch: 'contributor:patch-1', protectedBranch: false }), // a fork's own branch: fine
      u(4, { fork: false, headRepository: 'acme/widgets', branch: 'main' }), // a PR from this repository
      u(5, { branch: 'main' }), // a push
      u(6, { oidcEvent: 'pull_request_target', branch: 'main', protectedBranch: true }, 'r2'), // alert: fork code with the base's ID token
      u(7, { oidcEvent: 'push', branch: 'main', protectedBranch: true }, 'r2'), // no evidence of a fork
      u(60 * 25, { ...fork, protectedBranch: true }), // the next day: again
    ]);
    const alerts = run([forkUploadProtectedBranch], seq);
    expect(alerts.map((a) => a.seq)).toEqual([1, 3, 7, 9]);
    expect(alerts[0]).toMatchObject({
      rule: 'fork_upload_protected_branch',
      severity: 'high',
      details: { repository: 'acme/r1', claimedBranch: 'main', recordedBranch: 'contributor:main', headRepository: 'contributor/widgets', uploadId: 'u0', tokenId: 't1' },
    });
    expect(alerts[0]!.title).toBe('upload from the fork contributor/widgets named protected branch main of acme/r1');
    expect(alerts[2]!.title).toBe('upload from a pull_request_target job named protected branch main of acme/r2');
  });

  it('a volume spike: the hour against the trailing baseline', () => {
    // A day of 4 uploads an hour, then 30 in ten minutes: the threshold is max(30, 5 × 4) = 30.
    const baseline = Array.from({ length: 24 * 4 }, (_, i) => upload(i * 15, 't1', 'github-actions'));
    const burst = Array.from({ length: 40 }, (_, i) => upload(24 * 60 + 1 + i / 4, 't1', 'github-actions'));
    const other = Array.from({ length: 40 }, (_, i) => upload(24 * 60 + 1 + i / 4, 't9', 'github-actions', 'r2')); // no baseline, but at least 30: one alert
    const seq = recorded([...baseline, ...burst, ...other]);
    const alerts = run([uploadVolumeSpike], seq);
    expect(alerts.map((a) => a.details['repository'])).toEqual(['acme/r1', 'acme/r2']);
    expect(alerts[0]!.details).toMatchObject({ uploadsLastHour: 30, threshold: 30 });
    // A busier baseline raises the bar: 10 an hour → 50; 10 + 30 in the hour stays below.
    const busy = Array.from({ length: 24 * 10 }, (_, i) => upload(i * 6, 't1', 'github-actions'));
    const seq2 = recorded([...busy, ...Array.from({ length: 30 }, (_, i) => upload(24 * 60 + 1 + i / 10, 't1', 'github-actions'))]);
    expect(run([uploadVolumeSpike], seq2)).toEqual([]);
    expect(run([uploadVolumeSpike], recorded(baseline))).toEqual([]);
  });
});

describe('accounts', () => {
  it('a new owner or administrator', () => {
    const seq = recorded([
      { event: 'org.member_added', at: 0, actor: { type: 'user', id: 'u1', name: 'alice' }, target: { type: 'user', id: 'u2', name: 'mallory' }, details: { org: 'acme', role: 'member' } },
      { event: 'org.member_role_changed', at: 1, actor: { type: 'user', id: 'u1', name: 'alice' }, target: { type: 'user', id: 'u2', name: 'mallory' }, details: { org: 'acme', role: 'member', newRole: 'owner' } },
      { event: 'account.admin_granted', at: 2, actor: { type: 'operator', name: 'root' }, target: { type: 'user', id: 'u3', name: 'bob' } },
      { event: 'account.created', at: 3, actor: { type: 'operator', name: 'root' }, target: { type: 'user', id: 'u4' }, details: { admin: false } },
      { event: 'org.member_role_changed', at: 4, outcome: 'denied', target: { type: 'user', id: 'u2' }, details: { newRole: 'admin' } },
    ]);
    const alerts = run([privilegeGranted], seq);
    expect(alerts.map((a) => a.seq)).toEqual([2, 3]);
    expect(alerts[0]!.title).toBe('mallory became owner of acme (org.member_role_changed, by user alice)');
    expect(alerts[1]!.details).toMatchObject({ role: 'admin', account: 'u3' });
  });

  it('MFA removed, recovery codes regenerated', () => {
    const seq = recorded([
      { event: 'account.mfa_removed', at: 0, actor: { type: 'user', id: 'u1', name: 'alice' }, source: { ip: '203.0.113.9' }, target: { type: 'user', id: 'u1', name: 'alice' } },
      { event: 'account.recovery_codes_regenerated', at: 1, actor: { type: 'user', id: 'u1' }, target: { type: 'user', id: 'u1' } },
      { event: 'account.mfa_removed', at: 2, outcome: 'failure', actor: { type: 'user', id: 'u1' } },
    ]);
    const alerts = run([accountSecurityWeakened], seq);
    expect(alerts.map((a) => [a.seq, a.severity])).toEqual([
      [1, 'high'],
      [2, 'medium'],
    ]);
    expect(alerts[0]!.title).toBe('alice: two-factor authentication removed (by user alice from 203.0.113.9)');
  });
});

it('every rule has a unique id and a row in docs/security.md', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
  expect(new Set(ALERT_RULES.map((r) => r.id)).size).toBe(ALERT_RULES.length);
  for (const r of ALERT_RULES) expect(doc, r.id).toContain(`\`${r.id}\``);
});
