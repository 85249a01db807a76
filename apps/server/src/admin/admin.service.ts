import type { OidcIssuer } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { RepositoryLinksRepository } from '../oidc/repository-links.repository.js';
import type { OrgsRepository } from '../orgs/orgs.repository.js';
import type { PathRules, ReposRepository } from '../repos/repos.repository.js';
import { createPathResolver } from '@coverwatch/core';
import { generateToken, hashToken, type TokenKind } from '../tokens/token-format.js';
import type { TokensRepository } from '../tokens/tokens.repository.js';

/** Organization names as on the big forges: letters, digits and inner hyphens, at most 39. */
export const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
/** Repository names: letters, digits, `.`, `_`, `-`, at most 100, not `.` or `..`. */
export const REPO_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** Most fixes, and most ignore globs, per repository. */
const MAX_PATH_RULES = 100;

/** A forge's numeric id (GitHub repository and owner ids, GitLab project and namespace ids). */
const EXTERNAL_ID = /^[1-9][0-9]{0,19}$/;

export interface LinkResult {
  readonly id: string;
  readonly repository: string;
  readonly issuer: string;
  readonly kind: OidcIssuer['kind'];
  readonly repositoryId: string;
  readonly ownerId: string;
  readonly state: 'created' | 'updated' | 'unchanged';
}

/** What `coverwatch-server admin` does: create organizations, repositories and tokens; link CI repositories. */
export class AdminService {
  constructor(
    private readonly orgs: OrgsRepository,
    private readonly repos: ReposRepository,
    private readonly tokens: TokensRepository,
    private readonly links: RepositoryLinksRepository,
    private readonly issuers: readonly OidcIssuer[],
  ) {}

  async createOrg(name: string) {
    if (!ORG_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid organization name ${JSON.stringify(name)}: letters, digits and inner hyphens, at most 39`);
    if ((await this.orgs.findByName(name)) !== null) throw new AppError('CW_ERR_ORG_EXISTS', `organization ${name} exists`);
    return this.orgs.insert(name);
  }

  async createRepo(fullName: string) {
    const { owner, name } = splitFullName(fullName);
    if (!REPO_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid repository name ${JSON.stringify(name)}: letters, digits, ".", "_" and "-", at most 100`);
    const org = await this.orgs.findByName(owner);
    if (org === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${owner}; create it first: coverwatch-server admin create-org ${owner}`);
    if ((await this.repos.findByFullName(owner, name)) !== null) throw new AppError('CW_ERR_REPO_EXISTS', `repository ${owner}/${name} exists`);
    return this.repos.insert(org.id, org.name, name);
  }

  /** Creates a token and returns it: the only time it exists outside the caller's hands. */
  async createToken(kind: TokenKind, fullName: string) {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const token = generateToken(kind);
    const id = await this.tokens.insert(kind, hashToken(token), repo.id);
    return { id, kind, repository: repo.fullName, token };
  }

  /**
   * Lets OIDC ID tokens of one CI repository upload to `fullName`. The CI repository is named by
   * numeric ids, which survive renames and are never reused (names are). Linking the same CI
   * repository again to the same repository updates the owner id (after an expected transfer).
   */
  /**
   * Replaces the repository's path rules: fixes (`before::after`, `::prefix`) and ignore globs,
   * applied to uploads processed from now on (docs/paths.md). Invalid rules are refused here, all
   * of them named, instead of being skipped at processing time.
   */
  async setPathRules(fullName: string, rules: PathRules): Promise<{ repository: string } & PathRules> {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    if (rules.fixes.length > MAX_PATH_RULES || rules.ignore.length > MAX_PATH_RULES) throw new AppError('CW_ERR_CLI_USAGE', `at most ${MAX_PATH_RULES} fixes and ${MAX_PATH_RULES} ignore globs`);
    const tooLong = [...rules.fixes, ...rules.ignore].find((r) => r.length > 1024);
    if (tooLong !== undefined) throw new AppError('CW_ERR_CLI_USAGE', 'a path rule is longer than 1024 characters');
    const errors = createPathResolver(null, rules).problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `invalid path rules:\n  ${errors.map((e) => e.message.replace(/; the (fix|glob) is not applied$/, '')).join('\n  ')}`);
    await this.repos.setPathRules(repo.id, rules);
    return { repository: repo.fullName, ...(await this.repos.pathRules(repo.id)) };
  }

  async linkRepo(fullName: string, link: { issuer: string; repositoryId: string; ownerId: string }): Promise<LinkResult> {
    const { owner, name } = splitFullName(fullName);
    const issuer = this.issuers.find((i) => i.issuer === link.issuer);
    if (issuer === undefined) {
      const known = this.issuers.map((i) => i.issuer).join(', ') || 'none';
      throw new AppError('CW_ERR_CLI_USAGE', `--issuer ${link.issuer} is not a configured OIDC issuer (oidc.issuers, COVERWATCH_OIDC_ISSUERS; configured: ${known})`);
    }
    for (const [flag, value] of [['--repository-id', link.repositoryId], ['--owner-id', link.ownerId]] as const) {
      if (!EXTERNAL_ID.test(value)) throw new AppError('CW_ERR_CLI_USAGE', `${flag} must be a numeric id, got ${JSON.stringify(value)}`);
    }
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const result = (id: string, state: LinkResult['state']): LinkResult => ({
      id,
      repository: repo.fullName,
      issuer: issuer.issuer,
      kind: issuer.kind,
      repositoryId: link.repositoryId,
      ownerId: link.ownerId,
      state,
    });
    const existing = await this.links.findByExternalId(issuer.issuer, link.repositoryId);
    if (existing === null) {
      try {
        const created = await this.links.insert({ repositoryId: repo.id, issuer: issuer.issuer, externalRepositoryId: link.repositoryId, externalOwnerId: link.ownerId });
        return result(created.id, 'created');
      } catch (e) {
        // Linked by someone else in the meantime: answer as if we had seen it.
        if (!isUniqueViolation(e)) throw e;
        return this.linkRepo(fullName, link);
      }
    }
    if (existing.repositoryId !== repo.id) {
      const other = await this.repos.findById(existing.repositoryId);
      throw new AppError('CW_ERR_REPO_LINK_EXISTS', `repository id ${link.repositoryId} at ${issuer.issuer} is already linked to ${other?.fullName ?? existing.repositoryId}`);
    }
    if (existing.externalOwnerId === link.ownerId) return result(existing.id, 'unchanged');
    await this.links.updateOwner(existing.id, link.ownerId);
    return result(existing.id, 'updated');
  }
}

function splitFullName(fullName: string): { owner: string; name: string } {
  const parts = fullName.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new AppError('CW_ERR_CLI_USAGE', `expected owner/name, got ${JSON.stringify(fullName)}`);
  return { owner: parts[0]!, name: parts[1]! };
}
