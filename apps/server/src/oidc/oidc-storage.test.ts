import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, storageBackends } from '../../test/pg-test-schema.js';
import { AdminService } from '../admin/admin.service.js';
import { migrateToLatest, type Db } from '../db/database.js';
import { isUniqueViolation } from '../db/db-errors.js';
import { MIGRATIONS, migrationProvider } from '../db/migrations/index.js';
import { AppError } from '../errors/app-error.js';
import { OrgsRepository } from '../orgs/orgs.repository.js';
import { ReposRepository } from '../repos/repos.repository.js';
import { TokensRepository } from '../tokens/tokens.repository.js';
import { OidcTokenUsesRepository, type TokenUse } from './oidc-token-uses.repository.js';
import { RepositoryLinksRepository } from './repository-links.repository.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

/** Opens an empty database, unmigrated, with the Migrator options migrateToLatest would use. */
const BACKENDS = storageBackends(schemas, 'OIDC storage (migration 0003, token uses, repository links) on PostgreSQL');

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.com';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe.each(BACKENDS)('OIDC storage on $backend', ({ open }) => {
  async function seeded() {
    const { db } = await open();
    dbs.push(db);
    await migrateToLatest(db);
    const org = await new OrgsRepository(db).insert('acme');
    const repo = await new ReposRepository(db).insert(org.id, org.name, 'widgets');
    const other = await new ReposRepository(db).insert(org.id, org.name, 'other');
    return { db, repo, other };
  }

  it('migration 0003 applies on a database holding 0002 data', async () => {
    const { db, schema } = await open();
    dbs.push(db);
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    expect((await migrator.migrateTo('0002-branches-pulls-flags')).error).toBeUndefined();
    await db.insertInto('organizations').values({ id: 'o', name: 'acme', created_at: 't' }).execute();
    await db.insertInto('repositories').values({ id: 'r', org_id: 'o', name: 'w', default_branch: null, created_at: 't' }).execute();
    expect(await migrateToLatest(db)).toEqual(Object.keys(MIGRATIONS).filter((m) => m > '0002-branches-pulls-flags'));
    await new RepositoryLinksRepository(db).insert({ repositoryId: 'r', issuer: GITHUB, externalRepositoryId: '1', externalOwnerId: '2' });
    expect(await new RepositoryLinksRepository(db).findByExternalId(GITHUB, '1')).toMatchObject({ repositoryId: 'r', externalOwnerId: '2' });
  });

  it('a jti is used once; a second use is a replay unless it repeats the first use\'s Idempotency-Key', async () => {
    const { db, repo } = await seeded();
    const uses = new OidcTokenUsesRepository(db);
    const use: TokenUse = { issuer: GITHUB, jti: 'jti-1', repositoryId: repo.id, expiresAt: inAnHour(), idempotencyKey: 'key-1' };
    expect(await uses.claim(use)).toBe('first');
    expect(await uses.claim(use)).toBe('retry');
    expect(await uses.claim({ ...use, idempotencyKey: 'key-2' })).toBe('replay');
    expect(await uses.claim({ ...use, idempotencyKey: null })).toBe('replay');
    // Without a key at first use, nothing can repeat it.
    const bare = { ...use, jti: 'jti-2', idempotencyKey: null };
    expect(await uses.claim(bare)).toBe('first');
    expect(await uses.claim(bare)).toBe('replay');
    // jtis are per issuer.
    expect(await uses.claim({ ...bare, issuer: GITLAB })).toBe('first');
  });

  it('concurrent uses of one jti: exactly one is first', async () => {
    const { db, repo } = await seeded();
    const uses = new OidcTokenUsesRepository(db);
    const use: TokenUse = { issuer: GITHUB, jti: 'race', repositoryId: repo.id, expiresAt: inAnHour(), idempotencyKey: null };
    const verdicts = await Promise.all(Array.from({ length: 6 }, () => uses.claim(use)));
    expect(verdicts.filter((v) => v === 'first')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'replay')).toHaveLength(5);
  });

  it('remembers the first upload of a token, and prunes rows of expired tokens', async () => {
    const { db, repo } = await seeded();
    const uses = new OidcTokenUsesRepository(db);
    await uses.claim({ issuer: GITHUB, jti: 'live', repositoryId: repo.id, expiresAt: inAnHour(), idempotencyKey: null });
    await uses.claim({ issuer: GITHUB, jti: 'old', repositoryId: repo.id, expiresAt: new Date(Date.now() - 1000).toISOString(), idempotencyKey: null });
    await uses.attachUpload(GITHUB, 'live', 'u1');
    await uses.attachUpload(GITHUB, 'live', 'u2');
    expect(await uses.find(GITHUB, 'live')).toMatchObject({ uploadId: 'u1' });
    expect(await uses.prune()).toBe(1);
    expect(await uses.find(GITHUB, 'old')).toBeNull();
    expect(await uses.find(GITHUB, 'live')).not.toBeNull();
  });

  it('repository links are unique per issuer and external repository id', async () => {
    const { db, repo, other } = await seeded();
    const links = new RepositoryLinksRepository(db);
    await links.insert({ repositoryId: repo.id, issuer: GITHUB, externalRepositoryId: '123', externalOwnerId: '9' });
    await links.insert({ repositoryId: other.id, issuer: GITHUB, externalRepositoryId: '123', externalOwnerId: '9' }).then(
      () => expect.unreachable('a second link of one CI repository was accepted'),
      (e: unknown) => expect(isUniqueViolation(e)).toBe(true),
    );
    await links.insert({ repositoryId: other.id, issuer: GITLAB, externalRepositoryId: '123', externalOwnerId: '9' });
    expect(await links.findByExternalId(GITLAB, '123')).toMatchObject({ repositoryId: other.id });
    expect(await links.findByExternalId(GITHUB, '124')).toBeNull();
  });

  it('admin link-repo: creates, leaves alone, updates the owner, refuses a second repository and unknown issuers', async () => {
    const { db } = await seeded();
    const admin = new AdminService(new OrgsRepository(db), new ReposRepository(db), new TokensRepository(db), new RepositoryLinksRepository(db), [{ issuer: GITHUB, kind: 'github' }]);
    const link = { issuer: GITHUB, repositoryId: '123', ownerId: '9' };
    expect(await admin.linkRepo('acme/widgets', link)).toMatchObject({ repository: 'acme/widgets', kind: 'github', state: 'created' });
    expect(await admin.linkRepo('acme/widgets', link)).toMatchObject({ state: 'unchanged' });
    expect(await admin.linkRepo('acme/widgets', { ...link, ownerId: '10' })).toMatchObject({ state: 'updated', ownerId: '10' });
    const codeOf = (p: Promise<unknown>) => p.then(() => null, (e: AppError) => e.code);
    expect(await codeOf(admin.linkRepo('acme/other', link))).toBe('CW_ERR_REPO_LINK_EXISTS');
    expect(await codeOf(admin.linkRepo('acme/widgets', { ...link, issuer: GITLAB }))).toBe('CW_ERR_CLI_USAGE');
    expect(await codeOf(admin.linkRepo('acme/widgets', { ...link, repositoryId: 'acme/widgets' }))).toBe('CW_ERR_CLI_USAGE');
    expect(await codeOf(admin.linkRepo('acme/missing', { ...link, repositoryId: '5' }))).toBe('CW_ERR_REPO_NOT_FOUND');
  });
});
