import type { AuditRecord } from '../audit/chain.js';
import type { Db } from '../db/database.js';

/** Who an alert concerns besides the operator: an organization (its owners and admins see it) and an account (that user sees it). */
export interface AlertScope {
  readonly orgId: string | null;
  readonly userId: string | null;
}

/**
 * The scope of an alert from the audit record that raised it: the account is the record's user
 * (its target, else its actor); the organization is the one the record names (`details.orgId`), or
 * the one of the repository or token it is about. Looked up when the alert is raised, so a later
 * change of ownership does not move old alerts.
 */
export async function scopeOf(db: Db, r: AuditRecord): Promise<AlertScope> {
  let userId = r.target?.type === 'user' && r.target.id !== undefined ? r.target.id : r.actor.type === 'user' ? (r.actor.id ?? null) : null;
  const orgId = typeof r.details['orgId'] === 'string' ? r.details['orgId'] : await orgOfSubject(db, r);
  // A personal token acts as its user: alerts about it are theirs too.
  const tokenId = r.target?.type === 'token' ? r.target.id : r.actor.type === 'token' ? r.actor.id : undefined;
  if (userId === null && tokenId !== undefined) userId = (await db.selectFrom('user_tokens').select('user_id').where('id', '=', tokenId).executeTakeFirst())?.user_id ?? null;
  return { orgId, userId };
}

async function orgOfSubject(db: Db, r: AuditRecord): Promise<string | null> {
  const repoId = r.target?.type === 'repository' ? r.target.id : typeof r.details['repositoryId'] === 'string' ? r.details['repositoryId'] : undefined;
  if (repoId !== undefined) {
    const row = await db.selectFrom('repositories').select('org_id').where('id', '=', repoId).executeTakeFirst();
    if (row !== undefined) return row.org_id;
  }
  const tokenId = r.target?.type === 'token' ? r.target.id : r.actor.type === 'token' ? r.actor.id : undefined;
  if (tokenId !== undefined) {
    const row = await db.selectFrom('tokens as t').innerJoin('repositories as p', 'p.id', 't.repository_id').select('p.org_id').where('t.id', '=', tokenId).executeTakeFirst();
    if (row !== undefined) return row.org_id;
    // An organization upload token (or a personal token scoped to an organization).
    const own = await db.selectFrom('user_tokens').select('org_id').where('id', '=', tokenId).executeTakeFirst();
    if (own?.org_id) return own.org_id;
  }
  return null;
}
