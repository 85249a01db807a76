import type { AuditRecord } from '../../audit/chain.js';
import { detail, MINUTE, type AlertRule } from '../alert.js';
import { networkOf } from '../network.js';

export const TOKEN_NEW_CONTEXT_EVENT = 'token.used_from_new_context';

/**
 * A token used from another IP, user agent or CI provider than its last use. The baseline is the
 * token's first use (tokens/token-use-tracker.ts writes the event only from the second context on).
 */
export const tokenNewContext: AlertRule = {
  id: 'token_new_context',
  events: [TOKEN_NEW_CONTEXT_EVENT],
  evaluate(r) {
    const tokenId = r.target?.id ?? r.actor.id;
    if (tokenId === undefined) return [];
    return [
      {
        rule: this.id,
        severity: 'medium',
        title: `token ${tokenId} used from a new place (${r.source.ip ?? 'unknown IP'}${detail(r, 'ciProvider') ? `, ${detail(r, 'ciProvider')}` : ''})`,
        key: `${this.id}:${r.seq}`,
        details: { tokenId, ip: r.source.ip ?? null, userAgent: r.source.userAgent ?? null, ciProvider: detail(r, 'ciProvider') ?? null },
      },
    ];
  },
};

/** Records that show a token in use, with the address it came from. */
const USE_EVENTS = [TOKEN_NEW_CONTEXT_EVENT, 'token.used', 'upload.received'];

/**
 * A token created from one network and used from another within `tokenCreatedUseWindowMinutes`:
 * the sign of a token copied as it was shown. Needs `token.created` with a source IP (tokens made
 * over the web; the command line has none) and a use recorded with one.
 */
export const tokenCreatedThenUsedElsewhere: AlertRule = {
  id: 'token_created_used_elsewhere',
  events: USE_EVENTS,
  history: { events: ['token.created'], lookbackMs: (t) => t.tokenCreatedUseWindowMinutes * MINUTE },
  evaluate(r, ctx) {
    const tokenId = r.actor.type === 'token' ? r.actor.id : undefined;
    const usedNet = r.source.ip === undefined ? null : networkOf(r.source.ip);
    if (tokenId === undefined || usedNet === null) return [];
    const created: AuditRecord | undefined = ctx
      .window(r, ['token.created'], ctx.thresholds.tokenCreatedUseWindowMinutes * MINUTE)
      .find((c) => c.target?.id === tokenId && c.source.ip !== undefined);
    const createdNet = created?.source.ip === undefined ? null : networkOf(created.source.ip);
    if (created === undefined || createdNet === null || createdNet === usedNet) return [];
    const minutes = Math.max(0, Math.round((Date.parse(r.time) - Date.parse(created.time)) / MINUTE));
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `token ${tokenId} used from ${r.source.ip} (${usedNet}) ${minutes} minutes after it was created from ${created.source.ip} (${createdNet})`,
        // Once per token.
        key: `${this.id}:${tokenId}`,
        details: { tokenId, createdFrom: created.source.ip ?? null, createdSeq: created.seq, usedFrom: r.source.ip ?? null, minutes },
      },
    ];
  },
};
