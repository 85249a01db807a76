import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface RepoRow {
  readonly id: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly name: string;
  /** `owner/name`, as shown to users. */
  readonly fullName: string;
  readonly defaultBranch: string | null;
  readonly createdAt: string;
  /** `private` (members and grant holders only) or `public` (every signed-in user). */
  readonly visibility: Visibility;
}

export type Visibility = 'public' | 'private';

/**
 * What a principal may read (repos/repo-access.policy.ts): repositories by id, every repository of
 * organizations by id, and, when `publicRepos`, every public repository.
 */
export interface ReadScope {
  readonly repoIds: readonly string[];
  readonly orgIds: readonly string[];
  readonly publicRepos: boolean;
  /** A further restriction, ANDed with the rest (a personal token's scope): these repositories only, or this organization's. */
  readonly within?: { readonly orgId: string } | { readonly repositoryIds: readonly string[] };
}

export interface PathRules {
  readonly fixes: readonly string[];
  readonly ignore: readonly string[];
}

/** The `repositories` table. */
export class ReposRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db
      .selectFrom('repositories as r')
      .innerJoin('organizations as o', 'o.id', 'r.org_id')
      .select(['r.id', 'r.org_id', 'o.name as org_name', 'r.name', 'r.default_branch', 'r.created_at', 'r.visibility']);
  }

  async findByFullName(owner: string, name: string): Promise<RepoRow | null> {
    const r = await this.base().where('o.name', '=', owner).where('r.name', '=', name).executeTakeFirst();
    return r === undefined ? null : toRepo(r);
  }

  async findById(id: string): Promise<RepoRow | null> {
    const r = await this.base().where('r.id', '=', id).executeTakeFirst();
    return r === undefined ? null : toRepo(r);
  }

  /** Repositories of an organization in name order, limited to `scope` (what the caller may read). */
  async listByOrg(orgName: string, scope: ReadScope, page: { offset: number; limit: number }): Promise<RepoRow[]> {
    if (scope.repoIds.length === 0 && scope.orgIds.length === 0 && !scope.publicRepos) return [];
    const within = scope.within;
    if (within !== undefined && 'repositoryIds' in within && within.repositoryIds.length === 0) return [];
    let query = this.base().where('o.name', '=', orgName);
    if (within !== undefined) query = 'orgId' in within ? query.where('r.org_id', '=', within.orgId) : query.where('r.id', 'in', within.repositoryIds);
    const rows = await query
      .where((eb) =>
        eb.or([
          ...(scope.repoIds.length > 0 ? [eb('r.id', 'in', scope.repoIds)] : []),
          ...(scope.orgIds.length > 0 ? [eb('r.org_id', 'in', scope.orgIds)] : []),
          ...(scope.publicRepos ? [eb('r.visibility', '=', 'public')] : []),
        ]),
      )
      .orderBy('r.name')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return rows.map(toRepo);
  }

  /** Makes the repository public or private. */
  async setVisibility(id: string, visibility: Visibility): Promise<void> {
    await this.db.updateTable('repositories').set({ visibility }).where('id', '=', id).execute();
  }

  /** The repository's path fixes and ignore globs (see docs/paths.md); empty lists when none are set. */
  async pathRules(id: string): Promise<PathRules> {
    const r = await this.db.selectFrom('repositories').select(['path_fixes_json', 'path_ignore_json']).where('id', '=', id).executeTakeFirst();
    return { fixes: parseList(r?.path_fixes_json), ignore: parseList(r?.path_ignore_json) };
  }

  async setPathRules(id: string, rules: PathRules): Promise<void> {
    await this.db
      .updateTable('repositories')
      .set({ path_fixes_json: rules.fixes.length > 0 ? JSON.stringify(rules.fixes) : null, path_ignore_json: rules.ignore.length > 0 ? JSON.stringify(rules.ignore) : null })
      .where('id', '=', id)
      .execute();
  }

  /** The repository's protected branch list as set (null: none set, the defaults apply). */
  async protectedBranches(id: string): Promise<string[] | null> {
    const r = await this.db.selectFrom('repositories').select(['protected_branches_json']).where('id', '=', id).executeTakeFirst();
    return r?.protected_branches_json == null ? null : parseList(r.protected_branches_json);
  }

  async setProtectedBranches(id: string, patterns: readonly string[] | null): Promise<void> {
    await this.db.updateTable('repositories').set({ protected_branches_json: patterns === null ? null : JSON.stringify(patterns) }).where('id', '=', id).execute();
  }

  async insert(orgId: string, orgName: string, name: string): Promise<RepoRow> {
    const row = { id: randomUUID(), org_id: orgId, name, default_branch: null, created_at: isoNow(), path_fixes_json: null, path_ignore_json: null, visibility: 'private' as const };
    await this.db.insertInto('repositories').values(row).execute();
    return toRepo({ ...row, org_name: orgName });
  }
}

export function toRepo(r: { id: string; org_id: string; org_name: string; name: string; default_branch: string | null; created_at: string; visibility: string }): RepoRow {
  return {
    id: r.id,
    orgId: r.org_id,
    orgName: r.org_name,
    name: r.name,
    fullName: `${r.org_name}/${r.name}`,
    defaultBranch: r.default_branch,
    createdAt: r.created_at,
    // Anything but an explicit `public` is private: deny by default.
    visibility: r.visibility === 'public' ? 'public' : 'private',
  };
}

function parseList(json: string | null | undefined): string[] {
  if (json === null || json === undefined) return [];
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
