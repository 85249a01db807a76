import type { Kysely } from 'kysely';

/**
 * Second factors (docs/security.md#multi-factor-authentication): TOTP factors (secret encrypted with
 * AES-256-GCM, never stored in clear; the last accepted time step, so a code works once), WebAuthn
 * credentials (public key, signature counter, transports), single-use WebAuthn challenges bound to a
 * session, and recovery codes (SHA-256 only). Sessions gain `mfa_verified_at`: when the session last
 * passed a second factor (step-up checks it). Portable types, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('mfa_verified_at', 'text').execute();
  await db.schema
    .createTable('mfa_totp_factors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    /** `v1.<keyId>.<iv>.<ciphertext+tag>` (mfa/secret-box.ts); the row's id and user are the AAD. */
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    /** Null until confirmed with a code: an unconfirmed enrollment is no factor. */
    .addColumn('confirmed_at', 'text')
    /** The highest time step (Unix time / 30 s) a code was accepted for: that step and older ones are refused. */
    .addColumn('last_used_step', 'bigint')
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_totp_factors_user').on('mfa_totp_factors').column('user_id').execute();
  await db.schema
    .createTable('mfa_webauthn_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    /** base64url, as the browser reports it. */
    .addColumn('credential_id', 'text', (c) => c.notNull().unique())
    /** COSE public key, base64url. */
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    /** JSON list of transports (usb, nfc, ble, internal, hybrid...). */
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_webauthn_credentials_user').on('mfa_webauthn_credentials').column('user_id').execute();
  await db.schema
    .createTable('mfa_webauthn_challenges')
    .addColumn('challenge', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    /** `registration` or `authentication`. */
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_webauthn_challenges_session').on('mfa_webauthn_challenges').column('session_id').execute();
  await db.schema
    .createTable('mfa_recovery_codes')
    /** SHA-256 of the normalised code (16 base32 characters: 80 random bits). */
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('mfa_recovery_codes_user').on('mfa_recovery_codes').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mfa_recovery_codes').execute();
  await db.schema.dropTable('mfa_webauthn_challenges').execute();
  await db.schema.dropTable('mfa_webauthn_credentials').execute();
  await db.schema.dropTable('mfa_totp_factors').execute();
  await db.schema.alterTable('sessions').dropColumn('mfa_verified_at').execute();
}
