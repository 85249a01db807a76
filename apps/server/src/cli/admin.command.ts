import { operatorContext } from '../audit/audit-log.js';
import { createServices } from '../services.js';
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import { DEFAULT_TOKEN_DAYS, splitFullName } from '../admin/admin.service.js';
import { GRANT_ROLES, ORG_ROLES } from '../orgs/memberships.repository.js';
import { openRuntime } from '../runtime.js';
import type { CliIo } from './cli-io.js';

export const ADMIN_USAGE = `coverwatch-server admin <command> [--json] [--data-dir DIR]
  create-org NAME                    create an organization
  create-repo OWNER/NAME             create a repository
  create-upload-token OWNER/NAME     create an upload token (write-only, one repository); printed once
  create-read-token OWNER/NAME       create a read token (read-only, one repository); printed once
  create-org-upload-token ORG        create an organization upload token (uploads to any repository of ORG,
                                     write-only; the upload names its repository); printed once
                                     all three: [--expires-days N] (default 90, at most 365)
  list-tokens OWNER/NAME [--expiring-within-days N]
                                     the repository's tokens: id, cw_up_…last4, expiry, last use (never the token)
  rotate-token TOKEN-ID [--overlap-hours H] [--expires-days N]
                                     a new token now; the old one stays valid H hours more (default 24)
  revoke-token TOKEN-ID              revoke a token at once
  link-repo OWNER/NAME --issuer URL --repository-id N --owner-id M
                                     let CI OIDC ID tokens of that CI repository upload (no stored secret);
                                     GitHub: gh api repos/OWNER/NAME --jq '.id, .owner.id'
                                     GitLab: the project id and its namespace id
  set-paths OWNER/NAME [--fix BEFORE::AFTER ...] [--ignore GLOB ...]
                                     replace the repository's path fixes and ignore globs (docs/paths.md);
                                     none given: clear them. Applies to uploads processed from now on
  set-protected-branches OWNER/NAME [--branch NAME|PATTERN ...]
                                     branches forks never write (\`release/*\`: one segment, \`**\`: any);
                                     none given: the defaults (the default branch, else main and master)
  prune-raw-uploads                  delete raw uploads older than retention.rawUploadDays now
                                     (workers also do it every retention.sweepIntervalMinutes)
  list-alerts                        the 100 newest alerts of the anomaly rules (docs/security.md#anomaly-detection-and-alerts)
  create-user EMAIL                  create a user; prints a one-time set-password token (24 h) to hand over
                                     (there is no self-service sign-up yet: docs/security.md#accounts-and-sessions)
  reset-password EMAIL               a new one-time set-password token for the user (earlier ones stop working)
  disable-user EMAIL                 the user cannot sign in; every session of theirs ends at once
  enable-user EMAIL                  the user can sign in again
  add-member ORG EMAIL --role R      make a user a member of an organization with role owner, admin, member
                                     or viewer (an existing member gets the role)
  remove-member ORG EMAIL            remove a member (the last owner cannot be removed)
  list-members ORG                   members and roles; names owners and admins without a passkey
                                     (they must hold one: granting either role without one is refused)
  set-visibility OWNER/NAME public|private
                                     public: every signed-in user reads it; private (the default): members
                                     of its organization and holders of a grant only
  grant OWNER/NAME EMAIL --role read|write
                                     give one user access to one repository
  revoke-grant OWNER/NAME EMAIL      remove that access`;

