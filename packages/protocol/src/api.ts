import { z } from 'zod';

/**
 * Response bodies of the HTTP API. The server passes every response through its schema, which
 * drops undeclared fields: a column added to a table (a token hash, say) never leaks by accident.
 */

/** The error body of every non-2xx response. `fields` lists input problems by path (`commit.sha`). */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The same fields as core's `Totals` (docs/coverage-semantics.md), so CLI and server numbers compare field by field. */
export const TotalsSchema = z.object({
  files: z.number().int(),
  lines: z.number().int(),
  hits: z.number().int(),
  partials: z.number().int(),
  misses: z.number().int(),
  coverage: z.number().nullable(),
  branches: z.number().int(),
  branches_hit: z.number().int(),
  functions: z.number().int().nullable(),
  functions_hit: z.number().int().nullable(),
  statements: z.number().int().nullable(),
  statements_hit: z.number().int().nullable(),
  policy: z.literal('partials_as_hits').optional(),
});
export type TotalsBody = z.infer<typeof TotalsSchema>;

export const UPLOAD_STATES = ['received', 'processing', 'processed', 'failed'] as const;
export type UploadState = (typeof UPLOAD_STATES)[number];

export const UploadAcceptedSchema = z.object({
  id: z.string(),
  state: z.enum(UPLOAD_STATES),
  /** Path of `GET /api/v1/uploads/{id}`, relative to the server's base URL. */
  statusUrl: z.string(),
});
export type UploadAccepted = z.infer<typeof UploadAcceptedSchema>;

export const DiagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  file: z.string().optional(),
  line: z.number().int().optional(),
  message: z.string(),
});

export const UploadStatusSchema = z.object({
  id: z.string(),
  repository: z.string(),
  commitSha: z.string(),
  state: z.enum(UPLOAD_STATES),
  flags: z.array(z.string()),
  name: z.string().nullable(),
  createdAt: z.string(),
  processedAt: z.string().nullable(),
  /** Why the upload failed (a CW_ERR_* or parser code), when it did. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** What the parsers and the path resolver said (capped). */
  diagnostics: z.array(DiagnosticSchema),
  totals: TotalsSchema.nullable(),
});
export type UploadStatus = z.infer<typeof UploadStatusSchema>;

export const CommitTotalsSchema = z.object({
  repository: z.string(),
  commitSha: z.string(),
  /** Uploads merged into these totals. */
  uploads: z.number().int(),
  totals: TotalsSchema,
});
export type CommitTotals = z.infer<typeof CommitTotalsSchema>;

/** One file's totals: the path first, then the Totals fields but `files` (as `coverwatch report --json` prints them). */
export const FileTotalsSchema = z.object({ path: z.string() }).extend(TotalsSchema.omit({ files: true }).shape);

export const CommitFilesSchema = z.object({
  repository: z.string(),
  commitSha: z.string(),
  files: z.array(FileTotalsSchema),
  /** Offset of the next page, null on the last one. */
  nextOffset: z.number().int().nullable(),
});
export type CommitFiles = z.infer<typeof CommitFilesSchema>;

// ---- Read API (issue 3): what the web app needs. Newest first where a list is in time order. ----

/** Counts of a commit's uploads by state (every upload ever received for it, replaced ones included). */
export const UploadStateCountsSchema = z.object({
  received: z.number().int(),
  processing: z.number().int(),
  processed: z.number().int(),
  failed: z.number().int(),
});

export const RepositorySchema = z.object({
  owner: z.string(),
  name: z.string(),
  /** `owner/name`. */
  fullName: z.string(),
  defaultBranch: z.string().nullable(),
  createdAt: z.string(),
});
export type Repository = z.infer<typeof RepositorySchema>;

export const RepositoryListSchema = z.object({
  org: z.string(),
  /** The repositories of the organization this token may read. */
  repositories: z.array(RepositorySchema),
  nextOffset: z.number().int().nullable(),
});

