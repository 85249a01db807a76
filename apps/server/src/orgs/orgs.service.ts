import { emailKey } from '../accounts/accounts.service.js';
import type { AuditEvent, AuditRecorder } from '../audit/audit-log.js';
import { isUniqueViolation } from '../db/db-errors.js';
import { AppError } from '../errors/app-error.js';
import type { ReposRepository, Visibility } from '../repos/repos.repository.js';
import type { GrantRole, MembershipsRepository, OrgRole } from './memberships.repository.js';
import type { OrgRow, OrgsRepository } from './orgs.repository.js';

/**
 * Who changes a membership: the operator (`coverwatch-server admin`, trusted with everything but
 * leaving an organization without an owner), or a signed-in user, whose role in the organization
 * decides (owner: anything; admin: anything but owners; member and viewer: nothing).
 */
export type OrgActor = { readonly type: 'operator' } | { readonly type: 'user'; readonly userId: string };

const MANAGERS: ReadonlySet<OrgRole> = new Set(['owner', 'admin']);

/**
 * Organizations, their members and roles, repository visibility and grants. Transport-neutral:
 * throws catalogued AppErrors. Every change, and every refused attempt of a user, is audit-logged
 * with who and what: `org.member_added` (`details.role`), `org.member_role_changed` (`details.role`
 * before, `details.newRole`), `org.member_removed` (`details.role`), the names the
 * `privilege_granted` alert rule (alerts/rules/accounts.ts) watches.
 */
export class OrgsService {
  constructor(
    private readonly orgs: OrgsRepository,
    private readonly repos: ReposRepository,
    private readonly members: MembershipsRepository,
  ) {}

  /**
   * A signed-in user creates an organization and becomes its owner, so they must hold a passkey
   * (owners must). The name being taken is said (409): organization names are public handles.
   */
  async createOrg(userId: string, name: string, audit: AuditRecorder, options: { usersMayCreate: boolean }) {
    const user = await this.members.userById(userId);
    if (user === null) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', 'the signed-in user no longer exists');
    const denied = (reason: string): AuditEvent => ({ event: 'org.created', outcome: 'denied', target: { type: 'organization', name }, details: { reason } });
    if (!options.usersMayCreate) {
      await audit.record(denied('users_may_not_create'));
      throw new AppError('CW_ERR_ORG_FORBIDDEN', 'on this server only the operator creates organizations (coverwatch-server admin create-org)');
    }
    await this.needsPasskey(user, 'owner', audit, denied('no_passkey'));
    if ((await this.orgs.findByName(name)) !== null) throw new AppError('CW_ERR_ORG_EXISTS', `organization ${name} exists`);
    let org: OrgRow;
    try {
      org = await this.orgs.insert(name);
    } catch (e) {
      // Two creations of one name raced; the loser is told as if it had looked first.
      if (isUniqueViolation(e)) throw new AppError('CW_ERR_ORG_EXISTS', `organization ${name} exists`);
      throw e;
    }
    await audit.record({ event: 'org.created', target: { type: 'organization', id: org.id, name: org.name } });
    await this.members.add(org.id, user.id, 'owner');
    await audit.record({ event: 'org.member_added', target: { type: 'user', id: user.id, name: user.email }, details: { org: org.name, orgId: org.id, role: 'owner', reason: 'created_org' } });
    return { org: org.name, role: 'owner' as const, createdAt: org.createdAt };
  }

  /** Owners and admins create repositories in their organization: private unless said otherwise. */
  async createRepo(userId: string, orgName: string, name: string, visibility: Visibility, audit: AuditRecorder) {
    const { org, actorRole } = await this.visibleOrg({ type: 'user', userId }, orgName);
    const target = { type: 'repository', name: `${org.name}/${name}` };
    if (actorRole === null || !MANAGERS.has(actorRole)) {
      await audit.record({ event: 'repo.created', outcome: 'denied', target, details: { actorRole, reason: 'role' } });
      throw new AppError('CW_ERR_ORG_FORBIDDEN', `your role (${actorRole ?? 'none'}) cannot create repositories in ${org.name}: owners and admins can`);
    }
    if ((await this.repos.findByFullName(org.name, name)) !== null) throw new AppError('CW_ERR_REPO_EXISTS', `repository ${org.name}/${name} exists`);
    let repo;
    try {
      repo = await this.repos.insert(org.id, org.name, name);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('CW_ERR_REPO_EXISTS', `repository ${org.name}/${name} exists`);
      throw e;
    }
    if (visibility === 'public') await this.repos.setVisibility(repo.id, 'public');
    await audit.record({ event: 'repo.created', target: { type: 'repository', id: repo.id, name: repo.fullName }, details: { visibility } });
    return { owner: org.name, name: repo.name, fullName: repo.fullName, defaultBranch: repo.defaultBranch, createdAt: repo.createdAt };
  }

