import type { TokenRevokeRequest } from '@coverwatch/protocol';
import type { AuditRecorder } from '../audit/audit-log.js';
import { tokenHashPrefix } from '../audit/chain.js';
import { checkTokenFormat, hashToken, isRepoTokenKind } from './token-format.js';
import type { TokensRepository } from './tokens.repository.js';

/**
 * Revokes tokens reported as leaked, by anyone: holding a token is proof enough that it leaked
 * (GitHub's secret-scanning partner pattern). Nothing in the answer says whether a report hit a
 * real token, so the route is no oracle; each revocation is audit-logged with where it was found.
 */
export class LeakedTokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly audit: AuditRecorder,
  ) {}

  async report(request: TokenRevokeRequest, source: { ip: string; userAgent: string | null }): Promise<{ received: number }> {
    for (const item of request.tokens) {
      // The checksum filters look-alikes before any database work.
      const kind = checkTokenFormat(item.token);
      if (kind === null) continue;
      // Every kind: repository tokens in `tokens`, personal and organization upload tokens in `user_tokens`.
      const row = isRepoTokenKind(kind) ? await this.tokens.findActiveByHash(hashToken(item.token)) : await this.tokens.findActiveAccountTokenByHash(hashToken(item.token));
      if (row === null) continue;
      const revoked = isRepoTokenKind(kind) ? await this.tokens.revoke(row.id, 'reported as leaked') : await this.tokens.revokeAccountToken(row.id, 'reported as leaked');
      if (!revoked) continue;
      await this.audit.record({
        event: 'token.revoked',
        actor: { type: 'anonymous' },
        source: { ip: source.ip, ...(source.userAgent !== null ? { userAgent: source.userAgent } : {}), tokenHash: tokenHashPrefix(item.token) },
        target: { type: 'token', id: row.id },
        details: { reason: 'reported as leaked', kind: row.kind, ...(item.source !== undefined ? { reportedBy: item.source } : {}), ...(item.url !== undefined ? { foundAt: item.url } : {}) },
      });
    }
    return { received: request.tokens.length };
  }
}
