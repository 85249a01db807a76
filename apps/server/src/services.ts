import { AccountsService } from './accounts/accounts.service.js';
import { PasswordHasher, type ScryptFn, type ScryptParams } from './accounts/password-hasher.js';
import { SignInThrottle, type ThrottleRule } from './accounts/sign-in-throttle.js';
import { ThrottleStore } from './throttle/throttle-store.js';
import { SsoService } from './sso/sso.service.js';
import { AdminService } from './admin/admin.service.js';
import { createAlerting } from './alerts/alerting.js';
import { AuditLog, operatorContext } from './audit/audit-log.js';
import { AuthRejectionAudit, registerRejectionAudit } from './audit/auth-rejections.js';
import { AuditCheckpoints, parseSigningKey } from './audit/checkpoints.js';
import { TokenAuthService } from './auth/token-auth.service.js';
import type { BlobStore } from './blobs/blob-store.js';
import { BranchesRepository } from './branches/branches.repository.js';
import { CommitReportsService } from './commits/commit-reports.service.js';
import { ManifestStore } from './reports/manifest-store.js';
import { ReportStore } from './reports/report-store.js';
import { CommitsRepository } from './commits/commits.repository.js';
import { CommitsService } from './commits/commits.service.js';
import type { Config } from './config/config.schema.js';
import type { Db } from './db/database.js';
import { resolveMfaKey } from './mfa/mfa-key.js';
import { MfaRepository } from './mfa/mfa.repository.js';
import { MfaService } from './mfa/mfa.service.js';
import { MfaThrottle } from './mfa/mfa-throttle.js';
import { OidcAuthService } from './oidc/oidc-auth.service.js';
import { JwksSource } from './oidc/oidc-jwks.js';
import { OidcTokenUsesRepository } from './oidc/oidc-token-uses.repository.js';
import { OidcVerifier } from './oidc/oidc-verifier.js';
import { RepositoryLinksRepository } from './oidc/repository-links.repository.js';
import { MembershipsRepository } from './orgs/memberships.repository.js';
import { OrgsRepository } from './orgs/orgs.repository.js';
import { OrgsService } from './orgs/orgs.service.js';
import { RepoSettingsService } from './repos/repo-settings.service.js';
import { PullRequestsRepository } from './pulls/pull-requests.repository.js';
import type { JobQueue } from './queue/job-queue.js';
import { RepoAccessPolicy } from './repos/repo-access.policy.js';
import { ReposRepository } from './repos/repos.repository.js';
import { ReposService } from './repos/repos.service.js';
import { RawUploadRetention } from './retention/raw-upload-retention.js';
import { SessionsService } from './sessions/sessions.service.js';
import { TokensRepository } from './tokens/tokens.repository.js';
import { tokenUseTracker } from './tokens/token-use-tracker.js';
import { LeakedTokensService } from './tokens/leaked-tokens.service.js';
import { AccountTokensService } from './tokens/account-tokens.service.js';
import { UploadProcessor } from './uploads/upload-processor.js';
import { StalledUploads } from './uploads/stalled-uploads.js';
import { UploadsRepository } from './uploads/uploads.repository.js';
import { UploadsService } from './uploads/uploads.service.js';

/** The storage every process needs: injected, so tests and later backends (PostgreSQL, S3, pg-boss) swap it. */
export interface Storage {
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
}

export type Services = ReturnType<typeof createServices>;

/** Test seams of accounts: a clock, scrypt's cost and function (tests count derivations, or make them cheap), throttle rules. */
export interface AccountsOptions {
  readonly now?: () => Date;
  readonly scrypt?: ScryptParams;
  readonly kdf?: ScryptFn;
  readonly throttleRules?: { pair: ThrottleRule; account: ThrottleRule; ip: ThrottleRule };
  /** The second-factor throttle's rule (mfa/mfa-throttle.ts). */
  readonly mfaThrottleRule?: ThrottleRule;
}

