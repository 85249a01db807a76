import { createHash } from 'node:crypto';
import { canonicalBytes, type JsonValue } from './canonical.js';

/**
 * The hash chain. Record `n` (sequence numbers start at 1 and have no gaps) carries
 *
 *     hash(n) = SHA-256( prev(n) || canonical(record n) )
 *
 * where `prev(n)` is the 32 raw bytes of hash(n-1) (32 zero bytes for record 1), `||` is
 * concatenation and canonical() is the UTF-8 canonical JSON of the record (canonical.ts). Hashes are
 * written as 64 lower-case hex digits. The record's own fields include `seq` and `time`, so changing,
 * removing, inserting or reordering a record changes every hash after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the record format (the `v` member): a verifier refuses versions it does not know. */
export const RECORD_VERSION = 1;

export const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Who acted. `operator`: a person at the server's command line; `token`/`oidc`: an API credential; `user`: an account (later). */
export type AuditActorType = 'operator' | 'token' | 'oidc' | 'user' | 'anonymous' | 'system';

export interface AuditActor {
  readonly type: AuditActorType;
  /** A stable id (token id, user id), when there is one. */
  readonly id?: string;
  /** A human name (the operating-system account of an operator, a user name). */
  readonly name?: string;
}

/** Where the action came from. Never a secret: a token appears only as a hash prefix. */
export interface AuditSource {
  /** Peer address as the server saw it (no proxy headers are trusted). */
  readonly ip?: string;
  readonly userAgent?: string;
  /** First 16 hex digits of the SHA-256 of the credential presented (tokens.token_hash starts with it). */
  readonly tokenHash?: string;
  /** What was presented: `upload-token`, `read-token`, `oidc-id-token`, `malformed`, `none`. */
  readonly credential?: string;
  /** Machine of a command-line action. */
  readonly host?: string;
}

export interface AuditTarget {
  readonly type: string;
  readonly id?: string;
  readonly name?: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** One record, exactly as hashed (the members are the canonical JSON object). */
export interface AuditRecord {
  readonly v: number;
  readonly seq: number;
  /** ISO-8601 UTC with milliseconds; never earlier than the previous record's. */
  readonly time: string;
  /** `<area>.<what>` in lower case, e.g. `token.created`, `upload.auth_rejected` (docs/security.md lists them). */
  readonly event: string;
  readonly outcome: AuditOutcome;
  readonly actor: AuditActor;
  readonly source: AuditSource;
  readonly target?: AuditTarget;
  readonly details: { readonly [key: string]: JsonValue };
}

/** hash(n) from hash(n-1) and the record: see the comment at the top. */
export function chainHash(prevHash: string, record: AuditRecord | Readonly<Record<string, unknown>>): string {
  if (!HASH_PATTERN.test(prevHash)) throw new TypeError('the previous hash must be 64 lower-case hex digits');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalBytes(record)).digest('hex');
}

/** Lower-case hex SHA-256 of a credential, cut to the 16 digits records keep (64 bits: enough to find the token, useless to guess it). */
export function tokenHashPrefix(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('hex').slice(0, 16);
}
