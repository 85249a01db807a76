import type { AuditRecorder } from '../audit/audit-log.js';
import type { LastUse, TokensRepository, TokenTable, UseContext } from './tokens.repository.js';

/**
 * Records each token use (owners see the last one: time, IP, user agent, CI provider) and writes
 * an audit event when a token shows up from a new context: a leaked token used from elsewhere is
 * the first thing an owner, and the anomaly rules, look for.
 */
export function tokenUseTracker(tokens: TokensRepository, audit: AuditRecorder) {
  return async (tokenId: string, ctx: UseContext, lastUse?: LastUse, table: TokenTable = 'tokens'): Promise<void> => {
    const { newContext } = await tokens.recordUse(tokenId, ctx, new Date(), lastUse, table);
    if (!newContext) return;
    await audit.record({
      event: 'token.used_from_new_context',
      actor: { type: 'token', id: tokenId },
      source: { ...(ctx.ip !== null ? { ip: ctx.ip } : {}), ...(ctx.userAgent !== null ? { userAgent: ctx.userAgent } : {}) },
      target: { type: 'token', id: tokenId },
      details: { ...(ctx.ciProvider ? { ciProvider: ctx.ciProvider } : {}) },
    });
  };
}
