import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts TOTP secrets at rest with AES-256-GCM. Unlike a password, a TOTP secret cannot be stored
 * as a hash: the server must compute codes from it. Encrypted with a key kept outside the database,
 * a copy of the database (a backup, a read-only SQL injection, a leaked dump) does not give anyone
 * the codes of every user. Each value is bound to its row through the additional authenticated data
 * (table, row id, user id): a ciphertext moved to another user's row does not decrypt.
 *
 * Stored form: `v1.<keyId>.<iv>.<ciphertext||tag>` (base64url); `keyId` is the first 8 hex digits of
 * SHA-256 of the key, so a value encrypted under another key is reported as such, not as tampering.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.keyId, iv.toString('base64url'), ct.toString('base64url')].join('.');
  }

  /** The plaintext; throws when the value was sealed under another key, for another row, or changed. */
  open(sealed: string, aad: string): string {
    const [version, keyId, iv, ct] = sealed.split('.');
    if (version !== VERSION || iv === undefined || ct === undefined) throw new Error('not a sealed value');
    if (keyId !== this.keyId) throw new Error(`sealed under another key (${keyId}; this key is ${this.keyId}): is mfa.encryptionKey the one the secrets were stored with?`);
    const body = Buffer.from(ct, 'base64url');
    if (body.length < TAG_BYTES) throw new Error('sealed value too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
