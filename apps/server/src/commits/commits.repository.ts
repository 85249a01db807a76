import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';
import { toRepo, type RepoRow } from '../repos/repos.repository.js';

export interface CommitRow {
  readonly id: string;
  readonly repositoryId: string;
  readonly sha: string;
  readonly branch: string | null;
  readonly parents: readonly string[];
  readonly prNumber: number | null;
  /** When the first upload of the commit was received: the order of commit lists and trends. */
  readonly createdAt: string;
  readonly totalsJson: string | null;
  readonly manifestKey: string | null;
  readonly uploadCount: number;
  readonly reportVersion: number;
  /** The uploads the current report merges (sorted ids); null when there is none or it predates migration 0010. */
  readonly reportUploadIds: readonly string[] | null;
}

/** A stored report of one flag of a commit: the uploads carrying that flag, merged. */
export interface FlagReport {
  readonly flag: string;
  readonly totalsJson: string;
  readonly manifestKey: string;
  readonly uploadCount: number;
}

/** Where a page of commits starts: strictly older than this (created_at, id). */
export interface CommitCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface CommitMeta {
  readonly branch?: string | undefined;
  readonly parents?: readonly string[] | undefined;
  readonly prNumber?: number | undefined;
}

/** The `commits` table. */
export class CommitsRepository {
  constructor(private readonly db: Db) {}

