/**
 * The closed catalog of errors the server and its commands report. Every code is `CW_ERR_<AREA>_<WHAT>`
 * and has one kind; the kind alone decides the HTTP status and the exit code (tables below), so a
 * client can act on the kind without knowing every code. docs/errors.md lists the same codes (a test
 * keeps them in step).
 */
export const ERROR_KINDS = ['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'limit', 'unavailable', 'internal', 'throttled'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** The one table from kind to HTTP status. */
export const KIND_HTTP_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  limit: 413,
  unavailable: 503,
  internal: 500,
  throttled: 429,
});

/** The one table from kind to the exit code of `coverwatch-server` commands. */
export const KIND_EXIT_CODE: Readonly<Record<ErrorKind, number>> = Object.freeze({
  invalid: 2,
  unauthenticated: 3,
  forbidden: 3,
  not_found: 4,
  conflict: 5,
  limit: 6,
  unavailable: 7,
  internal: 1,
  throttled: 8,
});

export const ERROR_CATALOG = Object.freeze({
  CW_ERR_CONFIG_INVALID: { kind: 'invalid', summary: 'The configuration (file, environment or flags) has problems; all are listed.' },
  CW_ERR_CONFIG_UNSUPPORTED: { kind: 'invalid', summary: 'A setting names something this version cannot do (e.g. a database URL that is not PostgreSQL, or the pg-boss queue without PostgreSQL).' },
  CW_ERR_CLI_USAGE: { kind: 'invalid', summary: 'A command was called with unknown or missing arguments.' },
  CW_ERR_REQUEST_INVALID: { kind: 'invalid', summary: 'Parameters, query or body do not match the schema; `fields` lists each problem by path.' },
  CW_ERR_ROUTE_NOT_FOUND: { kind: 'not_found', summary: 'No such route.' },
  CW_ERR_AUTH_TOKEN_MISSING: { kind: 'unauthenticated', summary: 'The route needs `Authorization: Bearer <token>`.' },
  CW_ERR_AUTH_TOKEN_INVALID: { kind: 'unauthenticated', summary: 'The token is malformed, fails its checksum, is unknown or revoked.' },
  CW_ERR_AUTH_TOKEN_EXPIRED: { kind: 'unauthenticated', summary: 'The token has expired (tokens expire after 90 days unless created with another lifetime, at most a year); ask for a new one.' },
  CW_ERR_AUTH_TOKEN_IN_QUERY: { kind: 'invalid', summary: 'A token was sent in the query string, where proxies and logs keep it; send it in the Authorization header.' },
  CW_ERR_AUTH_FORBIDDEN: { kind: 'forbidden', summary: 'The token does not grant this action on this repository.' },
  CW_ERR_AUTH_OIDC_DISABLED: { kind: 'unauthenticated', summary: 'An OIDC ID token was sent, but this server accepts none: `publicUrl` or `oidc.issuers` is not configured (the message says which).' },
  CW_ERR_AUTH_OIDC_ISSUER_UNKNOWN: { kind: 'unauthenticated', summary: "The ID token's issuer (`iss`) is not in the server's `oidc.issuers`." },
  CW_ERR_AUTH_OIDC_INVALID: {
    kind: 'unauthenticated',
    summary: 'The ID token is malformed, uses an algorithm other than RS256, names its own key (`jku`, `x5u`, `jwk`, `x5c`), or is not signed by a key of its issuer.',
  },
  CW_ERR_AUTH_OIDC_AUDIENCE: { kind: 'unauthenticated', summary: "The ID token's audience (`aud`) is not this server's `publicUrl`." },
  CW_ERR_AUTH_OIDC_EXPIRED: { kind: 'unauthenticated', summary: 'The ID token expired (`exp`), or was issued longer ago than the maximum token age (`oidc.maxTokenAgeSeconds`, by default 15 minutes for GitHub and 3 hours for GitLab; `iat`).' },
  CW_ERR_AUTH_OIDC_NOT_YET_VALID: { kind: 'unauthenticated', summary: 'The ID token is not valid yet (`nbf` or `iat` in the future beyond the 60 s leeway).' },
  CW_ERR_AUTH_OIDC_CLAIMS: { kind: 'unauthenticated', summary: 'A claim the server needs (`jti`, `sha`, the repository and owner ids) is missing or malformed; the message names it.' },
  CW_ERR_AUTH_OIDC_REPLAY: { kind: 'unauthenticated', summary: 'The ID token was used before (its `jti`); request a new one. Only a retry with the same Idempotency-Key may repeat it.' },
  CW_ERR_AUTH_OIDC_KEYS_UNAVAILABLE: { kind: 'unavailable', summary: "The issuer's discovery document or signing keys (JWKS) could not be fetched in time; retry later." },
  CW_ERR_AUTH_OIDC_NOT_LINKED: { kind: 'forbidden', summary: 'No repository is linked to the CI repository the ID token names (`admin link-repo`).' },
  CW_ERR_AUTH_OIDC_OWNER_MISMATCH: {
    kind: 'forbidden',
    summary: "The CI repository is linked, but the token's owner id differs from the linked one (the repository moved to another owner since it was linked).",
  },
  CW_ERR_AUTH_OIDC_SLUG_MISMATCH: { kind: 'forbidden', summary: "The envelope's `repository.slug` differs from the repository the ID token names." },
  CW_ERR_AUTH_OIDC_BUILD_MISMATCH: { kind: 'forbidden', summary: 'The envelope names a branch, tag or pull request other than the build the ID token was issued for.' },
  CW_ERR_AUTH_OIDC_COMMIT_MISMATCH: {
    kind: 'forbidden',
    summary: "The uploaded commit is not the ID token's `sha` (nor, on a pull request, is `commit.mergeSha` that sha).",
  },
  CW_ERR_ORG_EXISTS: { kind: 'conflict', summary: 'An organization of that name exists.' },
  CW_ERR_ORG_NOT_FOUND: { kind: 'not_found', summary: 'No organization of that name.' },
  CW_ERR_REPO_EXISTS: { kind: 'conflict', summary: 'A repository of that name exists in the organization.' },
  CW_ERR_REPO_NOT_FOUND: { kind: 'not_found', summary: 'No repository of that name.' },
  CW_ERR_TOKEN_NOT_FOUND: { kind: 'not_found', summary: 'No (live) token with that id.' },
  CW_ERR_REPO_LINK_EXISTS: { kind: 'conflict', summary: 'That CI repository (issuer and repository id) is already linked to another repository.' },
  CW_ERR_ORG_FORBIDDEN: { kind: 'forbidden', summary: 'Your role in the organization does not allow this: members and viewers change no membership and see no organization alerts, and an admin cannot make, change or remove an owner.' },
  CW_ERR_ORG_LAST_OWNER: { kind: 'conflict', summary: 'The change would leave the organization without an owner: make another member owner first.' },
  CW_ERR_ORG_MEMBER_EXISTS: { kind: 'conflict', summary: 'The user is already a member of the organization; change their role instead.' },
  CW_ERR_ORG_MEMBER_NOT_FOUND: { kind: 'not_found', summary: 'The user is not a member of the organization.' },
  CW_ERR_ORG_ROLE_NEEDS_PASSKEY: { kind: 'conflict', summary: 'Owners and admins must hold a WebAuthn passkey or security key: the user registers one before getting the role.' },
  CW_ERR_UPLOAD_MEDIA_TYPE: { kind: 'invalid', summary: 'An upload must be `Content-Type: application/json` with `Content-Encoding: gzip`.' },
  CW_ERR_UPLOAD_BODY_TOO_LARGE: { kind: 'limit', summary: 'The compressed request body exceeds the configured limit (named in the message).' },
  CW_ERR_UPLOAD_DECOMPRESSED_TOO_LARGE: { kind: 'limit', summary: 'The body decompresses to more than the configured limit (named in the message).' },
  CW_ERR_UPLOAD_BAD_GZIP: { kind: 'invalid', summary: 'The body is not valid gzip data.' },
  CW_ERR_UPLOAD_BAD_JSON: { kind: 'invalid', summary: 'The decompressed body is not JSON.' },
  CW_ERR_UPLOAD_IDEMPOTENCY_CONFLICT: { kind: 'conflict', summary: 'The Idempotency-Key was used before with a different body.' },
  CW_ERR_UPLOAD_NOT_FOUND: { kind: 'not_found', summary: 'No upload with that id (for this token).' },
  CW_ERR_UPLOAD_REPORT_INVALID: { kind: 'invalid', summary: 'A report failed to parse; the upload failed with the parser diagnostics and the commit is unaffected.' },
  CW_ERR_UPLOAD_PROCESSING_FAILED: { kind: 'internal', summary: 'Processing failed after every retry; the reason is recorded on the upload.' },
  CW_ERR_COMMIT_NOT_FOUND: { kind: 'not_found', summary: 'No processed coverage for that commit.' },
  CW_ERR_PATH_NOT_FOUND: { kind: 'not_found', summary: 'No file or directory with coverage at that path in the commit.' },
  CW_ERR_FLAG_NOT_FOUND: { kind: 'not_found', summary: 'The commit has no processed upload carrying that flag.' },
  CW_ERR_AUDIT_VERIFY_FAILED: { kind: 'conflict', summary: '`audit verify`: the export does not match its hash chain or a signed checkpoint (a record changed, missing, inserted or reordered, the end cut off, or a checkpoint not signed by the given key); the first bad record is named.' },
  CW_ERR_AUDIT_CHAIN_BROKEN: { kind: 'conflict', summary: 'The stored audit log does not extend its last checkpoint, so no new checkpoint is signed; export and verify it.' },
  CW_ERR_AUDIT_CHECKPOINT_UNDELIVERED: { kind: 'unavailable', summary: '`audit checkpoint`: the checkpoint was signed and stored, but the checkpoint file or webhook could not take it (workers retry at the next interval).' },
  CW_ERR_STORAGE_UNAVAILABLE: { kind: 'unavailable', summary: 'The database, blob store or queue cannot be reached.' },
  CW_ERR_SERVER_INTERNAL: { kind: 'internal', summary: 'An unexpected error; details are in the server log, never in the response.' },
  CW_ERR_AUTH_SIGN_IN_FAILED: { kind: 'unauthenticated', summary: 'The email or the password is wrong, or the account has no password yet (the answer never says which).' },
  CW_ERR_AUTH_THROTTLED: { kind: 'throttled', summary: 'Too many failed sign-ins for this account from this address, for this account, or from this address; wait the `Retry-After` seconds (the wait doubles with each further failure).' },
  CW_ERR_AUTH_SESSION_MISSING: { kind: 'unauthenticated', summary: 'The route needs a signed-in session (the `__Host-cw-session` cookie).' },
  CW_ERR_AUTH_SESSION_INVALID: { kind: 'unauthenticated', summary: 'The session is unknown, was ended (sign-out, ended from another session, password change) or expired (idle or absolute timeout); sign in again.' },
  CW_ERR_AUTH_MFA_REQUIRED: {
    kind: 'forbidden',
    summary: 'The session was opened with a password alone: a second factor is mandatory. An account without one may only enroll one (TOTP or a passkey); an account with one must verify it first (`POST /api/v1/auth/mfa/verify`).',
  },
  CW_ERR_AUTH_STEP_UP_REQUIRED: { kind: 'forbidden', summary: 'This change (of second factors, later of tokens and roles) needs a second factor passed within the last 5 minutes: step up at `POST /api/v1/me/mfa/step-up` and retry.' },
  CW_ERR_AUTH_MFA_FAILED: { kind: 'unauthenticated', summary: 'The second factor was not accepted: a wrong, expired or already used code, an unknown or used recovery code, or a passkey response that failed verification (the answer never says which).' },
  CW_ERR_AUTH_MFA_THROTTLED: { kind: 'throttled', summary: 'Too many failed second-factor attempts for this account; wait the `Retry-After` seconds (the wait doubles with each further failure, up to 15 minutes).' },
  CW_ERR_ACCOUNT_PASSWORD_POLICY: { kind: 'invalid', summary: 'The new password is refused: fewer than 12 or more than 128 characters, or one of the 10,000 most common passwords.' },
  CW_ERR_ACCOUNT_SET_PASSWORD_LINK_INVALID: { kind: 'unauthenticated', summary: 'The set-password token is unknown, used or expired (24 hours); ask the operator for a new one (`admin create-user` or `admin reset-password`).' },
  CW_ERR_ACCOUNT_EXISTS: { kind: 'conflict', summary: '`admin create-user`: a user with that email exists.' },
  CW_ERR_ACCOUNT_NOT_FOUND: { kind: 'not_found', summary: '`admin reset-password`, adding a member: no user with that email.' },
  CW_ERR_SESSION_NOT_FOUND: { kind: 'not_found', summary: 'No live session of yours with that id.' },
  CW_ERR_MFA_NOT_ENROLLED: { kind: 'conflict', summary: 'The account has no factor of that kind to verify (enroll one first).' },
  CW_ERR_MFA_ENROLLMENT_NOT_FOUND: { kind: 'not_found', summary: 'No pending TOTP enrollment of yours with that id (it expires after 30 minutes, and a new enrollment replaces it); start again.' },
  CW_ERR_MFA_ENROLLMENT_CODE_INVALID: { kind: 'invalid', summary: 'The code does not match the TOTP secret being enrolled: check the authenticator app and the device clock, then send the current code.' },
  CW_ERR_MFA_FACTOR_NOT_FOUND: { kind: 'not_found', summary: 'No second factor of yours with that id.' },
  CW_ERR_MFA_LAST_FACTOR: { kind: 'conflict', summary: 'A second factor is mandatory: the last one cannot be removed (add another first; a TOTP factor is replaced by enrolling a new one).' },
  CW_ERR_MFA_PASSKEY_REQUIRED_FOR_ROLE: { kind: 'conflict', summary: 'Owners and admins of an organization must hold a passkey: their last one cannot be removed while they hold the role (register another first, or have the role changed).' },
  CW_ERR_MFA_WEBAUTHN_UNAVAILABLE: { kind: 'unavailable', summary: 'Passkeys need the server to know its own URL (`publicUrl`, COVERWATCH_PUBLIC_URL): the relying party id and origin come from it.' },
  CW_ERR_SSO_DISABLED: { kind: 'not_found', summary: 'Single sign-on is not configured on this server (sso.issuer, COVERWATCH_SSO_ISSUER; it also needs publicUrl).' },
  CW_ERR_SSO_PROVIDER_UNAVAILABLE: { kind: 'unavailable', summary: "The single sign-on provider's discovery document, keys or token endpoint could not be reached; retry later." },
  CW_ERR_SSO_REQUEST_INVALID: { kind: 'invalid', summary: 'This single sign-on answer belongs to no pending sign-in of this browser: the sign-in cookie is missing, used (each works once) or older than 10 minutes, or the answer is an error of the provider. Start again.' },
  CW_ERR_SSO_FAILED: { kind: 'unauthenticated', summary: "The provider's answer was not accepted (state, PKCE, nonce, issuer, audience, signature or expiry of the ID token), or the account is disabled (the answer never says which)." },
  CW_ERR_SSO_NO_ACCOUNT: { kind: 'forbidden', summary: 'The provider signed the person in, but no account matches: no user with that verified email, and sso.createUsers is off. An operator creates the account with `admin create-user EMAIL`.' },
  CW_ERR_MFA_WEBAUTHN_REGISTRATION_FAILED: { kind: 'invalid', summary: 'The passkey registration was not accepted: wrong origin or relying party, an unknown, used or expired challenge, or an invalid attestation.' },
} as const satisfies Record<`CW_ERR_${string}`, { kind: ErrorKind; summary: string }>);

export type ErrorCode = keyof typeof ERROR_CATALOG;
