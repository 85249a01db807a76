import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface RepositoryLink {
  readonly id: string;
  readonly repositoryId: string;
  readonly issuer: string;
  readonly externalRepositoryId: string;
  readonly externalOwnerId: string;
}

/** The `repository_links` table: CI repositories (by numeric ids) bound to our repositories. */
export class RepositoryLinksRepository {
  constructor(private readonly db: Db) {}

  async findByExternalId(issuer: string, externalRepositoryId: string): Promise<RepositoryLink | null> {
    const r = await this.db
      .selectFrom('repository_links')
      .select(['id', 'repository_id', 'issuer', 'external_repository_id', 'external_owner_id'])
      .where('issuer', '=', issuer)
      .where('external_repository_id', '=', externalRepositoryId)
      .executeTakeFirst();
    return r === undefined ? null : toLink(r);
  }

  async insert(link: Omit<RepositoryLink, 'id'>): Promise<RepositoryLink> {
    const now = isoNow();
    const row = {
      id: randomUUID(),
      repository_id: link.repositoryId,
      issuer: link.issuer,
      external_repository_id: link.externalRepositoryId,
      external_owner_id: link.externalOwnerId,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('repository_links').values(row).execute();
    return toLink(row);
  }

  async updateOwner(id: string, externalOwnerId: string): Promise<void> {
    await this.db.updateTable('repository_links').set({ external_owner_id: externalOwnerId, updated_at: isoNow() }).where('id', '=', id).execute();
  }
}

function toLink(r: { id: string; repository_id: string; issuer: string; external_repository_id: string; external_owner_id: string }): RepositoryLink {
  return { id: r.id, repositoryId: r.repository_id, issuer: r.issuer, externalRepositoryId: r.external_repository_id, externalOwnerId: r.external_owner_id };
}
