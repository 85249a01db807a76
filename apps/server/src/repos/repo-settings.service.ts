import type { AuditEvent, AuditRecorder } from '../audit/audit-log.js';
import { effectiveProtected } from '../branches/protected-branches.js';
import { emailKey } from '../accounts/accounts.service.js';
import { AppError } from '../errors/app-error.js';
import type { GrantRole, MembershipsRepository, OrgRole } from '../orgs/memberships.repository.js';
import { repoNotFound } from './repo-access.policy.js';
import { pathRuleProblems, protectedBranchProblems } from './repo-settings-rules.js';
import { writePathRules, writeProtectedBranches } from './repo-settings-writes.js';
import type { PathRules, RepoRow, ReposRepository, Visibility } from './repos.repository.js';

export interface RepoSettingsChange {
  readonly visibility?: Visibility | undefined;
  readonly protectedBranches?: readonly string[] | null | undefined;
  readonly pathRules?: PathRules | undefined;
}

/** What a signed-in user may change on a repository. */
interface Rights {
  readonly repo: RepoRow;
  /** Visibility, protected branches, grants: owners and admins of its organization. */
  readonly security: boolean;
  /** Path rules: also members and holders of a write grant. */
  readonly pathRules: boolean;
}

const MANAGERS: ReadonlySet<OrgRole> = new Set(['owner', 'admin']);

/**
 * A repository's settings for signed-in users. A user who cannot read the repository gets the
 * answer of one that does not exist; one who reads it but may change nothing gets 403. Every change
 * and every refused attempt is audit-logged with the same events as the admin commands.
 */
export class RepoSettingsService {
  constructor(
    private readonly repos: ReposRepository,
    private readonly members: MembershipsRepository,
  ) {}

  async get(userId: string, owner: string, name: string) {
    const rights = await this.rights(userId, owner, name);
    if (!rights.pathRules) throw forbidden('read the settings of');
    return this.view(rights);
  }

  async change(userId: string, owner: string, name: string, change: RepoSettingsChange, audit: AuditRecorder) {
    const rights = await this.rights(userId, owner, name);
    const { repo } = rights;
    const target = { type: 'repository', id: repo.id, name: repo.fullName };
    const securityChange = change.visibility !== undefined || change.protectedBranches !== undefined;
    if ((securityChange && !rights.security) || (change.pathRules !== undefined && !rights.pathRules)) {
      await audit.record({ event: 'repo.settings_change_denied', outcome: 'denied', target, details: { fields: Object.keys(change).sort(), reason: 'role' } });
      throw forbidden(securityChange ? 'change the visibility or protected branches of' : 'change the path rules of');
    }
    const problems = [...(change.pathRules ? pathRuleProblems(change.pathRules) : []), ...protectedBranchProblems(change.protectedBranches ?? [])];
    if (problems.length > 0) throw new AppError('CW_ERR_REPO_SETTINGS_INVALID', `invalid settings:\n  ${problems.join('\n  ')}`);
    if (change.visibility !== undefined && change.visibility !== repo.visibility) {
      await this.repos.setVisibility(repo.id, change.visibility);
      await audit.record({ event: 'repo.visibility_changed', target, details: { before: repo.visibility, after: change.visibility } });
    }
    if (change.protectedBranches !== undefined) await writeProtectedBranches(this.repos, repo, change.protectedBranches, audit);
    if (change.pathRules !== undefined) await writePathRules(this.repos, repo, change.pathRules, audit);
    // Rights do not depend on visibility for those who may change it: only the row's visibility moved.
    return this.view({ ...rights, repo: { ...repo, visibility: change.visibility ?? repo.visibility } });
  }

  /** Grants one user (by email) read or write on the repository, or (null) removes the grant: owners and admins. */
  async setGrant(userId: string, owner: string, name: string, email: string, role: GrantRole | null, audit: AuditRecorder) {
    const rights = await this.rights(userId, owner, name);
    const { repo } = rights;
    const user = await this.members.userByEmailKey(emailKey(email));
    const target = { type: 'user', ...(user === null ? { name: email.trim().slice(0, 256) } : { id: user.id, name: user.email }) };
    const event = (e: string, outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({ event: e, outcome, target, details: { repository: repo.fullName, repositoryId: repo.id, ...details } });
    if (!rights.security) {
      await audit.record(event(role === null ? 'repo.grant_removed' : 'repo.grant_changed', 'denied', { newRole: role, reason: 'role' }));
      throw forbidden('change the grants of');
    }
    if (user === null) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}; an operator creates users (coverwatch-server admin create-user)`);
    if (role === null) {
      const removed = await this.members.revokeGrant(repo.id, user.id);
      if (removed) await audit.record(event('repo.grant_removed', 'success', {}));
      return { repository: repo.fullName, userId: user.id, email: user.email, role: null, state: removed ? ('removed' as const) : ('unchanged' as const) };
    }
    const before = await this.members.grant(repo.id, user.id, role);
    if (before !== role) await audit.record(event('repo.grant_changed', 'success', { role: before, newRole: role }));
    return { repository: repo.fullName, userId: user.id, email: user.email, role, state: before === role ? ('unchanged' as const) : ('granted' as const) };
  }

  private async view(rights: Rights) {
    const { repo } = rights;
    const configured = await this.repos.protectedBranches(repo.id);
    const rules = await this.repos.pathRules(repo.id);
    return {
      repository: repo.fullName,
      visibility: repo.visibility,
      protectedBranches: { configured, effective: [...effectiveProtected(configured, repo.defaultBranch)] },
      pathRules: { fixes: [...rules.fixes], ignore: [...rules.ignore] },
      grants: rights.security ? await this.members.listGrantsWithEmail(repo.id) : [],
      mayChange: { security: rights.security, pathRules: rights.pathRules },
    };
  }

  /** Read at every request: a removed member or grant loses the rights at once. */
  private async rights(userId: string, owner: string, name: string): Promise<Rights> {
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw repoNotFound(owner, name);
    const role = await this.members.roleOf(repo.orgId, userId);
    const grant = await this.members.grantOf(repo.id, userId);
    if (role === null && grant === null && repo.visibility !== 'public') throw repoNotFound(owner, name);
    const security = role !== null && MANAGERS.has(role);
    return { repo, security, pathRules: security || role === 'member' || grant === 'write' };
  }
}

function forbidden(what: string): AppError {
  return new AppError('CW_ERR_REPO_FORBIDDEN', `your access cannot ${what} this repository: owners and admins of its organization change visibility, protected branches and grants; members and write-grant holders path rules`);
}
