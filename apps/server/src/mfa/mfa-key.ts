import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The file a development server keeps its generated key in. */
export const DEV_KEY_FILE = 'mfa-encryption.key';

/**
 * The key TOTP secrets are encrypted with: `mfa.encryptionKey` (64 hex digits) when configured.
 * Without it (development mode only: production mode refuses to start, config/production-checks.ts)
 * a random key is generated once into `<dataDir>/mfa-encryption.key` (mode 0600) and reused, so a
 * laptop setup needs no step. That key sits beside the database and is copied with it, which is
 * why production needs one from configuration, kept apart from the database and its backups.
 * Created with `wx` (exclusive): processes starting together all end up with the first one written.
 */
export function resolveMfaKey(config: { readonly dataDir: string; readonly mfa: { readonly encryptionKey?: string | undefined } }): Buffer {
  if (config.mfa.encryptionKey !== undefined) return Buffer.from(config.mfa.encryptionKey, 'hex');
  const file = path.join(config.dataDir, DEV_KEY_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${file} does not hold 64 hex digits: restore it, or set mfa.encryptionKey`);
  return Buffer.from(text, 'hex');
}
