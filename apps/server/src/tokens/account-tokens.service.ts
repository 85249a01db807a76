import type { AuditRecorder } from '../audit/audit-log.js';
import { tokenHashPrefix } from '../audit/chain.js';
import { AppError } from '../errors/app-error.js';
import type { MembershipsRepository, OrgRole } from '../orgs/memberships.repository.js';
import type { OrgsRepository, OrgRow } from '../orgs/orgs.repository.js';
import { repoNotFound } from '../repos/repo-access.policy.js';
import type { ReposRepository } from '../repos/repos.repository.js';
import { displayToken, generateToken, hashToken, type AccountTokenKind } from './token-format.js';
import type { AccountTokenListing, TokensRepository } from './tokens.repository.js';

/** Expiry of every token kind: mandatory, 90 days unless chosen otherwise, at most a year (as `admin create-upload-token`). */
export const DEFAULT_ACCOUNT_TOKEN_DAYS = 90;
export const MAX_ACCOUNT_TOKEN_DAYS = 365;
const DAY_MS = 86_400_000;

/** Who creates an organization upload token: the operator, or a signed-in owner or admin of the organization. */
export type TokenActor = { readonly type: 'operator' } | { readonly type: 'user'; readonly userId: string };

const MANAGERS: ReadonlySet<OrgRole> = new Set(['owner', 'admin']);

/**
 * Personal API tokens (a user's own, acting as them within a scope) and organization upload tokens
 * (uploads to any repository of one organization). Transport-neutral: throws catalogued AppErrors.
 * Tokens are returned once, at creation; only their SHA-256 is stored. Audit events reuse the names
 * of repository tokens (`token.created`, `token.revoked`), with `details.kind` telling them apart and
 * the first 16 hex digits of the token's SHA-256 (`details.tokenHash`), never the token.
 */
