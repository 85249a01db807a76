import { randomBytes, scrypt as nodeScrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { normalizePassword } from './password-policy.js';

/** scrypt's cost: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * N = 2^17, r = 8, p = 1: OWASP's Password Storage Cheat Sheet recommendation for scrypt (128 MiB of
 * memory per hash, 128·N·r bytes), stronger in memory than OWASP's argon2id minimum (19 MiB, t=2).
 * scrypt comes with node:crypto, so the server's security core has no native dependency. Stored
 * with each hash, so a later, stronger default rehashes accounts as they sign in.
 */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ ln: 17, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Hashes computed at once: each takes 128 MiB, so a burst of sign-ins cannot exhaust memory. */
const MAX_CONCURRENT = 2;

/** The key derivation (node:crypto's scrypt); injected so tests can count calls or use small costs. */
export type ScryptFn = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) => Promise<Buffer>;

export const nodeScryptFn: ScryptFn = (password, salt, keyLength, options) =>
  new Promise((resolve, reject) => nodeScrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));

/**
 * Password hashes in the PHC-like form `scrypt$ln=17,r=8,p=1$<salt base64>$<hash base64>`:
 * algorithm, parameters, salt and hash together, so parameters can be raised later.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private dummy: string | undefined;

  constructor(
    readonly params: ScryptParams = DEFAULT_SCRYPT,
    private readonly kdf: ScryptFn = nodeScryptFn,
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.derive(password, salt, this.params);
    return `scrypt$ln=${this.params.ln},r=${this.params.r},p=${this.params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** Whether `password` matches `stored`; `rehash` when the stored parameters are weaker than the current ones. A malformed hash never matches. */
  async verify(password: string, stored: string): Promise<{ ok: boolean; rehash: boolean }> {
    const parsed = parseHash(stored);
    if (parsed === null) {
      // Same work as a real check, so a broken row is not told apart by timing.
      await this.verifyDummy(password);
      return { ok: false, rehash: false };
    }
    const key = await this.derive(password, parsed.salt, parsed.params);
    const ok = key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
    const p = parsed.params;
    const rehash = ok && (p.ln < this.params.ln || p.r < this.params.r || p.p < this.params.p);
    return { ok, rehash };
  }

  /** The work of one verification against a hash of nobody's password: sign-in with an unknown email costs the same (ASVS 6.3.8). */
  async verifyDummy(password: string): Promise<void> {
    this.dummy ??= `scrypt$ln=${this.params.ln},r=${this.params.r},p=${this.params.p}$${randomBytes(SALT_BYTES).toString('base64')}$${randomBytes(KEY_BYTES).toString('base64')}`;
    const parsed = parseHash(this.dummy)!;
    await this.derive(password, parsed.salt, parsed.params);
  }

  private async derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    await this.acquire();
    try {
      const N = 2 ** params.ln;
      return await this.kdf(normalizePassword(password), salt, KEY_BYTES, { N, r: params.r, p: params.p, maxmem: 256 * N * params.r });
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < MAX_CONCURRENT) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.running--;
  }
}

const HASH = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const m = HASH.exec(stored);
  if (m === null) return null;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > 22 || params.r < 1 || params.p < 1) return null;
  return { params, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}