export const BranchSchema = z.object({
  name: z.string(),
  /** The newest commit of the branch with processed coverage (newest = first received). */
  headSha: z.string(),
  headTotals: TotalsSchema.nullable(),
  updatedAt: z.string(),
});

export const BranchListSchema = z.object({
  repository: z.string(),
  branches: z.array(BranchSchema),
  nextOffset: z.number().int().nullable(),
});

export const PullRequestSchema = z.object({
  number: z.number().int(),
  headBranch: z.string().nullable(),
  baseBranch: z.string().nullable(),
  /** The base branch's head as the latest upload saw it. */
  baseSha: z.string().nullable(),
  /** `git merge-base` of head and base, as the uploader computed it: what patch coverage compares against (null in too-shallow clones). */
  mergeBaseSha: z.string().nullable(),
  /** The commit of the latest upload for this pull request. */
  headSha: z.string(),
  updatedAt: z.string(),
});

export const PullRequestListSchema = z.object({
  repository: z.string(),
  pullRequests: z.array(PullRequestSchema),
  nextOffset: z.number().int().nullable(),
});

export const CommitSummarySchema = z.object({
  sha: z.string(),
  branch: z.string().nullable(),
  parents: z.array(z.string()),
  pullRequest: z.number().int().nullable(),
  /** When the server first received an upload for the commit (the order of lists and trends). */
  createdAt: z.string(),
  /** Uploads merged into `totals`. */
  uploads: z.number().int(),
  uploadStates: UploadStateCountsSchema,
  /** null until one upload of the commit is processed. */
  totals: TotalsSchema.nullable(),
});

export const CommitListSchema = z.object({
  repository: z.string(),
  branch: z.string().nullable(),
  commits: z.array(CommitSummarySchema),
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type CommitList = z.infer<typeof CommitListSchema>;

export const TREE_SORT_KEYS = ['path', 'coverage', 'misses', 'lines'] as const;

export const TreeEntrySchema = z.object({
  type: z.enum(['dir', 'file']),
  /** Full path from the repository root. */
  path: z.string(),
  /** The last path segment. */
  name: z.string(),
  /** Of a directory: the sum of its files (core's `directoryTotals`). */
  totals: TotalsSchema,
});

export const CommitTreeSchema = z.object({
  repository: z.string(),
  commitSha: z.string(),
  /** The flag whose uploads these totals cover; null = all uploads. */
  flag: z.string().nullable(),
  /** The directory listed ('' = the root). */
  path: z.string(),
  totals: TotalsSchema,
  entries: z.array(TreeEntrySchema),
  nextOffset: z.number().int().nullable(),
});
export type CommitTree = z.infer<typeof CommitTreeSchema>;

/** core's `LineRecord`: a line's state derived from its hits and branch outcomes (docs/coverage-semantics.md). */
export const LineRecordSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hit'), line: z.number().int(), hits: z.number() }),
  z.object({ kind: z.literal('miss'), line: z.number().int() }),
  z.object({
    kind: z.literal('partial'),
    line: z.number().int(),
    hits: z.number(),
    branchesTaken: z.number().int(),
    branchesTotal: z.number().int(),
    /** Ids of the branch outcomes never taken. */
    missedBranches: z.array(z.string()),
  }),
]);

export const FileLinesSchema = z.object({
  repository: z.string(),
  commitSha: z.string(),
  flag: z.string().nullable(),
  path: z.string(),
  totals: TotalsSchema,
  /** Lines with data, in line order; lines without data are absent. */
  lines: z.array(LineRecordSchema),
});
export type FileLines = z.infer<typeof FileLinesSchema>;

export const TrendPointSchema = z.object({ sha: z.string(), time: z.string(), totals: TotalsSchema });

export const TrendSchema = z.object({
  repository: z.string(),
  branch: z.string(),
  flag: z.string().nullable(),
  /** Oldest first: the latest `limit` commits of the branch with processed coverage. */
  points: z.array(TrendPointSchema),
});
export type Trend = z.infer<typeof TrendSchema>;