/** Options of admin subcommands; run.ts parses them with the global ones and refuses them elsewhere. */
export const ADMIN_OPTIONS = {
  issuer: { type: 'string' },
  'repository-id': { type: 'string' },
  'owner-id': { type: 'string' },
  fix: { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  'expires-days': { type: 'string' },
  'overlap-hours': { type: 'string' },
  'expiring-within-days': { type: 'string' },
  role: { type: 'string' },
  branch: { type: 'string', multiple: true },
} as const;

export type AdminFlags = {
  readonly issuer?: string | undefined;
  readonly 'repository-id'?: string | undefined;
  readonly 'owner-id'?: string | undefined;
  readonly fix?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly 'expires-days'?: string | undefined;
  readonly 'overlap-hours'?: string | undefined;
  readonly 'expiring-within-days'?: string | undefined;
  readonly role?: string | undefined;
  readonly branch?: readonly string[] | undefined;
};

/** Each subcommand: whether it takes OWNER/NAME (or NAME), which options it accepts and which it needs. */
const SUBCOMMANDS: Readonly<Record<string, { target: boolean; args?: number; options: readonly (keyof AdminFlags)[]; required?: readonly (keyof AdminFlags)[] }>> = {
  'create-org': { target: true, options: [] },
  'create-repo': { target: true, options: [] },
  'create-upload-token': { target: true, options: ['expires-days'] },
  'create-read-token': { target: true, options: ['expires-days'] },
  'create-org-upload-token': { target: true, options: ['expires-days'] },
  'list-tokens': { target: true, options: ['expiring-within-days'] },
  'rotate-token': { target: true, options: ['overlap-hours', 'expires-days'] },
  'revoke-token': { target: true, options: [] },
  'link-repo': { target: true, options: ['issuer', 'repository-id', 'owner-id'], required: ['issuer', 'repository-id', 'owner-id'] },
  'set-paths': { target: true, options: ['fix', 'ignore'] },
  'set-protected-branches': { target: true, options: ['branch'] },
  'prune-raw-uploads': { target: false, options: [] },
  'list-alerts': { target: false, options: [] },
  'create-user': { target: true, options: [] },
  'reset-password': { target: true, options: [] },
  'disable-user': { target: true, options: [] },
  'enable-user': { target: true, options: [] },
  'add-member': { target: true, args: 2, options: ['role'], required: ['role'] },
  'remove-member': { target: true, args: 2, options: [] },
  'list-members': { target: true, options: [] },
  'set-visibility': { target: true, args: 2, options: [] },
  grant: { target: true, args: 2, options: ['role'], required: ['role'] },
  'revoke-grant': { target: true, args: 2, options: [] },
};

/**
 * `coverwatch-server admin ...`: works beside a running server on the same data directory (SQLite
 * in WAL mode; writers wait for each other).
 */
export async function adminCommand(config: Config, args: readonly string[], json: boolean, io: CliIo, flags: AdminFlags = {}): Promise<number> {
  const [sub, ...positionals] = args;
  const spec = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (spec === undefined) throw new AppError('CW_ERR_CLI_USAGE', sub === undefined ? `usage:\n${ADMIN_USAGE}` : `unknown admin command ${JSON.stringify(sub)}; usage:\n${ADMIN_USAGE}`);
  const argc = spec.args ?? (spec.target ? 1 : 0);
  if (positionals.length !== argc) throw new AppError('CW_ERR_CLI_USAGE', `admin ${sub} takes ${['no argument', 'one argument', 'two arguments'][argc]}; usage:\n${ADMIN_USAGE}`);
  const target = positionals[0] ?? '';
  const given = (Object.keys(ADMIN_OPTIONS) as (keyof AdminFlags)[]).filter((k) => flags[k] !== undefined);
  const foreign = given.find((k) => !spec.options.includes(k));
  if (foreign !== undefined) {
    const owners = Object.entries(SUBCOMMANDS).filter(([, s]) => s.options.includes(foreign)).map(([n]) => `admin ${n}`);
    throw new AppError('CW_ERR_CLI_USAGE', `--${foreign} is an option of ${owners.join(', ')} only; usage:\n${ADMIN_USAGE}`);
  }
  const missing = (spec.required ?? []).filter((k) => flags[k] === undefined);
  if (missing.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `admin ${sub} needs ${missing.map((m) => `--${m}`).join(', ')}; usage:\n${ADMIN_USAGE}`);
  const runtime = await openRuntime(config);
  try {
    const { admin } = createServices(config, runtime);
    const print = (value: object, human: string) => io.stdout.write(json ? JSON.stringify(value) + '\n' : human + '\n');
    switch (sub) {
      case 'create-org': {
        const org = await admin.createOrg(target);
        print({ id: org.id, name: org.name }, `created organization ${org.name}`);
        return 0;
      }
      case 'create-repo': {
        const repo = await admin.createRepo(target);
        print({ id: repo.id, name: repo.fullName }, `created repository ${repo.fullName}`);
        return 0;
      }
      case 'create-org-upload-token': {
        const services = createServices(config, runtime);
        const t = await services.accountTokens.createOrgUpload({ type: 'operator' }, target, wholeNumber(flags['expires-days'], '--expires-days') ?? DEFAULT_TOKEN_DAYS, services.audit.as(operatorContext));
        print(
          { id: t.id, kind: t.kind, org: t.org, token: t.token, expiresAt: t.expiresAt },
          `organization upload token for ${t.org}, valid until ${t.expiresAt} (shown once; store it as a secret, e.g. COVERWATCH_TOKEN in CI, and upload with --slug OWNER/NAME):\n${t.token}`,
        );
        return 0;
      }
      case 'create-upload-token':
      case 'create-read-token': {
        const t = await admin.createToken(sub === 'create-upload-token' ? 'upload' : 'read', target, wholeNumber(flags['expires-days'], '--expires-days') ?? DEFAULT_TOKEN_DAYS);
        print(
          { id: t.id, kind: t.kind, repository: t.repository, token: t.token, expiresAt: t.expiresAt },
          `${t.kind} token for ${t.repository}, valid until ${t.expiresAt} (shown once; store it as a secret, e.g. COVERWATCH_TOKEN in CI):\n${t.token}`,
        );
        return 0;
      }
      case 'list-tokens': {
        const l = await admin.listTokens(target, wholeNumber(flags['expiring-within-days'], '--expiring-within-days'));
        const state = (t: (typeof l.tokens)[number]) => (t.revokedAt !== null ? `revoked ${t.revokedAt}` : t.expiresAt <= new Date().toISOString() ? `expired ${t.expiresAt}` : `expires ${t.expiresAt}`);
        const use = (t: (typeof l.tokens)[number]) => (t.lastUse === null ? 'never used' : `last used ${t.lastUse.at} from ${t.lastUse.ip ?? '?'}${t.lastUse.ciProvider ? ` (${t.lastUse.ciProvider})` : ''}`);
        print(l, l.tokens.length === 0 ? `${l.repository}: no tokens` : l.tokens.map((t) => `${t.id}  ${t.display}  ${t.kind}  ${state(t)}  ${use(t)}`).join('\n'));
        return 0;
      }
      case 'rotate-token': {
        const overlap = wholeNumber(flags['overlap-hours'], '--overlap-hours') ?? 24;
        const t = await admin.rotateToken(target, overlap, wholeNumber(flags['expires-days'], '--expires-days') ?? DEFAULT_TOKEN_DAYS);
        print(t, `new ${t.kind} token for ${t.repository}, valid until ${t.expiresAt}; the old one (${t.replaces}) stays valid until ${t.oldValidUntil} (shown once):\n${t.token}`);
        return 0;
      }
      case 'revoke-token': {
        const r = await admin.revokeToken(target);
        print(r, `token ${r.id}: ${r.state}`);
        return 0;
      }
      case 'link-repo': {
        const l = await admin.linkRepo(target, { issuer: flags.issuer!, repositoryId: flags['repository-id']!, ownerId: flags['owner-id']! });
        print(
          l,
          l.state === 'unchanged'
            ? `${l.repository} is already linked to ${l.kind} repository id ${l.repositoryId} (owner id ${l.ownerId}) at ${l.issuer}`
            : `${l.state === 'created' ? 'linked' : 'updated the owner id of the link of'} ${l.repository} to ${l.kind} repository id ${l.repositoryId} (owner id ${l.ownerId}) at ${l.issuer}; its CI can now upload with OIDC ID tokens`,
        );
        return 0;
      }
      case 'set-paths': {
        const r = await admin.setPathRules(target, { fixes: flags.fix ?? [], ignore: flags.ignore ?? [] });
        const describe = (label: string, list: readonly string[]) => (list.length === 0 ? `no ${label}` : `${label}: ${list.join(', ')}`);
        print(r, `${r.repository}: ${describe('fixes', r.fixes)}; ${describe('ignore globs', r.ignore)} (for uploads processed from now on)`);
        return 0;
      }
      case 'set-protected-branches': {
        const r = await admin.setProtectedBranches(target, flags.branch ?? null);
        print(r, `${r.repository}: protected ${r.protected.join(', ') || '(nothing)'}${r.configured ? '' : ' (the defaults)'}`);
        return 0;
      }
      case 'list-alerts': {
        const { alerts } = createServices(config, runtime);
        const list = await alerts.repository.list({ limit: 100 });
        print({ alerts: list }, list.length === 0 ? 'no alerts' : list.map((a) => `${a.createdAt}  ${a.severity.padEnd(6)}  ${a.rule}  ${a.title}  (audit seq ${a.triggerSeq}, id ${a.id})`).join('\n'));
        return 0;
      }
      case 'prune-raw-uploads': {
        const { retention, audit } = createServices(config, runtime);
        const r = await retention.sweep();
        const days = config.retention.rawUploadDays;
        await audit.as(operatorContext).record({ event: 'retention.raw_uploads_pruned', details: { uploads: r.uploads, rawUploadDays: days } });
        print({ ...r, rawUploadDays: days }, days === 0 ? 'retention.rawUploadDays is 0: raw uploads are kept forever' : `deleted the raw bodies of ${r.uploads} uploads finished more than ${days} days ago`);
        return 0;
      }
      case 'create-user':
      case 'reset-password': {
        const { accounts } = createServices(config, runtime);
        const operator = createServices(config, runtime).audit.as(operatorContext);
        const r = sub === 'create-user' ? await accounts.createUser(target, operator) : await accounts.resetPasswordToken(target, operator);
        // The fragment is not sent to the server, so the token stays out of access logs when the link is opened.
        const link = config.publicUrl === undefined ? null : `${config.publicUrl.replace(/\/$/, '')}/set-password#token=${r.setPasswordToken}`;
        print(
          { userId: r.userId, setPasswordToken: r.setPasswordToken, expiresAt: r.expiresAt, link },
          `${sub === 'create-user' ? 'created user' : 'new set-password token for'} ${target.trim()}\nset-password token (shown once, valid until ${r.expiresAt}): ${r.setPasswordToken}\n` +
            (link === null ? 'the user sets a password with POST /api/v1/auth/set-password {"token","password"}' : `link: ${link}`),
        );
        return 0;
      }
      case 'disable-user':
      case 'enable-user': {
        const services = createServices(config, runtime);
        const disable = sub === 'disable-user';
        const r = await services.accounts.setDisabled(target, disable, services.audit.as(operatorContext));
        const state = disable ? 'disabled' : 'enabled';
        print({ userId: r.userId, state, changed: r.changed, sessionsEnded: r.sessionsEnded }, `${target.trim()}: ${r.changed ? state : `already ${state}`}${disable ? `; ${r.sessionsEnded} session(s) ended` : ''}`);
        return 0;
      }
      case 'add-member':
      case 'remove-member': {
        const { orgs, audit } = createServices(config, runtime);
        const operator = audit.as(operatorContext);
        const email = positionals[1]!;
        const m = sub === 'add-member' ? await orgs.addMember({ type: 'operator' }, target, email, oneOf(flags.role, ORG_ROLES, '--role'), operator, { upsert: true }) : await orgs.removeMemberByEmail(target, email, operator);
        print(m, m.state === 'removed' ? `removed ${m.email} from ${m.org}` : m.state === 'unchanged' ? `${m.email} already is ${m.role} of ${m.org}` : `${m.email} is now ${m.role} of ${m.org}`);
        return 0;
      }
      case 'list-members': {
        const { orgs } = createServices(config, runtime);
        const l = await orgs.listMembersForOperator(target);
        const lines = l.members.map((m) => `${m.role.padEnd(6)}  ${m.email}  ${m.passkey ? 'passkey' : 'no passkey'}  (${m.userId})`);
        if (l.lackingPasskey.length > 0) lines.push(`owners and admins without a passkey (they must register one; their role is kept until someone changes it): ${l.lackingPasskey.map((m) => m.email).join(', ')}`);
        print(l, l.members.length === 0 ? `${l.org}: no members` : lines.join('\n'));
        return 0;
      }
      case 'set-visibility': {
        const { orgs, audit } = createServices(config, runtime);
        const { owner, name } = splitFullName(target);
        const r = await orgs.setVisibility(owner, name, oneOf(positionals[1], ['public', 'private'] as const, 'the visibility'), audit.as(operatorContext));
        print(r, `${r.repository} is ${r.visibility}${r.state === 'unchanged' ? ' (unchanged)' : ''}`);
        return 0;
      }
      case 'grant':
      case 'revoke-grant': {
        const { orgs, audit } = createServices(config, runtime);
        const { owner, name } = splitFullName(target);
        const role = sub === 'grant' ? oneOf(flags.role, GRANT_ROLES, '--role') : null;
        const r = await orgs.setGrant(owner, name, positionals[1]!, role, audit.as(operatorContext));
        print(r, r.role === null ? `${r.email} has no grant on ${r.repository}${r.state === 'unchanged' ? ' (had none)' : ' any more'}` : `${r.email} has ${r.role} on ${r.repository}`);
        return 0;
      }
      default:
        throw new AppError('CW_ERR_CLI_USAGE', `unknown admin command ${JSON.stringify(sub)}; usage:\n${ADMIN_USAGE}`);
    }
  } finally {
    await runtime.close();
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new AppError('CW_ERR_CLI_USAGE', `${what} must be one of ${allowed.join(', ')}`);
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new AppError('CW_ERR_CLI_USAGE', `${flag} must be a whole number`);
  return Number(value);
}
