import type { Db } from '../db/database.js';
import type { Database } from '../db/database.schema.js';
import { isUniqueViolation } from '../db/db-errors.js';

export type TotpRow = Database['mfa_totp_factors'];
export type WebauthnRow = Database['mfa_webauthn_credentials'];

/** A confirmed factor as its owner sees it: never a secret or a key. */
export interface FactorListing {
  readonly id: string;
  readonly kind: 'totp' | 'webauthn';
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/**
 * The second-factor tables (migration 0011). Every "use" is a conditional update (a TOTP step
 * greater than the last one, a recovery code not used yet, a signature counter still at the value
 * read, a challenge still present), so two concurrent requests can never both succeed with one
 * code, recovery code, challenge or assertion.
 */
export class MfaRepository {
  constructor(private readonly db: Db) {}

  async hasFactor(userId: string): Promise<boolean> {
    const totp = await this.db.selectFrom('mfa_totp_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
    if (totp !== undefined) return true;
    return (await this.db.selectFrom('mfa_webauthn_credentials').select('id').where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }

  /** Organizations the user is an owner or admin of: those roles require a passkey (docs/security.md). */
  async managedOrgs(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('org_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .select('o.name')
      .where('m.user_id', '=', userId)
      .where('m.role', 'in', ['owner', 'admin'])
      .orderBy('o.name')
      .execute();
    return rows.map((r) => r.name);
  }

  async factors(userId: string): Promise<FactorListing[]> {
    const totp = await this.db.selectFrom('mfa_totp_factors').select(['id', 'confirmed_at', 'last_used_at']).where('user_id', '=', userId).where('confirmed_at', 'is not', null).execute();
    const keys = await this.db.selectFrom('mfa_webauthn_credentials').select(['id', 'name', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('created_at').execute();
    return [
      ...totp.map((t) => ({ id: t.id, kind: 'totp' as const, name: 'authenticator app', createdAt: t.confirmed_at!, lastUsedAt: t.last_used_at })),
      ...keys.map((k) => ({ id: k.id, kind: 'webauthn' as const, name: k.name, createdAt: k.created_at, lastUsedAt: k.last_used_at })),
    ];
  }

  /** A new unconfirmed TOTP factor; the user's earlier unconfirmed ones are dropped (one enrollment at a time). */
  async insertPendingTotp(row: { id: string; userId: string; secretCiphertext: string; createdAt: string }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('mfa_totp_factors').where('user_id', '=', row.userId).where('confirmed_at', 'is', null).execute();
      await trx
        .insertInto('mfa_totp_factors')
        .values({ id: row.id, user_id: row.userId, secret_ciphertext: row.secretCiphertext, confirmed_at: null, last_used_step: null, last_used_at: null, created_at: row.createdAt })
        .execute();
    });
  }

  async pendingTotp(userId: string, id: string): Promise<TotpRow | undefined> {
    return this.db.selectFrom('mfa_totp_factors').selectAll().where('id', '=', id).where('user_id', '=', userId).where('confirmed_at', 'is', null).executeTakeFirst();
  }

  async activeTotp(userId: string): Promise<TotpRow | undefined> {
    return this.db.selectFrom('mfa_totp_factors').selectAll().where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  }

  /**
   * Confirms a pending TOTP factor, the step of its confirming code recorded as used; an active TOTP
   * factor of the user it replaces is deleted in the same transaction. Returns the replaced id
   * (or null), or false when the enrollment was confirmed or replaced meanwhile.
   */
  async confirmTotp(userId: string, id: string, step: number, now: string): Promise<{ replaced: string | null } | false> {
    return this.db.transaction().execute(async (trx) => {
      const old = await trx.selectFrom('mfa_totp_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
      const r = await trx
        .updateTable('mfa_totp_factors')
        .set({ confirmed_at: now, last_used_step: step, last_used_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      if (old !== undefined) await trx.deleteFrom('mfa_totp_factors').where('id', '=', old.id).execute();
      return { replaced: old?.id ?? null };
    });
  }

  /** Records `step` as used unless it (or a later step) was used already: false means a replay. */
  async useTotpStep(id: string, step: number, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_totp_factors')
      .set({ last_used_step: step, last_used_at: now })
      .where('id', '=', id)
      .where('confirmed_at', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Replaces every recovery code of the user with these hashes. */
  async replaceRecoveryCodes(userId: string, hashes: readonly string[], now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('mfa_recovery_codes')
        .values(hashes.map((h) => ({ code_hash: h, user_id: userId, created_at: now, used_at: null })))
        .execute();
    });
  }

  /** Marks the user's unused code with this hash used; false when there is none (unknown, used, another user's). */
  async useRecoveryCode(userId: string, hash: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('mfa_recovery_codes').set({ used_at: now }).where('code_hash', '=', hash).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async unusedRecoveryCodes(userId: string): Promise<number> {
    const r = await this.db.selectFrom('mfa_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async webauthnCredentials(userId: string): Promise<WebauthnRow[]> {
    return this.db.selectFrom('mfa_webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  async webauthnCredential(userId: string, credentialId: string): Promise<WebauthnRow | undefined> {
    return this.db.selectFrom('mfa_webauthn_credentials').selectAll().where('user_id', '=', userId).where('credential_id', '=', credentialId).executeTakeFirst();
  }

  /** Stores a credential; false when that credential id is registered already (to anyone). */
  async insertWebauthn(row: WebauthnRow): Promise<boolean> {
    try {
      await this.db.insertInto('mfa_webauthn_credentials').values(row).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** Stores the new signature counter if the stored one is still `expected`; false when another request used the credential meanwhile. */
  async advanceCounter(id: string, expected: number, next: number, now: string): Promise<boolean> {
    const r = await this.db.updateTable('mfa_webauthn_credentials').set({ counter: next, last_used_at: now }).where('id', '=', id).where('counter', '=', expected).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Deletes one confirmed factor of the user; its kind, or null when there is none with that id. */
  async deleteFactor(userId: string, id: string): Promise<'totp' | 'webauthn' | null> {
    const t = await this.db.deleteFrom('mfa_totp_factors').where('id', '=', id).where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
    if (Number(t.numDeletedRows) === 1) return 'totp';
    const w = await this.db.deleteFrom('mfa_webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(w.numDeletedRows) === 1 ? 'webauthn' : null;
  }

  /** A new challenge for the session; the session's earlier ones for the same purpose and every expired one are dropped. */
  async storeChallenge(challenge: string, sessionId: string, purpose: 'registration' | 'authentication', now: string, expiresAt: string): Promise<void> {
    await this.db.deleteFrom('mfa_webauthn_challenges').where((eb) => eb.or([eb('expires_at', '<=', now), eb.and([eb('session_id', '=', sessionId), eb('purpose', '=', purpose)])])).execute();
    await this.db.insertInto('mfa_webauthn_challenges').values({ challenge, session_id: sessionId, purpose, expires_at: expiresAt }).execute();
  }

  /** Consumes the challenge if this session was given it for this purpose and it has not expired: true once, never again. */
  async claimChallenge(challenge: string, sessionId: string, purpose: 'registration' | 'authentication', now: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('mfa_webauthn_challenges')
      .where('challenge', '=', challenge)
      .where('session_id', '=', sessionId)
      .where('purpose', '=', purpose)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}
