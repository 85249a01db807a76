import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';
import { isUniqueViolation } from '../db/db-errors.js';

export interface TokenUse {
  readonly issuer: string;
  readonly jti: string;
  readonly repositoryId: string;
  /** ISO time after which the token fails verification anyway (exp + leeway). */
  readonly expiresAt: string;
  readonly idempotencyKey: string | null;
}

/** `first`: never seen; `retry`: seen, with the same Idempotency-Key; `replay`: seen otherwise. */
export type UseVerdict = 'first' | 'retry' | 'replay';

/** Expired rows are deleted at most this often per process (a delete by an indexed range). */
const PRUNE_EVERY_MS = 60_000;

/**
 * The `oidc_token_uses` table: the jti of every ID token presented, per issuer, until the token
 * expires. The primary key (issuer, jti) makes "first use" atomic across processes.
 */
export class OidcTokenUsesRepository {
  private lastPrune = 0;

  constructor(private readonly db: Db) {}

  /** Records the use; a token seen before is a replay unless it repeats the first use's Idempotency-Key. */
  async claim(use: TokenUse): Promise<UseVerdict> {
    await this.pruneOccasionally();
    try {
      await this.db
        .insertInto('oidc_token_uses')
        .values({
          issuer: use.issuer,
          jti: use.jti,
          repository_id: use.repositoryId,
          expires_at: use.expiresAt,
          idempotency_key: use.idempotencyKey,
          upload_id: null,
          created_at: isoNow(),
        })
        .execute();
      return 'first';
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    const earlier = await this.find(use.issuer, use.jti);
    // A retry must also be for the same repository: the token binds it, but the row is the witness.
    const sameRequest = earlier !== null && earlier.idempotencyKey !== null && earlier.idempotencyKey === use.idempotencyKey && earlier.repositoryId === use.repositoryId;
    return sameRequest ? 'retry' : 'replay';
  }

  async find(issuer: string, jti: string): Promise<{ repositoryId: string; idempotencyKey: string | null; uploadId: string | null; expiresAt: string } | null> {
    const r = await this.db
      .selectFrom('oidc_token_uses')
      .select(['repository_id', 'idempotency_key', 'upload_id', 'expires_at'])
      .where('issuer', '=', issuer)
      .where('jti', '=', jti)
      .executeTakeFirst();
    return r === undefined ? null : { repositoryId: r.repository_id, idempotencyKey: r.idempotency_key, uploadId: r.upload_id, expiresAt: r.expires_at };
  }

  /** Remembers the upload the token made (once: a retry that returns the first upload changes nothing). */
  async attachUpload(issuer: string, jti: string, uploadId: string, executor: Db = this.db): Promise<void> {
    await executor.updateTable('oidc_token_uses').set({ upload_id: uploadId }).where('issuer', '=', issuer).where('jti', '=', jti).where('upload_id', 'is', null).execute();
  }

  /** Deletes rows of tokens that expired before `now`; returns how many. */
  async prune(now: string = isoNow()): Promise<number> {
    const r = await this.db.deleteFrom('oidc_token_uses').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  private async pruneOccasionally(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.prune();
  }
}
