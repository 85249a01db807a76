import { effectiveProtected } from '../branches/protected-branches.js';
import { pathRuleProblems, protectedBranchProblems } from '../repos/repo-settings-rules.js';
import { writePathRules, writeProtectedBranches } from '../repos/repo-settings-writes.js';
import { NO_AUDIT, type AuditRecorder } from '../audit/audit-log.js';
import { tokenHashPrefix } from '../audit/chain.js';
import type { OidcIssuer } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { RepositoryLinksRepository } from '../oidc/repository-links.repository.js';
import type { OrgsRepository } from '../orgs/orgs.repository.js';
import type { PathRules, ReposRepository } from '../repos/repos.repository.js';
import { displayToken, generateToken, hashToken, type RepoTokenKind } from '../tokens/token-format.js';
import type { TokensRepository } from '../tokens/tokens.repository.js';

/** Organization names as on the big forges: letters, digits and inner hyphens, at most 39. */
export const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
/** Repository names: letters, digits, `.`, `_`, `-`, at most 100, not `.` or `..`. */
export const REPO_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** Token lifetimes: mandatory expiry, 90 days by default, at most a year. */
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

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
    /** Where each change is recorded (audit/): bound to the acting operator. */
    private readonly audit: AuditRecorder = NO_AUDIT,
  ) {}

  async createOrg(name: string) {
    if (!ORG_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid organization name ${JSON.stringify(name)}: letters, digits and inner hyphens, at most 39`);
    if ((await this.orgs.findByName(name)) !== null) throw new AppError('CW_ERR_ORG_EXISTS', `organization ${name} exists`);
    const org = await this.orgs.insert(name);
    await this.audit.record({ event: 'org.created', target: { type: 'organization', id: org.id, name: org.name } });
    return org;
  }

  async createRepo(fullName: string) {
    const { owner, name } = splitFullName(fullName);
    if (!REPO_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid repository name ${JSON.stringify(name)}: letters, digits, ".", "_" and "-", at most 100`);
    const org = await this.orgs.findByName(owner);
    if (org === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${owner}; create it first: coverwatch-server admin create-org ${owner}`);
    if ((await this.repos.findByFullName(owner, name)) !== null) throw new AppError('CW_ERR_REPO_EXISTS', `repository ${owner}/${name} exists`);
    const repo = await this.repos.insert(org.id, org.name, name);
    await this.audit.record({ event: 'repo.created', target: { type: 'repository', id: repo.id, name: repo.fullName } });
    return repo;
  }

  /**
   * Creates a token and returns it: the only time it exists outside the caller's hands. Expiry is
   * mandatory: 90 days unless said otherwise, at most a year.
   */
  async createToken(kind: RepoTokenKind, fullName: string, expiresDays: number = DEFAULT_TOKEN_DAYS) {
    const repo = await this.repoByName(fullName);
    const { id, token, expiresAt } = await this.issueToken(kind, repo.id, expiresDays);
    // The hash prefix, never the token: enough to find the token in the tokens table.
    await this.audit.record({ event: 'token.created', target: { type: 'token', id }, details: { kind, repository: repo.fullName, repositoryId: repo.id, tokenHash: tokenHashPrefix(token), expiresAt } });
    return { id, kind, repository: repo.fullName, token, expiresAt };
  }

  /** A repository's tokens as owners see them: display form, dates, last use; never the token or its hash. */
  async listTokens(fullName: string, expiringWithinDays?: number) {
    const repo = await this.repoByName(fullName);
    let tokens = await this.tokens.listByRepository(repo.id);
    if (expiringWithinDays !== undefined) {
      const now = new Date().toISOString();
      const horizon = new Date(Date.now() + expiringWithinDays * 86_400_000).toISOString();
      tokens = tokens.filter((t) => t.revokedAt === null && t.expiresAt > now && t.expiresAt <= horizon);
    }
    return { repository: repo.fullName, tokens };
  }

  /**
   * Rotation: the new token is created first, then the old one is set to expire after the overlap
   * (so CI keeps working while the secret is swapped), naming its successor.
   */
  async rotateToken(tokenId: string, overlapHours: number, expiresDays: number = DEFAULT_TOKEN_DAYS) {
    if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > 24 * 30) throw new AppError('CW_ERR_CLI_USAGE', '--overlap-hours must be a whole number from 0 to 720');
    const old = await this.tokens.findById(tokenId);
    if (old === null || old.revokedAt !== null) throw new AppError('CW_ERR_TOKEN_NOT_FOUND', `no live token ${tokenId}`);
    const repo = await this.repos.findById(old.repositoryId);
    const { id, token, expiresAt } = await this.issueToken(old.kind, old.repositoryId, expiresDays);
    const until = new Date(Math.min(Date.parse(old.expiresAt) || Infinity, Date.now() + overlapHours * 3_600_000)).toISOString();
    await this.tokens.retire(old.id, id, until);
    await this.audit.record({ event: 'token.rotated', target: { type: 'token', id: old.id }, details: { kind: old.kind, repository: repo?.fullName ?? old.repositoryId, replacedBy: id, oldValidUntil: until, tokenHash: tokenHashPrefix(token), expiresAt } });
    return { id, kind: old.kind, repository: repo?.fullName ?? old.repositoryId, token, expiresAt, replaces: old.id, oldValidUntil: until };
  }

  /** Revokes a token of any kind by id: repository tokens, personal and organization upload tokens. */
  async revokeToken(tokenId: string, reason = 'revoked by an operator') {
    const old = await this.tokens.findById(tokenId);
    if (old === null) {
      const account = await this.tokens.findAccountToken(tokenId);
      if (account === null) throw new AppError('CW_ERR_TOKEN_NOT_FOUND', `no token ${tokenId}`);
      const revoked = await this.tokens.revokeAccountToken(account.id, reason);
      if (revoked) await this.audit.record({ event: 'token.revoked', target: { type: 'token', id: account.id }, details: { kind: account.kind, reason } });
      return { id: account.id, state: revoked ? ('revoked' as const) : ('already revoked' as const) };
    }
    const revoked = await this.tokens.revoke(old.id, reason);
    if (revoked) await this.audit.record({ event: 'token.revoked', target: { type: 'token', id: old.id }, details: { kind: old.kind, reason } });
    return { id: old.id, state: revoked ? ('revoked' as const) : ('already revoked' as const) };
  }

  private async repoByName(fullName: string) {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    return repo;
  }

  private async issueToken(kind: RepoTokenKind, repositoryId: string, expiresDays: number) {
    if (!Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > MAX_TOKEN_DAYS) throw new AppError('CW_ERR_CLI_USAGE', `--expires-days must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
    const token = generateToken(kind);
    const expiresAt = new Date(Date.now() + expiresDays * 86_400_000).toISOString();
    const id = await this.tokens.insert({ kind, tokenHash: hashToken(token), repositoryId, expiresAt, display: displayToken(token) });
    return { id, token, expiresAt };
  }

  /**
   * Replaces the repository's path rules: fixes (`before::after`, `::prefix`) and ignore globs,
   * applied to uploads processed from now on (docs/paths.md). Invalid rules are refused here, all
   * of them named, instead of being skipped at processing time.
   */
  /**
   * Replaces the repository's protected branches (null: back to the defaults). Uploads from forks
   * never move them and raise an alert when they name one (docs/security.md).
   */
  async setProtectedBranches(fullName: string, patterns: readonly string[] | null): Promise<{ repository: string; protected: readonly string[]; configured: boolean }> {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const problems = protectedBranchProblems(patterns ?? []);
    if (problems.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `invalid protected branches:\n  ${problems.join('\n  ')}`);
    const list = await writeProtectedBranches(this.repos, repo, patterns, this.audit);
    return { repository: repo.fullName, protected: effectiveProtected(list, repo.defaultBranch), configured: list !== null };
  }

  async setPathRules(fullName: string, rules: PathRules): Promise<{ repository: string } & PathRules> {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const problems = pathRuleProblems(rules);
    if (problems.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `invalid path rules:\n  ${problems.join('\n  ')}`);
    const after = await writePathRules(this.repos, repo, rules, this.audit);
    return { repository: repo.fullName, ...after };
  }

  /**
   * Lets OIDC ID tokens of one CI repository upload to `fullName`. The CI repository is named by
   * numeric ids, which survive renames and are never reused (names are). Linking the same CI
   * repository again to the same repository updates the owner id (after an expected transfer).
   */
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
        await this.audit.record({ event: 'repo.oidc_linked', target: { type: 'repository', id: repo.id, name: repo.fullName }, details: { linkId: created.id, issuer: issuer.issuer, externalRepositoryId: link.repositoryId, externalOwnerId: link.ownerId } });
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
    await this.audit.record({
      event: 'repo.oidc_link_updated',
      target: { type: 'repository', id: repo.id, name: repo.fullName },
      details: { linkId: existing.id, issuer: issuer.issuer, externalRepositoryId: link.repositoryId, externalOwnerId: { before: existing.externalOwnerId, after: link.ownerId } },
    });
    return result(existing.id, 'updated');
  }
}

export function splitFullName(fullName: string): { owner: string; name: string } {
  const parts = fullName.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new AppError('CW_ERR_CLI_USAGE', `expected owner/name, got ${JSON.stringify(fullName)}`);
  return { owner: parts[0]!, name: parts[1]! };
}