  /** The commit's id, creating the row on first sight; metadata sent again overwrites (the latest upload knows best). */
  async upsert(repositoryId: string, sha: string, meta: CommitMeta, executor: Db = this.db): Promise<string> {
    const now = isoNow();
    const update: Record<string, unknown> = { updated_at: now };
    if (meta.branch !== undefined) update.branch = meta.branch;
    if (meta.parents !== undefined) update.parents_json = JSON.stringify(meta.parents);
    if (meta.prNumber !== undefined) update.pr_number = meta.prNumber;
    await executor
      .insertInto('commits')
      .values({
        id: randomUUID(),
        repository_id: repositoryId,
        sha,
        branch: meta.branch ?? null,
        parents_json: JSON.stringify(meta.parents ?? []),
        pr_number: meta.prNumber ?? null,
        totals_json: null,
        manifest_key: null,
        upload_count: 0,
        report_version: 0,
        report_upload_ids_json: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'sha']).doUpdateSet(update))
      .execute();
    const row = await executor.selectFrom('commits').select('id').where('repository_id', '=', repositoryId).where('sha', '=', sha).executeTakeFirstOrThrow();
    return row.id;
  }

  async findById(id: string): Promise<CommitRow | null> {
    return this.one(this.select().where('id', '=', id));
  }

  /**
   * A repository by `owner/name` and its commit `sha` in one query (the read API's hot path: one
   * round trip fewer on PostgreSQL). Null when there is no such repository; `commit` null when the
   * repository has no such commit.
   */
  async findWithRepository(owner: string, name: string, sha: string): Promise<{ repo: RepoRow; commit: CommitRow | null } | null> {
    const r = await this.db
      .selectFrom('repositories as r')
      .innerJoin('organizations as o', 'o.id', 'r.org_id')
      .leftJoin('commits as c', (j) => j.onRef('c.repository_id', '=', 'r.id').on('c.sha', '=', sha))
      .select(['r.id as r_id', 'r.org_id', 'o.name as org_name', 'r.name as r_name', 'r.default_branch', 'r.created_at as r_created_at', 'r.visibility'])
      .select(['c.id', 'c.repository_id', 'c.sha', 'c.branch', 'c.parents_json', 'c.pr_number', 'c.created_at', 'c.totals_json', 'c.manifest_key', 'c.upload_count', 'c.report_version', 'c.report_upload_ids_json'])
      .where('o.name', '=', owner)
      .where('r.name', '=', name)
      .executeTakeFirst();
    if (r === undefined) return null;
    const repo = toRepo({ id: r.r_id, org_id: r.org_id, org_name: r.org_name, name: r.r_name, default_branch: r.default_branch, created_at: r.r_created_at, visibility: r.visibility });
    if (r.id === null) return { repo, commit: null };
    return {
      repo,
      commit: toCommit({ ...r, id: r.id, repository_id: r.repository_id!, sha: r.sha!, parents_json: r.parents_json!, created_at: r.created_at!, upload_count: r.upload_count!, report_version: r.report_version! }),
    };
  }

  async findBySha(repositoryId: string, sha: string): Promise<CommitRow | null> {
    return this.one(this.select().where('repository_id', '=', repositoryId).where('sha', '=', sha));
  }

  /**
   * Stores a rebuilt report, and the reports of its flags (replacing the previous set), if nobody
   * rebuilt it since `expectedVersion` was read; false otherwise (the caller rebuilds again from
   * the newer set of uploads). One transaction: readers never see the commit and its flags disagree.
   */
  async saveReport(
    id: string,
    expectedVersion: number,
    report: { totalsJson: string; manifestKey: string; uploadIds: readonly string[] },
    flags: readonly FlagReport[] = [],
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const now = isoNow();
      const r = await trx
        .updateTable('commits')
        .set({
          totals_json: report.totalsJson,
          manifest_key: report.manifestKey,
          upload_count: report.uploadIds.length,
          report_upload_ids_json: JSON.stringify(report.uploadIds),
          report_version: expectedVersion + 1,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('report_version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      let stale = trx.deleteFrom('commit_flag_reports').where('commit_id', '=', id);
      if (flags.length > 0) stale = stale.where('flag', 'not in', flags.map((f) => f.flag));
      await stale.execute();
      for (const f of flags) {
        const values = { totals_json: f.totalsJson, manifest_key: f.manifestKey, upload_count: f.uploadCount, updated_at: now };
        await trx
          .insertInto('commit_flag_reports')
          .values({ id: randomUUID(), commit_id: id, flag: f.flag, ...values })
          .onConflict((oc) => oc.columns(['commit_id', 'flag']).doUpdateSet(values))
          .execute();
      }
      return true;
    });
  }

  /** Every flag report of a commit, by flag. */
  async listFlagReports(commitId: string): Promise<FlagReport[]> {
    const rows = await this.db.selectFrom('commit_flag_reports').select(['flag', 'totals_json', 'manifest_key', 'upload_count']).where('commit_id', '=', commitId).orderBy('flag').execute();
    return rows.map((r) => ({ flag: r.flag, totalsJson: r.totals_json, manifestKey: r.manifest_key, uploadCount: r.upload_count }));
  }

  /**
   * The manifest a new report of `commit` is best stored as a delta of: its first parent's, else the
   * head of its branch, else the repository's most recent report (a new branch starts from somewhere).
   */
  async deltaBaseKey(commit: CommitRow): Promise<string | null> {
    const parent = commit.parents[0];
    if (parent !== undefined) {
      const r = await this.db.selectFrom('commits').select('manifest_key').where('repository_id', '=', commit.repositoryId).where('sha', '=', parent).executeTakeFirst();
      if (r?.manifest_key) return r.manifest_key;
    }
    if (commit.branch !== null) {
      const r = await this.db
        .selectFrom('branches as b')
        .innerJoin('commits as c', 'c.id', 'b.head_commit_id')
        .select('c.manifest_key')
        .where('b.repository_id', '=', commit.repositoryId)
        .where('b.name', '=', commit.branch)
        .where('c.id', '!=', commit.id)
        .executeTakeFirst();
      if (r?.manifest_key) return r.manifest_key;
    }
    const r = await this.db
      .selectFrom('commits')
      .select('manifest_key')
      .where('repository_id', '=', commit.repositoryId)
      .where('manifest_key', 'is not', null)
      .where('id', '!=', commit.id)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r?.manifest_key ?? null;
  }

  async findFlagReport(commitId: string, flag: string): Promise<FlagReport | null> {
    const r = await this.db
      .selectFrom('commit_flag_reports')
      .select(['flag', 'totals_json', 'manifest_key', 'upload_count'])
      .where('commit_id', '=', commitId)
      .where('flag', '=', flag)
      .executeTakeFirst();
    return r === undefined ? null : { flag: r.flag, totalsJson: r.totals_json, manifestKey: r.manifest_key, uploadCount: r.upload_count };
  }

  /** A page of a repository's commits (of one branch when given), newest first: (created_at, id) descending. */
  async listPage(repositoryId: string, options: { branch: string | null; before: CommitCursor | null; limit: number }): Promise<CommitRow[]> {
    let q = this.select().where('repository_id', '=', repositoryId);
    if (options.branch !== null) q = q.where('branch', '=', options.branch);
    const before = options.before;
    if (before !== null) q = q.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toCommit);
  }

  /**
   * The latest `limit` commits of a branch with processed coverage (of one flag when given),
   * newest first, with their totals.
   */
  async trend(repositoryId: string, branch: string, flag: string | null, limit: number): Promise<{ sha: string; createdAt: string; totalsJson: string }[]> {
    if (flag === null) {
      const rows = await this.db
        .selectFrom('commits')
        .select(['sha', 'created_at', 'totals_json'])
        .where('repository_id', '=', repositoryId)
        .where('branch', '=', branch)
        .where('totals_json', 'is not', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ sha: r.sha, createdAt: r.created_at, totalsJson: r.totals_json! }));
    }
    const rows = await this.db
      .selectFrom('commits as c')
      .innerJoin('commit_flag_reports as f', 'f.commit_id', 'c.id')
      .select(['c.sha', 'c.created_at', 'f.totals_json'])
      .where('c.repository_id', '=', repositoryId)
      .where('c.branch', '=', branch)
      .where('f.flag', '=', flag)
      .orderBy('c.created_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ sha: r.sha, createdAt: r.created_at, totalsJson: r.totals_json }));
  }

  private select() {
    return this.db.selectFrom('commits').select(['id', 'repository_id', 'sha', 'branch', 'parents_json', 'pr_number', 'created_at', 'totals_json', 'manifest_key', 'upload_count', 'report_version', 'report_upload_ids_json']);
  }

  private async one(q: ReturnType<CommitsRepository['select']>): Promise<CommitRow | null> {
    const r = await q.executeTakeFirst();
    return r === undefined ? null : toCommit(r);
  }
}

function toCommit(r: {
  id: string;
  repository_id: string;
  sha: string;
  branch: string | null;
  parents_json: string;
  pr_number: number | null;
  created_at: string;
  totals_json: string | null;
  manifest_key: string | null;
  upload_count: number;
  report_version: number;
  report_upload_ids_json: string | null;
}): CommitRow {
  return {
    id: r.id,
    repositoryId: r.repository_id,
    sha: r.sha,
    branch: r.branch,
    parents: JSON.parse(r.parents_json) as string[],
    prNumber: r.pr_number,
    createdAt: r.created_at,
    totalsJson: r.totals_json,
    manifestKey: r.manifest_key,
    uploadCount: r.upload_count,
    reportVersion: r.report_version,
    reportUploadIds: r.report_upload_ids_json === null ? null : (JSON.parse(r.report_upload_ids_json) as string[]),
  };
}
