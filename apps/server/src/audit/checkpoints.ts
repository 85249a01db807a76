import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { AppError } from '../errors/app-error.js';
import { canonicalBytes, canonicalJson } from './canonical.js';
import { chainHash, GENESIS_HASH, HASH_PATTERN } from './chain.js';
import type { AuditRepository, StoredCheckpoint } from './audit.repository.js';

/**
 * Signed checkpoints: the chain head (sequence number + hash) and the time, signed with Ed25519.
 * The signed bytes are the canonical JSON (canonical.ts) of
 *
 *     {"hash":"<64 hex>","keyId":"<16 hex>","seq":<n>,"time":"<ISO-8601 UTC>","type":"coverwatch.audit.checkpoint","v":1}
 *
 * and the signature is written in base64. `keyId` is the first 16 hex digits of the SHA-256 of the
 * public key (SubjectPublicKeyInfo DER): it says which key to check with, the key itself must come
 * from the verifier (`audit verify --public-key`). A checkpoint line, in exports, in the checkpoint
 * file and in webhook bodies alike, is `{"type":"audit.checkpoint","checkpoint":{...},"signature":"..."}`.
 */
export const CHECKPOINT_TYPE = 'coverwatch.audit.checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointPayload {
  readonly type: typeof CHECKPOINT_TYPE;
  readonly v: number;
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly keyId: string;
}