export const CommitUploadsSchema = z.object({
  repository: z.string(),
  commitSha: z.string(),
  /** Oldest first, replaced and failed ones included. */
  uploads: z.array(UploadStatusSchema),
});

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadySchema = z.object({ status: z.literal('ready') });

/**
 * `POST /api/v1/tokens/revoke`: anyone who finds a Coverwatch token (a secret scanner, a person)
 * reports it and it is revoked at once. The answer never says whether a token was valid.
 */
export const TokenRevokeRequestSchema = z.strictObject({
  tokens: z
    .array(
      z.strictObject({
        token: z.string().min(1).max(256),
        /** Where it was found (a file URL): kept in the audit log. */
        url: z.string().max(2048).optional(),
        /** Who found it (`github-secret-scanning`, `manual`...). */
        source: z.string().max(64).optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type TokenRevokeRequest = z.infer<typeof TokenRevokeRequestSchema>;

export const TokenRevokeResponseSchema = z.object({ received: z.number().int() });

/** `POST /api/v1/auth/sign-in`. The password is checked as given (NFC), never trimmed. */
export const SignInRequestSchema = z.strictObject({
  email: z.string().min(3).max(254),
  password: z.string().min(1).max(1024),
});
export type SignInRequest = z.infer<typeof SignInRequestSchema>;

/** `POST /api/v1/auth/set-password`, with the one-time token `admin create-user` printed. */
export const SetPasswordRequestSchema = z.strictObject({
  token: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export type SetPasswordRequest = z.infer<typeof SetPasswordRequestSchema>;

export const SetPasswordResponseSchema = z.object({ passwordSet: z.literal(true) });

/** A session as its owner sees it: never its secret. */
export const SessionSchema = z.object({
  id: z.string(),
  current: z.boolean(),
  mfa: z.enum(['pending', 'verified']),
  /** When the session last passed a second factor; changes of factors need it within 5 minutes (step-up). */
  mfaVerifiedAt: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  idleExpiresAt: z.string(),
  absoluteExpiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

/** The answer of a sign-in: the session (its secret is in the cookie only) and its anti-CSRF token for `X-Coverwatch-CSRF`. */
export const SignInResponseSchema = z.object({ session: SessionSchema, csrfToken: z.string() });

export const MeResponseSchema = z.object({ user: z.object({ id: z.string(), email: z.string() }), session: SessionSchema, csrfToken: z.string() });
export const SessionListResponseSchema = z.object({ sessions: z.array(SessionSchema) });
export const SessionsEndedResponseSchema = z.object({ ended: z.number().int() });

/** Whether single sign-on is on, and what to call it (the sign-in page shows a button). */
export const SsoInfoResponseSchema = z.object({ enabled: z.boolean(), name: z.string().nullable() });
/** Where to send the browser; the answer also sets the `__Host-cw-sso` cookie that binds the round trip to it. */
export const SsoStartResponseSchema = z.object({ authorizationUrl: z.string() });

// --- Second factors (docs/security.md#multi-factor-authentication) -----------------------------

/** A TOTP code: 6 digits (spaces allowed, as apps display `123 456`). */
const TotpCodeSchema = z.string().min(6).max(16).regex(/^[0-9 ]+$/, 'expected the 6-digit code');
const Base64UrlSchema = z.string().max(65_536).regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');
const CredentialIdSchema = z.string().min(1).max(1366).regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');
const TransportsSchema = z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(8);

/** `GET /api/v1/me/mfa`. A session without a second factor yet sees only `enrolled` and `methods`. */
export const MfaStatusResponseSchema = z.object({
  enrolled: z.boolean(),
  /** What the session can verify (or step up) with. */
  methods: z.array(z.enum(['totp', 'webauthn', 'recovery_code'])),
  factors: z.array(z.object({ id: z.string(), kind: z.enum(['totp', 'webauthn']), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() })),
  recoveryCodesRemaining: z.number().int().nullable(),
  /** Until when changes of factors are allowed without another step-up (null: step up first). */
  stepUpUntil: z.string().nullable(),
});

/** `POST /api/v1/me/mfa/totp/enroll`: the secret, shown this once (the server keeps it encrypted). */
export const TotpEnrollResponseSchema = z.object({
  factorId: z.string(),
  /** Base32, for typing into an app. */
  secret: z.string(),
  /** `otpauth://totp/...` for a QR code. */
  uri: z.string(),
  algorithm: z.literal('SHA1'),
  digits: z.literal(6),
  period: z.literal(30),
  /** Confirm before this, or enroll again. */
  expiresAt: z.string(),
});

/** `POST /api/v1/me/mfa/totp/confirm`. */
export const TotpConfirmRequestSchema = z.strictObject({ factorId: z.uuid(), code: TotpCodeSchema });

/** The answer of a confirmed factor. The account's first factor also brings the recovery codes (shown once) and verifies the session, which is replaced: a new cookie and anti-CSRF token. */
export const FactorAddedResponseSchema = z.object({
  factorId: z.string(),
  recoveryCodes: z.array(z.string()).nullable(),
  session: SessionSchema.nullable(),
  csrfToken: z.string().nullable(),
});

/** Options for `navigator.credentials.create()` / `.get()` (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON), passed on as the server made them. */
export const WebauthnOptionsResponseSchema = z.looseObject({ challenge: z.string(), timeout: z.number().optional() });

/** `POST /api/v1/me/mfa/webauthn/register/verify`: the browser's RegistrationResponseJSON and a name for the passkey. */
export const WebauthnRegisterRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(64).default('passkey'),
  response: z.object({
    id: CredentialIdSchema,
    rawId: CredentialIdSchema,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: Base64UrlSchema,
      attestationObject: Base64UrlSchema,
      authenticatorData: Base64UrlSchema.optional(),
      transports: TransportsSchema.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: Base64UrlSchema.optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  }),
});

/** The browser's AuthenticationResponseJSON. */
export const WebauthnAssertionSchema = z.object({
  id: CredentialIdSchema,
  rawId: CredentialIdSchema,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: Base64UrlSchema,
    authenticatorData: Base64UrlSchema,
    signature: Base64UrlSchema,
    userHandle: Base64UrlSchema.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** `POST /api/v1/auth/mfa/verify` and `POST /api/v1/me/mfa/step-up`: one second factor. */
export const MfaVerifyRequestSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('totp'), code: TotpCodeSchema }),
  /** 16 base32 characters; case, spaces and hyphens do not matter. */
  z.strictObject({ method: z.literal('recovery_code'), code: z.string().min(16).max(64) }),
  z.strictObject({ method: z.literal('webauthn'), response: WebauthnAssertionSchema }),
]);

/** The verified session that replaced the caller's (a new cookie) and its anti-CSRF token. */
export const MfaVerifyResponseSchema = z.object({ session: SessionSchema, csrfToken: z.string() });
export const RecoveryCodesResponseSchema = z.object({ recoveryCodes: z.array(z.string()) });
export const FactorRemovedResponseSchema = z.object({ removed: z.literal(1) });

// --- Organizations and roles (docs/security.md#organizations-repositories-roles) ----------------

/** A member's role in an organization: owners and admins manage members (only owners make owners); members and viewers read. */
export const OrgRoleSchema = z.enum(['owner', 'admin', 'member', 'viewer']);
export type OrgRole = z.infer<typeof OrgRoleSchema>;

/** `GET /api/v1/me/orgs`: the organizations the signed-in user belongs to. */
export const MyOrgsResponseSchema = z.object({ organizations: z.array(z.object({ name: z.string(), role: OrgRoleSchema, memberSince: z.string() })) });

/** `GET /api/v1/orgs/{org}/members`: owners first, then by email. */
export const OrgMemberListSchema = z.object({
  org: z.string(),
  /** `passkey` (whether the member holds a WebAuthn credential) only for owners and admins asking: owners and admins must hold one. */
  members: z.array(z.object({ userId: z.string(), email: z.string(), role: OrgRoleSchema, memberSince: z.string(), passkey: z.boolean().optional() })),
  /** For owners and admins: owners and admins who hold no passkey (they keep the role until someone acts). */
  lackingPasskey: z.array(z.object({ userId: z.string(), email: z.string(), role: OrgRoleSchema })).optional(),
});

/** `POST /api/v1/orgs/{org}/members`: adds an existing user by email. */
export const AddMemberRequestSchema = z.strictObject({ email: z.string().min(3).max(254), role: OrgRoleSchema });
/** `POST /api/v1/orgs/{org}/members/{userId}/role`. */
export const ChangeRoleRequestSchema = z.strictObject({ role: OrgRoleSchema });
/** The answer of a membership change; `role` is null once removed. */
export const MemberChangeResponseSchema = z.object({
  org: z.string(),
  userId: z.string(),
  email: z.string(),
  role: OrgRoleSchema.nullable(),
  state: z.enum(['added', 'changed', 'unchanged', 'removed']),
});

/** `POST /api/v1/orgs`: a new organization; the signed-in user (who must hold a passkey) becomes its owner. */
export const CreateOrgRequestSchema = z.strictObject({ name: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/, 'letters, digits and inner hyphens, at most 39') });
export const CreateOrgResponseSchema = z.object({ org: z.string(), role: z.literal('owner'), createdAt: z.string() });

export const VisibilitySchema = z.enum(['public', 'private']);

/** `POST /api/v1/orgs/{org}/repos`: a new repository (owners and admins); private unless said otherwise. */
export const CreateRepoRequestSchema = z.strictObject({
  name: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" and "-", at most 100'),
  visibility: VisibilitySchema.optional(),
});

export const GrantRoleSchema = z.enum(['read', 'write']);
const BranchPatternSchema = z.string().min(1).max(255);
const PathRuleSchema = z.string().min(1).max(1024);

/**
 * `GET /api/v1/repos/{owner}/{repo}/settings`: for owners and admins of its organization, and for
 * members and write-grant holders (who may change the path rules only).
 */
export const RepoSettingsSchema = z.object({
  repository: z.string(),
  visibility: VisibilitySchema,
  /** `configured` as set (null: none, the defaults apply); `effective` what is protected now. */
  protectedBranches: z.object({ configured: z.array(z.string()).nullable(), effective: z.array(z.string()) }),
  pathRules: z.object({ fixes: z.array(z.string()), ignore: z.array(z.string()) }),
  grants: z.array(z.object({ userId: z.string(), email: z.string(), role: GrantRoleSchema })),
  /** What the caller may change here. */
  mayChange: z.object({ security: z.boolean(), pathRules: z.boolean() }),
});

/** `POST /api/v1/repos/{owner}/{repo}/settings`: only the fields given change. */
export const RepoSettingsChangeSchema = z.strictObject({
  visibility: VisibilitySchema.optional(),
  /** null: back to the defaults. */
  protectedBranches: z.array(BranchPatternSchema).max(50).nullable().optional(),
  pathRules: z.strictObject({ fixes: z.array(PathRuleSchema).max(100), ignore: z.array(PathRuleSchema).max(100) }).optional(),
});

/** `POST /api/v1/repos/{owner}/{repo}/grants`: give one user read or write on this repository, or (null) take it back. */
export const GrantChangeRequestSchema = z.strictObject({ email: z.string().min(3).max(254), role: GrantRoleSchema.nullable() });
export const GrantChangeResponseSchema = z.object({
  repository: z.string(),
  userId: z.string(),
  email: z.string(),
  role: GrantRoleSchema.nullable(),
  state: z.enum(['granted', 'removed', 'unchanged']),
});

// --- Alerts (docs/security.md#anomaly-detection-and-alerts) -----------------------------------

export const AlertSchema = z.object({
  id: z.string(),
  rule: z.string(),
  severity: z.enum(['low', 'medium', 'high']),
  title: z.string(),
  /** The audit record that raised it, and its time. */
  triggerSeq: z.number().int(),
  eventTime: z.string(),
  createdAt: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export const AlertListQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) });
export const AlertListResponseSchema = z.object({ alerts: z.array(AlertSchema) });

// --- Personal API tokens and organization upload tokens (docs/security.md#tokens-of-users-and-organizations) ---

/** Last use of a token: time, IP, user agent, CI provider. */
export const TokenLastUseSchema = z.object({ at: z.string(), ip: z.string().nullable(), userAgent: z.string().nullable(), ciProvider: z.string().nullable() }).nullable();

/**
 * `POST /api/v1/me/tokens`: a personal API token acting as the signed-in user, over chosen
 * repositories (`OWNER/NAME`, each one the user may read) or one organization the user belongs to.
 * Expiry is mandatory: 90 days unless `expiresDays` says otherwise, at most 365.
 */
export const CreatePersonalTokenRequestSchema = z
  .strictObject({
    access: z.enum(['read', 'read-write']),
    repositories: z
      .array(z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9_.-]{1,100}$/, 'expected OWNER/NAME'))
      .min(1)
      .max(50)
      .optional(),
    org: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'an organization name').optional(),
    expiresDays: z.number().int().min(1).max(365).optional(),
  })
  .refine((b) => (b.repositories === undefined) !== (b.org === undefined), { message: 'give either repositories or org', path: ['repositories'] });

