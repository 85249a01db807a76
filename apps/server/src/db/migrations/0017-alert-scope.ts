import type { Kysely } from 'kysely';

/**
 * Who may see an alert besides the operator: the organization it concerns (its owners and admins)
 * and the account it concerns (that user). Resolved when the alert is raised (alerts/alert-scope.ts);
 * null for alerts raised before, and for ones about no organization or account (the operator's).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('org_id', 'text').execute();
  await db.schema.alterTable('alerts').addColumn('user_id', 'text').execute();
  await db.schema.createIndex('alerts_org').on('alerts').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('alerts_user').on('alerts').columns(['user_id', 'created_at']).execute();
}