/** Wires repositories into services. Each service gets only the repositories it needs. */
export function createServices(config: Config, storage: Storage, accountsOptions: AccountsOptions = {}) {
  const { db, blobs, queue } = storage;
  const orgs = new OrgsRepository(db);
  const repos = new ReposRepository(db);
  const tokens = new TokensRepository(db);
  const commits = new CommitsRepository(db);
  const uploads = new UploadsRepository(db);
  const branches = new BranchesRepository(db);
  const pullRequests = new PullRequestsRepository(db);
  const links = new RepositoryLinksRepository(db);
  const tokenUses = new OidcTokenUsesRepository(db);
  const memberships = new MembershipsRepository(db);
  const access = new RepoAccessPolicy(repos);
  const commitReports = new CommitReportsService(commits, uploads, branches, new ReportStore(blobs, new ManifestStore(blobs)));
  const audit = new AuditLog(db);
  // Personal tokens act as their user: what the user may read is loaded for each request (a disabled user's tokens fail).
  const auth = new TokenAuthService(tokens, tokenUseTracker(tokens, audit), (userId) => memberships.liveReadScope(userId));
  registerRejectionAudit(auth, new AuthRejectionAudit(audit));
  const now = accountsOptions.now ?? (() => new Date());
  const sessions = new SessionsService(db, audit, config.sessions, now);
  const throttles = new ThrottleStore(db);
  const accounts = new AccountsService(db, new PasswordHasher(accountsOptions.scrypt, accountsOptions.kdf), sessions, new SignInThrottle(throttles, () => now().getTime(), accountsOptions.throttleRules), audit, now);
  const mfa = new MfaService(new MfaRepository(db), sessions, new MfaThrottle(throttles, () => now().getTime(), accountsOptions.mfaThrottleRule), audit, {
    // Resolved on first use, so processes that never touch TOTP (workers, admin commands) create no key file.
    key: () => resolveMfaKey(config),
    publicUrl: config.publicUrl,
    now,
  });
  return {
    auth,
    oidcAuth: new OidcAuthService(new OidcVerifier({ publicUrl: config.publicUrl, ...config.oidc }, new JwksSource()), links, tokenUses),
    // Admin actions come from the command line today: the operator is the OS account.
    admin: new AdminService(orgs, repos, tokens, links, config.oidc.issuers, audit.as(operatorContext)),
    uploads: new UploadsService(db, uploads, commits, repos, blobs, queue, config.worker.maxAttempts, pullRequests, tokenUses, tokens, memberships, access, audit),
    repos: new ReposService(repos, access, branches, pullRequests),
    /** Organizations, members and roles, repository visibility and grants (orgs/). */
    orgs: new OrgsService(orgs, repos, memberships),
    /** A repository's settings for signed-in users (repos/repo-settings.service.ts). */
    repoSettings: new RepoSettingsService(repos, memberships),
    orgsRepository: orgs,
    memberships,
    commits: new CommitsService(access, commits, uploads, commitReports),
    stalledUploads: new StalledUploads(uploads, commitReports),
    uploadProcessor: new UploadProcessor(uploads, blobs, commitReports, config.upload.maxDecompressedBytes, repos),
    retention: new RawUploadRetention(db, blobs, config.retention.rawUploadDays),
    leakedTokens: new LeakedTokensService(tokens, audit),
    /** Personal API tokens and organization upload tokens (tokens/account-tokens.service.ts). */
    accountTokens: new AccountTokensService(tokens, repos, orgs, memberships),
    audit,
    /** Anomaly detection: stored alerts, the rule evaluator and delivery (alerts/). */
    alerts: createAlerting(config.alerts, db, audit),
    sessions,
    accounts,
    mfa,
    sso: new SsoService(db, config, sessions, audit, throttles, now),
    /** Null without audit.signingKey: no checkpoints are signed. */
    auditCheckpoints: config.audit.signingKey === undefined ? null : new AuditCheckpoints(audit.repository, parseSigningKey(config.audit.signingKey), config.audit),
  };
}
