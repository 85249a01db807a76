import { randomUUID } from 'node:crypto';
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, storageBackends } from '../../test/pg-test-schema.js';
import { migrateToLatest, type Db } from '../db/database.js';
import { migrationProvider } from '../db/migrations/index.js';
import { MfaRepository } from './mfa.repository.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

const BACKENDS = storageBackends(schemas, 'MFA storage (migration 0011, single-use codes, challenges, counters) on PostgreSQL');

const T = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-01T00:10:00.000Z';

describe.each(BACKENDS)('MFA storage on $backend', ({ open }) => {
  async function withUser() {
    const { db } = await open();
    dbs.push(db);
    await migrateToLatest(db);
    const userId = randomUUID();
    await db.insertInto('users').values({ id: userId, email: 'u@example.test', email_key: 'u@example.test', password_hash: null, password_changed_at: null, created_at: T }).execute();
    return { db, repo: new MfaRepository(db), userId };
  }

  it('migration 0011 applies on a database holding 0009 data: existing sessions get mfa_verified_at null', async () => {
    const { db, schema } = await open();
    dbs.push(db);
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    expect((await migrator.migrateTo('0009-alerts')).error).toBeUndefined();
    await db.insertInto('users').values({ id: 'u', email: 'a@b.c', email_key: 'a@b.c', password_hash: null, password_changed_at: null, created_at: T }).execute();
    await db
      .insertInto('sessions')
      .values({ id: 's', token_hash: 'h', user_id: 'u', mfa_state: 'pending', created_at: T, last_seen_at: T, absolute_expires_at: LATER, ended_at: null, ended_reason: null, ip: null, user_agent: null } as never)
      .execute();
    expect(await migrateToLatest(db)).toContain('0011-mfa');
    expect(await db.selectFrom('sessions').select(['id', 'mfa_verified_at']).execute()).toEqual([{ id: 's', mfa_verified_at: null }]);
  });

  it('a TOTP step is used once, also by concurrent requests; later steps work; an unconfirmed factor is no factor', async () => {
    const { repo, userId } = await withUser();
    const id = randomUUID();
    await repo.insertPendingTotp({ id, userId, secretCiphertext: 'v1.x.y.z', createdAt: T });
    expect(await repo.hasFactor(userId)).toBe(false);
    expect(await repo.useTotpStep(id, 100, T)).toBe(false);
    expect(await repo.confirmTotp(userId, id, 100, T)).toEqual({ replaced: null });
    expect(await repo.confirmTotp(userId, id, 100, T)).toBe(false);
    expect(await repo.hasFactor(userId)).toBe(true);
    const race = await Promise.all(Array.from({ length: 8 }, () => repo.useTotpStep(id, 101, T)));
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await repo.useTotpStep(id, 100, T)).toBe(false);
    expect(await repo.useTotpStep(id, 102, T)).toBe(true);
    // A second enrollment replaces the first when confirmed.
    const next = randomUUID();
    await repo.insertPendingTotp({ id: next, userId, secretCiphertext: 'v1.x.y.z', createdAt: T });
    expect(await repo.confirmTotp(userId, next, 200, T)).toEqual({ replaced: id });
    expect((await repo.factors(userId)).map((f) => f.id)).toEqual([next]);
  });

  it('recovery codes: each hash used once, concurrently too; replacing drops the old ones', async () => {
    const { repo, userId } = await withUser();
    await repo.replaceRecoveryCodes(userId, ['a'.repeat(64), 'b'.repeat(64)], T);
    const race = await Promise.all(Array.from({ length: 8 }, () => repo.useRecoveryCode(userId, 'a'.repeat(64), T)));
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await repo.unusedRecoveryCodes(userId)).toBe(1);
    expect(await repo.useRecoveryCode('someone-else', 'b'.repeat(64), T)).toBe(false);
    await repo.replaceRecoveryCodes(userId, ['c'.repeat(64)], T);
    expect(await repo.useRecoveryCode(userId, 'b'.repeat(64), T)).toBe(false);
    expect(await repo.unusedRecoveryCodes(userId)).toBe(1);
  });

  it('WebAuthn: a challenge is claimed once, by its session and purpose, before it expires; counters advance by compare-and-set; credential ids are unique', async () => {
    const { repo, userId } = await withUser();
    await repo.storeChallenge('c1', 's1', 'authentication', T, LATER);
    expect(await repo.claimChallenge('c1', 's2', 'authentication', T)).toBe(false);
    expect(await repo.claimChallenge('c1', 's1', 'registration', T)).toBe(false);
    const race = await Promise.all(Array.from({ length: 8 }, () => repo.claimChallenge('c1', 's1', 'authentication', T)));
    expect(race.filter(Boolean)).toHaveLength(1);
    await repo.storeChallenge('c2', 's1', 'authentication', T, LATER);
    expect(await repo.claimChallenge('c2', 's1', 'authentication', LATER)).toBe(false);
    // A newer challenge of the same session and purpose replaces the older one.
    await repo.storeChallenge('c3', 's1', 'registration', T, LATER);
    await repo.storeChallenge('c4', 's1', 'registration', T, LATER);
    expect(await repo.claimChallenge('c3', 's1', 'registration', T)).toBe(false);
    expect(await repo.claimChallenge('c4', 's1', 'registration', T)).toBe(true);
    const row = { id: randomUUID(), user_id: userId, credential_id: 'cred', public_key: 'pk', counter: 3, transports: '[]', name: 'key', last_used_at: null, created_at: T };
    expect(await repo.insertWebauthn(row)).toBe(true);
    expect(await repo.insertWebauthn({ ...row, id: randomUUID() })).toBe(false);
    const counters = await Promise.all(Array.from({ length: 8 }, () => repo.advanceCounter(row.id, 3, 4, T)));
    expect(counters.filter(Boolean)).toHaveLength(1);
    expect((await repo.webauthnCredential(userId, 'cred'))!.counter).toBe(4);
    expect(await repo.deleteFactor(userId, row.id)).toBe('webauthn');
    expect(await repo.hasFactor(userId)).toBe(false);
  });
});