/** A personal or organization upload token as listed: prefix and last four characters, never the token. */
export const AccountTokenSchema = z.object({
  id: z.string(),
  kind: z.enum(['personal', 'org_upload']),
  display: z.string(),
  access: z.enum(['read', 'read-write', 'upload']),
  org: z.string().nullable(),
  repositories: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUse: TokenLastUseSchema,
});

/** The answer of a token creation: the token itself, shown this once. */
export const CreatedAccountTokenSchema = AccountTokenSchema.extend({ token: z.string() });

/** The answer of a rotation: the new token (shown this once), and until when the old one works. */
export const RotatedAccountTokenSchema = CreatedAccountTokenSchema.extend({ replaces: z.string(), oldValidUntil: z.string() });

/** `GET /api/v1/me/tokens`: the signed-in user's personal tokens, newest first (revoked and expired ones included). */
export const PersonalTokenListSchema = z.object({ tokens: z.array(AccountTokenSchema) });

/** `POST /api/v1/me/tokens/{id}/rotate`: a new token with the same scope; the old one stays valid `overlapHours` (0-720, default 24). */
export const RotatePersonalTokenRequestSchema = z.strictObject({
  overlapHours: z.number().int().min(0).max(720).default(24),
  expiresDays: z.number().int().min(1).max(365).optional(),
});

/** `POST /api/v1/me/tokens/{id}/revoke`. */
export const TokenRevokedResponseSchema = z.object({ id: z.string(), state: z.enum(['revoked', 'already_revoked']) });

/** `POST /api/v1/orgs/{org}/upload-tokens`: an organization upload token (owners and admins). */
export const CreateOrgUploadTokenRequestSchema = z.strictObject({ expiresDays: z.number().int().min(1).max(365).optional() });

/** `GET /api/v1/orgs/{org}/tokens/expiring`: within how many days (default 30). */
export const ExpiringTokensQuerySchema = z.strictObject({ withinDays: z.coerce.number().int().min(1).max(365).default(30) });

/** The organization's live tokens expiring within the window, soonest first: its upload tokens and its repositories' tokens. */
export const ExpiringTokenListSchema = z.object({
  org: z.string(),
  withinDays: z.number().int(),
  tokens: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['upload', 'read', 'org_upload']),
      display: z.string(),
      repository: z.string().nullable(),
      createdAt: z.string(),
      expiresAt: z.string(),
      lastUse: TokenLastUseSchema,
    }),
  ),
});