export class AccountTokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly repos: ReposRepository,
    private readonly orgs: OrgsRepository,
    private readonly members: MembershipsRepository,
  ) {}

  /**
   * A personal token for `userId`. Its scope is checked against what the user may read now: each
   * chosen repository must be readable by them (else the answer of a repository that does not
   * exist), an organization scope needs their membership (else that of an organization that does
   * not exist). The token never reads more than its user at the time of a request anyway.
   */
  async createPersonal(
    userId: string,
    request: { access: 'read' | 'read-write'; repositories?: readonly string[]; org?: string; expiresDays?: number },
    audit: AuditRecorder,
  ) {
    const expiresAt = expiryOf(request.expiresDays);
    const live = await this.members.readScope(userId);
    let org: OrgRow | null = null;
    const repositoryIds: string[] = [];
    const repositories: string[] = [];
    if (request.org !== undefined) {
      org = await this.orgs.findByName(request.org);
      if (org === null || !live.orgIds.includes(org.id)) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${request.org}`);
    } else {
      for (const fullName of new Set(request.repositories ?? [])) {
        const cut = fullName.indexOf('/');
        const owner = fullName.slice(0, cut);
        const name = fullName.slice(cut + 1);
        const repo = await this.repos.findByFullName(owner, name);
        const readable = repo !== null && (live.repoIds.includes(repo.id) || live.orgIds.includes(repo.orgId) || repo.visibility === 'public');
        if (!readable) throw repoNotFound(owner, name);
        repositoryIds.push(repo.id);
        repositories.push(repo.fullName);
      }
    }
    const token = generateToken('personal');
    const display = displayToken(token);
    const id = await this.tokens.insertAccountToken({ kind: 'personal', tokenHash: hashToken(token), display, userId, orgId: org?.id ?? null, access: request.access, createdBy: userId, expiresAt, repositoryIds });
    await audit.record({
      event: 'token.created',
      target: { type: 'token', id },
      details: { kind: 'personal', access: request.access, ...(org !== null ? { org: org.name, orgId: org.id } : { repositories }), tokenHash: tokenHashPrefix(token), expiresAt },
    });
    return { id, kind: 'personal' as const, token, display, access: request.access, org: org?.name ?? null, repositories, createdAt: new Date().toISOString(), expiresAt, revokedAt: null, lastUse: null };
  }

  /** The user's personal tokens (display form, scope, dates, last use), newest first. */
  async listPersonal(userId: string): Promise<{ tokens: AccountTokenListing[] }> {
    return { tokens: await this.tokens.listPersonal(userId) };
  }

  /**
   * Rotates one of the user's personal tokens: a new token with the same access and scope first,
   * then the old one expires `overlapHours` from now (not later than it would have), so whatever
   * uses it can switch without a gap. Anyone else's token, or a revoked one, is "not found".
   */
  async rotatePersonal(userId: string, tokenId: string, request: { overlapHours: number; expiresDays?: number | undefined }, audit: AuditRecorder) {
    const t = await this.tokens.findAccountToken(tokenId);
    const scope = t === null ? null : await this.tokens.accountTokenScope(t.id);
    if (t === null || scope === null || t.kind !== 'personal' || t.userId !== userId || t.revokedAt !== null || Date.parse(scope.expiresAt) <= Date.now()) {
      throw new AppError('CW_ERR_TOKEN_NOT_FOUND', `no live token ${tokenId}`);
    }
    const expiresAt = expiryOf(request.expiresDays);
    const token = generateToken('personal');
    const display = displayToken(token);
    const access = scope.access === 'upload' ? 'read' : scope.access;
    const id = await this.tokens.insertAccountToken({ kind: 'personal', tokenHash: hashToken(token), display, userId, orgId: scope.orgId, access, createdBy: userId, expiresAt, repositoryIds: scope.repositoryIds });
    const oldValidUntil = new Date(Math.min(Date.parse(scope.expiresAt), Date.now() + request.overlapHours * 3_600_000)).toISOString();
    await this.tokens.shortenAccountToken(t.id, oldValidUntil);
    await audit.record({ event: 'token.rotated', target: { type: 'token', id: t.id }, details: { kind: 'personal', replacedBy: id, oldValidUntil, tokenHash: tokenHashPrefix(token), expiresAt } });
    const listed = (await this.tokens.listPersonal(userId)).find((x) => x.id === id)!;
    return { ...listed, token, replaces: t.id, oldValidUntil };
  }

  /** Revokes one of the user's personal tokens; anyone else's (or none) is "not found". */
  async revokePersonal(userId: string, tokenId: string, audit: AuditRecorder): Promise<{ id: string; state: 'revoked' | 'already_revoked' }> {
    const t = await this.tokens.findAccountToken(tokenId);
    if (t === null || t.kind !== 'personal' || t.userId !== userId) throw new AppError('CW_ERR_TOKEN_NOT_FOUND', `no token ${tokenId}`);
    const revoked = await this.tokens.revokeAccountToken(t.id, 'revoked by its user');
    if (revoked) await audit.record({ event: 'token.revoked', target: { type: 'token', id: t.id }, details: { kind: 'personal', reason: 'revoked by its user' } });
    return { id: t.id, state: revoked ? 'revoked' : 'already_revoked' };
  }

  /** An organization upload token: by the operator, or an owner or admin of the organization (refusals audit-logged). */
  async createOrgUpload(actor: TokenActor, orgName: string, expiresDays: number | undefined, audit: AuditRecorder) {
    const org = await this.managedOrg(actor, orgName, audit, 'token.created');
    const expiresAt = expiryOf(expiresDays);
    const token = generateToken('org_upload');
    const display = displayToken(token);
    const id = await this.tokens.insertAccountToken({
      kind: 'org_upload',
      tokenHash: hashToken(token),
      display,
      userId: null,
      orgId: org.id,
      access: 'upload',
      createdBy: actor.type === 'user' ? actor.userId : null,
      expiresAt,
      repositoryIds: [],
    });
    await audit.record({ event: 'token.created', target: { type: 'token', id }, details: { kind: 'org_upload', org: org.name, orgId: org.id, tokenHash: tokenHashPrefix(token), expiresAt } });
    return { id, kind: 'org_upload' as const, token, display, access: 'upload' as const, org: org.name, repositories: [], createdAt: new Date().toISOString(), expiresAt, revokedAt: null, lastUse: null };
  }

  /** Revokes one of the organization's upload tokens (owners and admins); any other id is "not found". */
  async revokeOrgUpload(actor: TokenActor, orgName: string, tokenId: string, audit: AuditRecorder): Promise<{ id: string; state: 'revoked' | 'already_revoked' }> {
    const org = await this.managedOrg(actor, orgName, audit, 'token.revoked');
    const t = await this.tokens.findAccountToken(tokenId);
    if (t === null || t.kind !== 'org_upload' || t.orgId !== org.id) throw new AppError('CW_ERR_TOKEN_NOT_FOUND', `no token ${tokenId}`);
    const revoked = await this.tokens.revokeAccountToken(t.id, 'revoked by an organization owner or admin');
    if (revoked) await audit.record({ event: 'token.revoked', target: { type: 'token', id: t.id }, details: { kind: 'org_upload', org: org.name, orgId: org.id, reason: 'revoked by an organization owner or admin' } });
    return { id: t.id, state: revoked ? 'revoked' : 'already_revoked' };
  }

  /** The organization's live tokens expiring within `withinDays` (owners and admins; the operator). */
  async listExpiring(actor: TokenActor, orgName: string, withinDays: number) {
    const org = await this.managedOrg(actor, orgName, null, null);
    const now = new Date();
    const tokens = await this.tokens.listExpiringOfOrg(org.id, now.toISOString(), new Date(now.getTime() + withinDays * DAY_MS).toISOString());
    return { org: org.name, withinDays, tokens };
  }

  /**
   * The organization, if the actor manages it: a non-member gets the answer of an organization that
   * does not exist, a member or viewer 403 CW_ERR_ORG_FORBIDDEN (as for membership changes).
   */
  private async managedOrg(actor: TokenActor, orgName: string, audit: AuditRecorder | null, event: string | null): Promise<OrgRow> {
    const org = await this.orgs.findByName(orgName);
    if (org === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${orgName}`);
    if (actor.type === 'operator') return org;
    const role = await this.members.roleOf(org.id, actor.userId);
    if (role === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${orgName}`);
    if (!MANAGERS.has(role)) {
      if (audit !== null && event !== null) {
        await audit.record({ event, outcome: 'denied', target: { type: 'organization', id: org.id, name: org.name }, details: { kind: 'org_upload' satisfies AccountTokenKind, org: org.name, orgId: org.id, actorRole: role, reason: 'role_cannot_manage_tokens' } });
      }
      throw new AppError('CW_ERR_ORG_FORBIDDEN', `your role (${role}) cannot manage the tokens of this organization: owners and admins can`);
    }
    return org;
  }
}

function expiryOf(days: number | undefined): string {
  const d = days ?? DEFAULT_ACCOUNT_TOKEN_DAYS;
  if (!Number.isInteger(d) || d < 1 || d > MAX_ACCOUNT_TOKEN_DAYS) throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: expiresDays must be a whole number from 1 to ${MAX_ACCOUNT_TOKEN_DAYS}`);
  return new Date(Date.now() + d * DAY_MS).toISOString();
}
