import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';
import type { TokenKind } from './token-format.js';

export interface TokenRow {
  readonly id: string;
  readonly kind: TokenKind;
  readonly tokenHash: string;
  readonly repositoryId: string;
}

/** The `tokens` table: hashes only, never a token. */
export class TokensRepository {
  constructor(private readonly db: Db) {}

  async insert(kind: TokenKind, tokenHash: string, repositoryId: string): Promise<string> {
    const id = randomUUID();
    await this.db.insertInto('tokens').values({ id, kind, token_hash: tokenHash, repository_id: repositoryId, created_at: isoNow(), revoked_at: null }).execute();
    return id;
  }

  /** The live (not revoked) token with this hash. */
  async findActiveByHash(tokenHash: string): Promise<TokenRow | null> {
    const r = await this.db
      .selectFrom('tokens')
      .select(['id', 'kind', 'token_hash', 'repository_id'])
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r === undefined ? null : { id: r.id, kind: r.kind, tokenHash: r.token_hash, repositoryId: r.repository_id };
  }
}