  /** A member leaves an organization; the last owner cannot (another member becomes owner first). */
  async leave(userId: string, orgName: string, audit: AuditRecorder) {
    const { org } = await this.visibleOrg({ type: 'user', userId }, orgName);
    const user = await this.members.userById(userId);
    const r = await this.members.setRole(org.id, userId, null);
    const target = { type: 'user', id: userId, ...(user === null ? {} : { name: user.email }) };
    if (r === 'refused' || r.outcome === 'not_member') throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${orgName}`);
    if (r.outcome === 'last_owner') {
      await audit.record({ event: 'org.member_removed', outcome: 'denied', target, details: { org: org.name, orgId: org.id, role: r.before, reason: 'last_owner' } });
      throw new AppError('CW_ERR_ORG_LAST_OWNER', `you are the last owner of ${org.name}: make another member owner first`);
    }
    await audit.record({ event: 'org.member_removed', target, details: { org: org.name, orgId: org.id, role: r.before, reason: 'left' } });
    return { org: org.name, userId, email: user?.email ?? '', role: null, state: 'removed' as const };
  }

  /** The user's organizations and their role in each. */
  async myOrgs(userId: string) {
    const list = await this.members.listOrgsOf(userId);
    return { organizations: list.map((m) => ({ name: m.orgName, role: m.role, memberSince: m.createdAt })) };
  }

  /**
   * Members of an organization, for any member; anyone else gets the answer of an organization that
   * does not exist. Owners and admins also see who holds a passkey, and which owners and admins do not.
   */
  async listMembers(userId: string, orgName: string) {
    const { org, actorRole } = await this.visibleOrg({ type: 'user', userId }, orgName);
    const all = await this.members.listMembers(org.id);
    if (actorRole === null || !MANAGERS.has(actorRole)) return { org: org.name, members: all.map((m) => ({ userId: m.userId, email: m.email, role: m.role, memberSince: m.createdAt })) };
    return {
      org: org.name,
      members: all.map((m) => ({ userId: m.userId, email: m.email, role: m.role, memberSince: m.createdAt, passkey: m.passkey })),
      lackingPasskey: all.filter((m) => MANAGERS.has(m.role) && !m.passkey).map((m) => ({ userId: m.userId, email: m.email, role: m.role })),
    };
  }

  /**
   * Adds a user (by email) to an organization. A user actor must be owner or admin, and only an
   * owner makes owners. The operator's `add-member` of an existing member changes their role
   * (`upsert`); a user's is refused (CW_ERR_ORG_MEMBER_EXISTS: the role route changes roles).
   */
  async addMember(actor: OrgActor, orgName: string, email: string, role: OrgRole, audit: AuditRecorder, options: { upsert?: boolean } = {}) {
    const { org, actorRole } = await this.visibleOrg(actor, orgName);
    const user = await this.members.userByEmailKey(emailKey(email));
    const base = { target: { type: 'user', ...(user === null ? { name: email.trim().slice(0, 256) } : { id: user.id, name: user.email }) }, details: { org: org.name, orgId: org.id, role } };
    await this.mayManage(actor, actorRole, role, audit, { event: 'org.member_added', ...base });
    if (user === null) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}; an operator creates users (coverwatch-server admin create-user)`);
    if (options.upsert !== true || (await this.members.roleOf(org.id, user.id)) === null) await this.needsPasskey(user, role, audit, { event: 'org.member_added', ...base });
    const r = await this.members.add(org.id, user.id, role);
    if (r.outcome === 'exists') {
      if (options.upsert === true) return this.changeRole(actor, orgName, user.id, role, audit);
      await audit.record({ event: 'org.member_added', outcome: 'denied', ...base, details: { ...base.details, reason: 'already_member' } });
      throw new AppError('CW_ERR_ORG_MEMBER_EXISTS', `${user.email} is already a member of ${org.name} (${r.before ?? 'unknown role'}); change the role instead`);
    }
    await audit.record({ event: 'org.member_added', ...base });
    return { org: org.name, userId: user.id, email: user.email, role, state: 'added' as const };
  }

  /** Changes a member's role; the last owner cannot be demoted, and an admin can neither make nor change an owner. */
  async changeRole(actor: OrgActor, orgName: string, userId: string, role: OrgRole, audit: AuditRecorder) {
    const { org, actorRole } = await this.visibleOrg(actor, orgName);
    const user = await this.members.userById(userId);
    const event = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
      event: 'org.member_role_changed',
      outcome,
      target: { type: 'user', id: userId, ...(user === null ? {} : { name: user.email }) },
      details: { org: org.name, orgId: org.id, ...details },
    });
    await this.mayManage(actor, actorRole, role, audit, event('denied', { newRole: role }));
    if (user !== null) {
      const before = await this.members.roleOf(org.id, userId);
      if (before !== null && before !== role) await this.needsPasskey(user, role, audit, event('denied', { role: before, newRole: role }));
    }
    const r = await this.members.setRole(org.id, userId, role, (before) => !(actor.type === 'user' && actorRole === 'admin' && before === 'owner'));
    if (r === 'refused') {
      await audit.record(event('denied', { role: 'owner', newRole: role, reason: 'admin_cannot_change_owner' }));
      throw new AppError('CW_ERR_ORG_FORBIDDEN', 'an admin cannot change the role of an owner');
    }
    if (r.outcome === 'not_member' || user === null) throw new AppError('CW_ERR_ORG_MEMBER_NOT_FOUND', `no member ${userId} in ${org.name}`);
    if (r.outcome === 'last_owner') {
      await audit.record(event('denied', { role: r.before, newRole: role, reason: 'last_owner' }));
      throw new AppError('CW_ERR_ORG_LAST_OWNER', `${user.email} is the last owner of ${org.name}: make another member owner first`);
    }
    if (r.outcome === 'changed') await audit.record(event('success', { role: r.before, newRole: role }));
    return { org: org.name, userId, email: user.email, role, state: r.outcome === 'changed' ? ('changed' as const) : ('unchanged' as const) };
  }

  /** Removes a member (by user id); the last owner cannot be removed, and an admin cannot remove an owner. */
  async removeMember(actor: OrgActor, orgName: string, userId: string, audit: AuditRecorder) {
    const { org, actorRole } = await this.visibleOrg(actor, orgName);
    const user = await this.members.userById(userId);
    const event = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
      event: 'org.member_removed',
      outcome,
      target: { type: 'user', id: userId, ...(user === null ? {} : { name: user.email }) },
      details: { org: org.name, orgId: org.id, ...details },
    });
    await this.mayManage(actor, actorRole, null, audit, event('denied', {}));
    const r = await this.members.setRole(org.id, userId, null, (before) => !(actor.type === 'user' && actorRole === 'admin' && before === 'owner'));
    if (r === 'refused') {
      await audit.record(event('denied', { role: 'owner', reason: 'admin_cannot_change_owner' }));
      throw new AppError('CW_ERR_ORG_FORBIDDEN', 'an admin cannot remove an owner');
    }
    if (r.outcome === 'not_member' || user === null) throw new AppError('CW_ERR_ORG_MEMBER_NOT_FOUND', `no member ${userId} in ${org.name}`);
    if (r.outcome === 'last_owner') {
      await audit.record(event('denied', { role: r.before, reason: 'last_owner' }));
      throw new AppError('CW_ERR_ORG_LAST_OWNER', `${user.email} is the last owner of ${org.name}: make another member owner first`);
    }
    await audit.record(event('success', { role: r.before }));
    return { org: org.name, userId, email: user.email, role: null, state: 'removed' as const };
  }

  /** Operator: removes a member by email. */
  async removeMemberByEmail(orgName: string, email: string, audit: AuditRecorder) {
    const user = await this.members.userByEmailKey(emailKey(email));
    if (user === null) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}`);
    return this.removeMember({ type: 'operator' }, orgName, user.id, audit);
  }

  /** Operator: makes a repository public (every signed-in user reads it) or private (members and grant holders only). */
  async setVisibility(owner: string, name: string, visibility: Visibility, audit: AuditRecorder) {
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    if (repo.visibility !== visibility) {
      await this.repos.setVisibility(repo.id, visibility);
      await audit.record({ event: 'repo.visibility_changed', target: { type: 'repository', id: repo.id, name: repo.fullName }, details: { before: repo.visibility, after: visibility } });
    }
    return { repository: repo.fullName, visibility, state: repo.visibility === visibility ? ('unchanged' as const) : ('changed' as const) };
  }

  /** Operator: grants a user (by email) read or write on one repository, or (`null`) removes the grant. */
  async setGrant(owner: string, name: string, email: string, role: GrantRole | null, audit: AuditRecorder) {
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const user = await this.members.userByEmailKey(emailKey(email));
    if (user === null) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}`);
    const target = { type: 'user', id: user.id, name: user.email };
    if (role === null) {
      const removed = await this.members.revokeGrant(repo.id, user.id);
      if (removed) await audit.record({ event: 'repo.grant_removed', target, details: { repository: repo.fullName, repositoryId: repo.id } });
      return { repository: repo.fullName, userId: user.id, email: user.email, role: null, state: removed ? ('removed' as const) : ('unchanged' as const) };
    }
    const before = await this.members.grant(repo.id, user.id, role);
    if (before !== role) await audit.record({ event: 'repo.grant_changed', target, details: { repository: repo.fullName, repositoryId: repo.id, role: before, newRole: role } });
    return { repository: repo.fullName, userId: user.id, email: user.email, role, state: before === role ? ('unchanged' as const) : ('granted' as const) };
  }

  /**
   * Owners and admins must hold a WebAuthn credential (issue 5): phishing-resistant sign-in for the
   * accounts that can change who has access. Granting either role to a user without one is refused
   * (and audited); existing owners and admins without one are listed (`admin list-members`), never
   * silently demoted.
   */
  private async needsPasskey(user: { id: string; email: string }, role: OrgRole, audit: AuditRecorder, denied: AuditEvent): Promise<void> {
    if (!MANAGERS.has(role) || (await this.members.hasPasskey(user.id))) return;
    await audit.record({ ...denied, outcome: 'denied', details: { ...denied.details, reason: 'no_passkey' } });
    throw new AppError('CW_ERR_ORG_ROLE_NEEDS_PASSKEY', `${user.email} has no passkey or security key: owners and admins must hold one; they register one first (POST /api/v1/me/mfa/webauthn/register/options)`);
  }

  /** Operator: every member, and the owners and admins who hold no WebAuthn credential (they keep their role until someone acts). */
  async listMembersForOperator(orgName: string) {
    const { org } = await this.visibleOrg({ type: 'operator' }, orgName);
    const members = (await this.members.listMembers(org.id)).map((m) => ({ userId: m.userId, email: m.email, role: m.role, memberSince: m.createdAt, passkey: m.passkey }));
    return { org: org.name, members, lackingPasskey: members.filter((m) => MANAGERS.has(m.role) && !m.passkey).map((m) => ({ userId: m.userId, email: m.email, role: m.role })) };
  }

  /**
   * The organization and the actor's role in it. A user who is not a member gets exactly what a
   * missing organization gives (no existence oracle); the operator sees every organization.
   */
  private async visibleOrg(actor: OrgActor, orgName: string): Promise<{ org: OrgRow; actorRole: OrgRole | null }> {
    const org = await this.orgs.findByName(orgName);
    const actorRole = org === null || actor.type === 'operator' ? null : await this.members.roleOf(org.id, actor.userId);
    if (org === null || (actor.type === 'user' && actorRole === null)) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${orgName}`);
    return { org, actorRole };
  }

  /** Refuses (and audits) a change the actor's role does not allow: only owners and admins manage members, only owners make owners. */
  private async mayManage(actor: OrgActor, actorRole: OrgRole | null, newRole: OrgRole | null, audit: AuditRecorder, denied: AuditEvent): Promise<void> {
    if (actor.type === 'operator') return;
    let reason: string | null = null;
    if (actorRole === null || !MANAGERS.has(actorRole)) reason = 'role_cannot_manage_members';
    else if (actorRole === 'admin' && newRole === 'owner') reason = 'admin_cannot_make_owner';
    if (reason === null) return;
    await audit.record({ ...denied, outcome: 'denied', details: { ...denied.details, actorRole, reason } });
    throw new AppError(
      'CW_ERR_ORG_FORBIDDEN',
      reason === 'admin_cannot_make_owner' ? 'only an owner can make a member owner' : `your role (${actorRole ?? 'none'}) cannot change the members of this organization: owners and admins can`,
    );
  }
}
