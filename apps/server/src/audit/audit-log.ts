import { hostname, userInfo } from 'node:os';
import type { Db } from '../db/database.js';
import { canonicalJson, isWellFormed, type JsonValue } from './canonical.js';
import { RECORD_VERSION, type AuditActor, type AuditActorType, type AuditOutcome, type AuditRecord, type AuditSource, type AuditTarget } from './chain.js';
import { AuditRepository, type StoredRecord } from './audit.repository.js';

/** What a caller records; the log adds `v`, `seq` and `time`, and makes every value safe to keep. */
export interface AuditEvent {
  /** `<area>.<what>`, lower case (docs/security.md lists the events). */
  readonly event: string;
  /** Default `success`. `denied`: refused by a security check; `failure`: attempted and failed. */
  readonly outcome?: AuditOutcome;
  readonly actor?: AuditActor;
  readonly source?: AuditSource;
  readonly target?: AuditTarget;
  /** Facts about the event: never a secret (see scrubbing below). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Anything that records audit events: the log itself, or the log bound to an actor. */
export interface AuditRecorder {
  record(event: AuditEvent): Promise<void>;
}

/** Records nothing (for code built without an audit log: some unit tests). */
export const NO_AUDIT: AuditRecorder = Object.freeze({ record: async () => undefined });

/** Who and where by default, for a recorder bound with `as`. */
export interface AuditContext {
  readonly actor: AuditActor;
  readonly source?: AuditSource;
}

const EVENT_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const ACTOR_TYPES: readonly AuditActorType[] = ['operator', 'token', 'oidc', 'user', 'anonymous', 'system'];
const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];
const MAX_STRING = 1024;
const MAX_SHORT = 256;
const MAX_ITEMS = 100;
const MAX_DEPTH = 4;
const MAX_DETAILS_CHARS = 8192;

/**
 * The audit log: appends records to the hash chain (AuditRepository holds the lock). Every string
 * is scrubbed before it is kept (a record is permanent, so a secret in one could never be removed):
 * anything shaped like a Coverwatch token, a JWT, a private key, a bearer credential or a URL
 * password is replaced, and members named like secrets (`token`, `password`, `secret`,
 * `authorization`...) are dropped to `[redacted]`. Callers pass hash prefixes (`tokenHashPrefix`),
 * never credentials: the scrubbing is the second line of defence.
 *
 * An append is its own transaction holding the chain's write lock: never call it inside another
 * transaction of the same database (on SQLite that would wait for its own connection).
 */
export class AuditLog implements AuditRecorder {
  readonly repository: AuditRepository;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repository = new AuditRepository(db);
  }

  /** Appends the event; returns the stored record with its hashes. */
  append(event: AuditEvent): Promise<StoredRecord> {
    const time = this.now().toISOString();
    return this.repository.append((seq, headTime) => toRecord(event, seq, headTime !== null && headTime > time ? headTime : time));
  }

  async record(event: AuditEvent): Promise<void> {
    await this.append(event);
  }

  /** This log, with `actor` and `source` filled in when an event has none (or the source's missing members). */
  as(context: AuditContext | (() => AuditContext)): AuditRecorder {
    return {
      record: (event) => {
        const c = typeof context === 'function' ? context() : context;
        return this.record({ ...event, actor: event.actor ?? c.actor, source: { ...c.source, ...event.source } });
      },
    };
  }
}

let operator: AuditContext | undefined;

/** A person at this machine's command line (`coverwatch-server admin`): the operating-system account and host. */
export function operatorContext(): AuditContext {
  if (operator === undefined) {
    let name: string;
    try {
      name = userInfo().username;
    } catch {
      // A container user without a passwd entry.
      name = `uid ${process.getuid?.() ?? 'unknown'}`;
    }
    operator = { actor: { type: 'operator', name }, source: { host: hostname() } };
  }
  return operator;
}

/** The record as hashed: validated, bounded and scrubbed. Throws a TypeError for a malformed event name, actor type or outcome (programming errors). */
export function toRecord(event: AuditEvent, seq: number, time: string): AuditRecord {
  if (!EVENT_NAME.test(event.event) || event.event.length > 64) throw new TypeError(`invalid audit event name ${JSON.stringify(event.event)}`);
  const outcome = event.outcome ?? 'success';
  if (!OUTCOMES.includes(outcome)) throw new TypeError(`invalid audit outcome ${JSON.stringify(outcome)}`);
  const actor = event.actor ?? { type: 'system' };
  if (!ACTOR_TYPES.includes(actor.type)) throw new TypeError(`invalid audit actor type ${JSON.stringify(actor.type)}`);
  const source = event.source ?? {};
  let details = scrubObject(event.details ?? {}, 0);
  if (canonicalJson(details).length > MAX_DETAILS_CHARS) details = { truncated: true };
  const record: AuditRecord = {
    v: RECORD_VERSION,
    seq,
    time,
    event: event.event,
    outcome,
    actor: compact({ type: actor.type, id: short(actor.id), name: short(actor.name) }) as unknown as AuditActor,
    source: compact({
      ip: short(source.ip),
      userAgent: short(source.userAgent),
      tokenHash: source.tokenHash === undefined ? undefined : /^[0-9a-f]{16,64}$/.test(source.tokenHash) ? source.tokenHash.slice(0, 16) : '[invalid]',
      credential: short(source.credential),
      host: short(source.host),
    }),
    ...(event.target === undefined ? {} : { target: compact({ type: short(event.target.type) ?? 'unknown', id: short(event.target.id), name: short(event.target.name) }) as unknown as AuditTarget }),
    details,
  };
  return record;
}

/** Members named like secrets: their values are never kept. */
const SECRET_KEY = /^(?:token|tokens|password|passwd|secret|secrets|authorization|cookie|credential|credentials|signingkey|privatekey|apikey|api_key|client_secret|databaseurl|secretaccesskey|jwt|idtoken|id_token)$/i;

/** Shapes of secrets, replaced wherever they appear in a string. */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/cw_(?:up|rd)_[0-9A-Za-z]{8,}/g, '[redacted token]'],
  [/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi, '$1***@'],
];

/** A string safe to keep: well-formed, secret shapes replaced, at most `max` characters. */
export function scrubString(s: string, max = MAX_STRING): string {
  let out = isWellFormed(s) ? s : s.replace(/[\uD800-\uDFFF]/g, '\uFFFD');
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  if (out.length > max) out = `${out.slice(0, max - 1)}…`;
  // Cutting may split a surrogate pair.
  return isWellFormed(out) ? out : out.replace(/[\uD800-\uDFFF]/g, '\uFFFD');
}

function short(s: string | undefined): string | undefined {
  return s === undefined ? undefined : scrubString(String(s), MAX_SHORT);
}

function compact<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function scrubObject(o: Readonly<Record<string, unknown>>, depth: number): { [key: string]: JsonValue } {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(o).slice(0, MAX_ITEMS)) {
    if (v === undefined) continue;
    const key = scrubString(k, 64);
    out[key] = SECRET_KEY.test(k.replace(/[-_]/g, '')) || SECRET_KEY.test(k) ? '[redacted]' : scrubValue(v, depth + 1);
  }
  return out;
}

function scrubValue(v: unknown, depth: number): JsonValue {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : String(v);
  if (typeof v === 'string') return scrubString(v);
  if (v instanceof Date) return v.toISOString();
  if (depth > MAX_DEPTH) return '[too deep]';
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x: unknown) => (x === undefined ? null : scrubValue(x, depth + 1)));
  if (typeof v === 'object') return scrubObject(v as Record<string, unknown>, depth);
  return scrubString(String(v));
}
