import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** The `organizations` table. */
export class OrgsRepository {
  constructor(private readonly db: Db) {}

  async findByName(name: string): Promise<OrgRow | null> {
    const r = await this.db.selectFrom('organizations').select(['id', 'name', 'created_at']).where('name', '=', name).executeTakeFirst();
    return r === undefined ? null : { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async insert(name: string): Promise<OrgRow> {
    const row = { id: randomUUID(), name, created_at: isoNow() };
    await this.db.insertInto('organizations').values(row).execute();
    return { id: row.id, name, createdAt: row.created_at };
  }
}