export interface SignedCheckpoint {
  readonly checkpoint: CheckpointPayload;
  readonly signature: string;
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

export interface VerifyingKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

/** PEM as configured: a variable may hold `\n` escapes instead of newlines. */
function pemText(text: string): string {
  return text.includes('\n') ? text : text.replace(/\\n/g, '\n');
}

/**
 * The Ed25519 private key of `audit.signingKey` (PEM, PKCS#8: `openssl genpkey -algorithm ed25519`).
 * Throws an Error that never repeats the key.
 */
export function parseSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pemText(pem), format: 'pem' });
  } catch {
    throw new Error('expected an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? 'another kind of'} key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** For the configuration schema: whether `pem` is an Ed25519 private key. */
export function isEd25519PrivateKey(pem: string): boolean {
  try {
    parseSigningKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** A public key to verify with (`--public-key`): SPKI PEM (a private key PEM is accepted too; its public half is used). */
export function parseVerifyingKey(pem: string): VerifyingKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pemText(pem), format: 'pem' });
  } catch {
    throw new Error('expected an Ed25519 public key in PEM (openssl pkey -in audit-signing.pem -pubout, or coverwatch-server audit public-key)');
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 public key, got ${publicKey.asymmetricKeyType ?? 'another kind of'} key`);
  return { publicKey, keyId: keyIdOf(publicKey) };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function publicKeyPem(key: { publicKey: KeyObject }): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function signCheckpoint(head: { seq: number; hash: string }, key: SigningKey, time: string): SignedCheckpoint {
  const checkpoint: CheckpointPayload = { type: CHECKPOINT_TYPE, v: CHECKPOINT_VERSION, seq: head.seq, hash: head.hash, time, keyId: key.keyId };
  return { checkpoint, signature: sign(null, canonicalBytes(checkpoint), key.privateKey).toString('base64') };
}

/** `ok`, or why the checkpoint cannot be trusted with these keys. Never throws on malformed input. */
export function checkCheckpoint(value: unknown, keys: readonly VerifyingKey[]): { ok: true; checkpoint: SignedCheckpoint } | { ok: false; reason: string } {
  const shape = checkpointShape(value);
  if (typeof shape === 'string') return { ok: false, reason: shape };
  const key = keys.find((k) => k.keyId === shape.checkpoint.keyId) ?? null;
  const signature = Buffer.from(shape.signature, 'base64');
  // Every key is tried: a checkpoint naming another key id is still refused unless a given key verifies it.
  const verified = (key === null ? keys : [key]).some((k) => {
    try {
      return verify(null, canonicalBytes(shape.checkpoint), k.publicKey, signature);
    } catch {
      return false;
    }
  });
  if (verified) return { ok: true, checkpoint: shape };
  return {
    ok: false,
    reason:
      key === null
        ? `signed with key ${shape.checkpoint.keyId}, which is not among the given public keys (${keys.map((k) => k.keyId).join(', ') || 'none'}), and no given key verifies it`
        : `the signature does not verify with public key ${key.keyId}: the checkpoint was altered or signed with another key`,
  };
}

/** The checkpoint's members when it is well-formed, else what is wrong. */
export function checkpointShape(value: unknown): SignedCheckpoint | string {
  if (value === null || typeof value !== 'object') return 'not a checkpoint object';
  const { checkpoint, signature } = value as { checkpoint?: unknown; signature?: unknown };
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) return 'the signature is missing or not a base64 Ed25519 signature';
  if (checkpoint === null || typeof checkpoint !== 'object') return 'the checkpoint payload is missing';
  const c = checkpoint as Record<string, unknown>;
  const keys = Object.keys(c).sort().join(',');
  if (keys !== 'hash,keyId,seq,time,type,v') return `unexpected checkpoint members (${keys})`;
  if (c.type !== CHECKPOINT_TYPE || c.v !== CHECKPOINT_VERSION) return `not a version ${CHECKPOINT_VERSION} ${CHECKPOINT_TYPE}`;
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) return 'the checkpoint seq is not a positive integer';
  if (typeof c.hash !== 'string' || !HASH_PATTERN.test(c.hash)) return 'the checkpoint hash is not 64 lower-case hex digits';
  if (typeof c.time !== 'string' || !ISO_TIME.test(c.time)) return 'the checkpoint time is not ISO-8601 UTC';
  if (typeof c.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(c.keyId)) return 'the checkpoint keyId is not 16 hex digits';
  return { checkpoint: c as unknown as CheckpointPayload, signature };
}

export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The JSON line of a checkpoint (exports, the checkpoint file and webhook bodies). */
export function checkpointLine(c: SignedCheckpoint): string {
  return JSON.stringify({ type: 'audit.checkpoint', checkpoint: c.checkpoint, signature: c.signature });
}

export function fromStored(c: StoredCheckpoint): SignedCheckpoint {
  return { checkpoint: JSON.parse(c.json) as CheckpointPayload, signature: c.signature };
}

export interface CheckpointOptions {
  /** Absolute path of a file the checkpoints are appended to (JSON Lines). */
  readonly checkpointFile?: string | undefined;
  /** Where checkpoints are POSTed (JSON). A secret when it carries a token: never logged, only its host. */
  readonly webhookUrl?: string | undefined;
  readonly webhookTimeoutMs: number;
}

export interface CheckpointDeps {
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
  readonly appendFile?: (file: string, data: string) => Promise<void>;
}

export interface TickResult {
  /** The latest checkpoint (null: the log is empty). */
  readonly checkpoint: SignedCheckpoint | null;
  /** Whether this call signed it. */
  readonly created: boolean;
  /** Sinks that received it during this call. */
  readonly delivered: readonly string[];
  /** Sinks that failed (retried at the next call); messages never carry the webhook URL. */
  readonly failed: readonly { readonly sink: string; readonly error: string }[];
}

const PAGE = 1000;

/**
 * Writes checkpoints and pushes them outside the database. Each `tick` (every
 * `audit.checkpointIntervalMinutes`, in workers): if the head moved since the latest checkpoint,
 * checks that the records since then still chain from it (a server never signs a head that does
 * not extend its own last checkpoint), signs the head and stores the checkpoint; then sends the
 * latest checkpoint to each sink that has not received it from this process yet (file: appended
 * as one JSON line; webhook: POST). A failed sink is retried at the next tick with the then latest
 * checkpoint, which covers everything the missed one did.
 */
export class AuditCheckpoints {
  private readonly delivered = new Map<string, number>();
  private readonly now: () => Date;
  private readonly fetch: typeof fetch;
  private readonly append: (file: string, data: string) => Promise<void>;

  constructor(
    private readonly repo: AuditRepository,
    private readonly key: SigningKey,
    private readonly options: CheckpointOptions,
    deps: CheckpointDeps = {},
  ) {
    this.now = deps.now ?? (() => new Date());
    this.fetch = deps.fetch ?? fetch;
    this.append = deps.appendFile ?? ((file, data) => appendFile(file, data, { encoding: 'utf8', mode: 0o644 }));
  }

  get keyId(): string {
    return this.key.keyId;
  }

  /** The latest checkpoint, signing a new one first when the head moved. Throws when the chain does not extend the last checkpoint. */
  async checkpoint(): Promise<{ checkpoint: SignedCheckpoint | null; created: boolean }> {
    const head = await this.repo.head();
    const last = await this.repo.latestCheckpoint();
    if (head.seq === 0 || (last !== null && last.seq >= head.seq)) return { checkpoint: last === null ? null : fromStored(last), created: false };
    await this.checkChainSince(last, head.seq, head.hash);
    const time = this.now().toISOString();
    const signed = signCheckpoint(head, this.key, time);
    const created = await this.repo.insertCheckpoint({ seq: head.seq, time, hash: head.hash, keyId: this.key.keyId, json: canonicalJson(signed.checkpoint), signature: signed.signature });
    if (created) return { checkpoint: signed, created: true };
    // Another process signed this head first: use its checkpoint.
    const theirs = await this.repo.latestCheckpoint();
    return { checkpoint: theirs === null ? signed : fromStored(theirs), created: false };
  }

  /** `checkpoint`, then delivery of the latest checkpoint to every sink still missing it. */
  async tick(): Promise<TickResult> {
    const { checkpoint, created } = await this.checkpoint();
    const delivered: string[] = [];
    const failed: { sink: string; error: string }[] = [];
    if (checkpoint !== null) {
      for (const sink of this.sinks()) {
        if (this.delivered.get(sink.name) === checkpoint.checkpoint.seq) continue;
        try {
          await sink.send(checkpointLine(checkpoint));
          this.delivered.set(sink.name, checkpoint.checkpoint.seq);
          delivered.push(sink.name);
        } catch (e) {
          failed.push({ sink: sink.name, error: (e as Error).message });
        }
      }
    }
    return { checkpoint, created, delivered, failed };
  }

  private sinks(): { name: string; send(line: string): Promise<void> }[] {
    const sinks: { name: string; send(line: string): Promise<void> }[] = [];
    const file = this.options.checkpointFile;
    if (file !== undefined) {
      const name = `file ${file}`;
      sinks.push({
        name,
        send: (line) =>
          this.append(file, `${line}\n`).catch((e: unknown) => {
            throw new Error(`${name}: cannot append (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
          }),
      });
    }
    const url = this.options.webhookUrl;
    if (url !== undefined) {
      const name = `webhook ${safeHost(url)}`;
      sinks.push({
        name,
        send: async (line) => {
          let status: number;
          try {
            const r = await this.fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'user-agent': 'coverwatch-server audit checkpoint' },
              body: line,
              redirect: 'error',
              signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
            });
            status = r.status;
            await r.body?.cancel().catch(() => undefined);
          } catch (e) {
            // fetch errors can name the URL: only the kind of failure is kept.
            const err = e as { name?: string; cause?: { code?: string; errors?: { code?: string }[] } };
            const code = err.cause?.code ?? err.cause?.errors?.find((x) => x.code !== undefined)?.code ?? err.name ?? 'error';
            throw new Error(`${name}: ${err.name === 'TimeoutError' ? `no answer within ${this.options.webhookTimeoutMs} ms` : `request failed (${code})`}`);
          }
          if (status < 200 || status > 299) throw new Error(`${name}: answered HTTP ${status}`);
        },
      });
    }
    return sinks;
  }

  /**
   * Records `(last.seq, headSeq]` must chain from the last checkpoint's hash (or from the genesis
   * hash without one) and end at the head's hash; the last checkpoint itself must carry our
   * signature when it names our key.
   */
  private async checkChainSince(last: StoredCheckpoint | null, headSeq: number, headHash: string): Promise<void> {
    let prev = GENESIS_HASH;
    let seq = 0;
    if (last !== null) {
      if (last.keyId === this.key.keyId) {
        const check = checkCheckpoint(fromStored(last), [this.key]);
        if (!check.ok) throw new AppError('CW_ERR_AUDIT_CHAIN_BROKEN', `the stored audit checkpoint at seq ${last.seq} is not valid (${check.reason}); no checkpoint signed`);
      }
      const stored = await this.repo.hashAt(last.seq);
      if (stored !== last.hash) throw new AppError('CW_ERR_AUDIT_CHAIN_BROKEN', `audit record ${last.seq} no longer has the hash its checkpoint signed; no checkpoint signed (run coverwatch-server audit export | audit verify)`);
      prev = last.hash;
      seq = last.seq;
    }
    while (seq < headSeq) {
      const page = await this.repo.list(seq, headSeq, PAGE);
      if (page.length === 0) break;
      for (const r of page) {
        if (r.record.seq !== seq + 1 || r.prevHash !== prev || chainHash(prev, r.record) !== r.hash) {
          throw new AppError('CW_ERR_AUDIT_CHAIN_BROKEN', `the audit chain is broken at seq ${seq + 1}; no checkpoint signed (run coverwatch-server audit export | audit verify)`);
        }
        prev = r.hash;
        seq = r.record.seq;
      }
    }
    if (seq !== headSeq || prev !== headHash) throw new AppError('CW_ERR_AUDIT_CHAIN_BROKEN', `the audit chain is broken before its head (seq ${headSeq}); no checkpoint signed`);
  }
}

/** The host of a URL for messages (the path and query may carry a token). */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
