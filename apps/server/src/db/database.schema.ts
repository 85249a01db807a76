import type { Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Portable on purpose (SQLite today, PostgreSQL
 * later): ids are text (random UUIDs, no auto-increment differences), times are ISO-8601 UTC text
 * (sortable as text in both), booleans are integers 0/1, JSON is text.
 */
export interface Database {
  organizations: { id: string; name: string; created_at: string };
  repositories: {
    id: string;
    org_id: string;
    name: string;
    default_branch: string | null;
    created_at: string;
    /** 0005: path fixes (`before::after`) and ignore globs applied when this repository's uploads are processed; JSON lists, null = none. */
    path_fixes_json: string | null;
    path_ignore_json: string | null;
    /** 0012: `private` (the default: only members and grant holders read it) or `public` (every signed-in user). */
    visibility: Generated<'public' | 'private'>;
    /** 0018: protected branch names and patterns, JSON list; null = the defaults (branches/protected-branches.ts). */
    protected_branches_json: Generated<string | null>;
  };
  tokens: {
    id: string;
    kind: 'upload' | 'read';
    /** SHA-256 of the whole token, hex. The token itself is never stored. */
    token_hash: string;
    repository_id: string;
    created_at: string;
    revoked_at: string | null;
    /** 0007: mandatory expiry (null only before the migration ran), display form, last use, rotation, revocation reason. */
    expires_at: string | null;
    display: string | null;
    last_used_at: string | null;
    last_used_ip: string | null;
    last_used_user_agent: string | null;
    last_used_ci_provider: string | null;
    replaced_by: string | null;
    revoked_reason: string | null;
  };
  commits: {
    id: string;
    repository_id: string;
    sha: string;
    branch: string | null;
    parents_json: string;
    pr_number: number | null;
    /** Totals (core's Totals, JSON) of the merged commit report; null until one upload is processed. */
    totals_json: string | null;
    /** Blob key of the commit report's manifest (reports/manifest.ts). */
    manifest_key: string | null;
    /** How many uploads the current report merges. */
    upload_count: number;
    /** Bumped on every report rebuild: writers use it to detect a concurrent rebuild (optimistic). */
    report_version: number;
    /** The uploads the current report merges (JSON array of ids, sorted); null before migration 0010. */
    report_upload_ids_json: string | null;
    created_at: string;
    updated_at: string;
  };
  uploads: {
    id: string;
    repository_id: string;
    commit_id: string;
    state: 'received' | 'processing' | 'processed' | 'failed';
    /** Uploads of one commit with the same identity replace each other (a re-run CI job); null = never replaced. */
    job_identity: string | null;
    flags_json: string;
    name: string | null;
    ci_provider: string | null;
    build_id: string | null;
    build_url: string | null;
    job_id: string | null;
    idempotency_key: string | null;
    /** SHA-256 of the compressed request body: a retried Idempotency-Key must carry the same body. */
    body_sha256: string;
    raw_blob_key: string;
    raw_bytes: number;
    decompressed_bytes: number;
    /** The upload's own parsed and path-resolved report (coverwatch-json, gzip). */
    report_blob_key: string | null;
    totals_json: string | null;
    diagnostics_json: string | null;
    error_code: string | null;
    error_message: string | null;
    created_at: string;
    processing_started_at: string | null;
    finished_at: string | null;
    /** 0005: when retention deleted the raw body (the row, its report and the commit coverage stay). */
    raw_deleted_at: string | null;
  };
  branches: {
    id: string;
    repository_id: string;
    name: string;
    head_commit_id: string;
    head_sha: string;
    /** `created_at` of the head commit: the head only moves to a commit first seen later. */
    head_time: string;
    created_at: string;
    updated_at: string;
  };
  pull_requests: {
    id: string;
    repository_id: string;
    number: number;
    head_branch: string | null;
    base_branch: string | null;
    base_sha: string | null;
    /** 0004: git merge-base of head and base, when the uploader could compute it. */
    merge_base_sha: string | null;
    head_sha: string;
    created_at: string;
    updated_at: string;
  };
  /** A commit report of the uploads carrying one flag (same manifest format as the commit's). */
  commit_flag_reports: {
    id: string;
    commit_id: string;
    flag: string;
    totals_json: string;
    manifest_key: string;
    upload_count: number;
    updated_at: string;
  };
  jobs: {
    id: string;
    queue: string;
    payload_json: string;
    state: 'queued' | 'active' | 'done' | 'failed';
    attempts: Generated<number>;
    max_attempts: number;
    run_after: string;
    locked_by: string | null;
    locked_until: string | null;
    last_error: string | null;
    created_at: string;
    updated_at: string;
  };
  /** A CI repository (by the forge's numeric ids) allowed to upload to a repository with OIDC ID tokens. */
  repository_links: {
    id: string;
    repository_id: string;
    issuer: string;
    external_repository_id: string;
    external_owner_id: string;
    created_at: string;
    updated_at: string;
  };
  /** OIDC ID tokens already presented (single use), until they expire. */
  oidc_token_uses: {
    issuer: string;
    jti: string;
    repository_id: string;
    expires_at: string;
    idempotency_key: string | null;
    upload_id: string | null;
    created_at: string;
  };
  /** 0006: the audit log's hash chain (append-only: triggers refuse UPDATE and DELETE). See audit/chain.ts. */
  audit_log: {
    seq: number;
    time: string;
    event: string;
    /** The canonical JSON of the record: exactly what was hashed. */
    record_json: string;
    prev_hash: string;
    hash: string;
  };
  /** 0006: signed checkpoints of the chain head (append-only). See audit/checkpoints.ts. */
  audit_checkpoints: {
    seq: number;
    time: string;
    hash: string;
    key_id: string;
    /** The canonical JSON that was signed. */
    checkpoint_json: string;
    signature: string;
  };
  /** 0009: raised alerts (alerts/). */
  /** 0015: one browser's pending SSO sign-in (found by the SHA-256 of its cookie; used once). */
  sso_requests: { id_hash: string; state: string; nonce: string; code_verifier: string; created_at: string; expires_at: string; used_at: string | null };
  /** 0015: a provider identity (issuer + subject) linked to a user. */
  sso_identities: { issuer: string; subject: string; user_id: string; created_at: string; last_used_at: string };
  throttle_counters: {
    /** SHA-256 (hex) of the rule's namespace and the counted value. */
    key: string;
    kind: 'failures' | 'known';
    failures: number;
    last_ms: number;
    blocked_until_ms: number;
  };
  alerts: {
    id: string;
    rule: string;
    severity: string;
    title: string;
    dedupe_key: string;
    details_json: string;
    trigger_seq: number;
    event_time: string;
    created_at: string;
    /** 0017: the organization and the account it concerns (alerts/alert-scope.ts); null: the operator's alone. */
    org_id: string | null;
    user_id: string | null;
  };
  /** 0009: one delivery of an alert (a webhook, or email), retried with back-off. */
  alert_deliveries: {
    id: string;
    alert_id: string;
    channel: string;
    target: string;
    state: 'pending' | 'delivered' | 'failed';
    attempts: Generated<number>;
    next_attempt_at: string;
    locked_until: string | null;
    last_error: string | null;
    delivered_at: string | null;
    created_at: string;
    updated_at: string;
  };
  /** 0009: the last audit record the alert rules have evaluated. */
  alert_cursor: {
    name: string;
    seq: number;
    updated_at: string;
  };
  /** 0008: accounts (docs/security.md#accounts-and-sessions). */
  users: {
    id: string;
    email: string;
    /** Trimmed and lower-cased: what sign-in looks up (unique). */
    email_key: string;
    /** `scrypt$ln=..,r=..,p=..$salt$hash`; null until a password is set. */
    password_hash: string | null;
    password_changed_at: string | null;
    created_at: string;
    /** 0014: when an operator disabled the account (no sign-in, sessions ended); null: enabled. */
    disabled_at: string | null;
  };
  /** 0008: one-time set-password tokens (SHA-256 of the token). */
  password_set_tokens: { token_hash: string; user_id: string; created_at: string; expires_at: string; used_at: string | null };
  /** 0008: server-side sessions; the cookie's secret is stored as its SHA-256 only. */
  sessions: {
    id: string;
    token_hash: string;
    user_id: string;
    mfa_state: 'pending' | 'verified';
    created_at: string;
    last_seen_at: string;
    absolute_expires_at: string;
    ended_at: string | null;
    ended_reason: string | null;
    ip: string | null;
    user_agent: string | null;
    /** 0011: when the session last passed a second factor (verification or step-up); null before. */
    mfa_verified_at: string | null;
  };
  /** 0011: TOTP factors; the secret only encrypted (mfa/secret-box.ts). */
  mfa_totp_factors: {
    id: string;
    user_id: string;
    secret_ciphertext: string;
    confirmed_at: string | null;
    last_used_step: number | null;
    last_used_at: string | null;
    created_at: string;
  };
  /** 0011: WebAuthn credentials (passkeys, security keys). */
  mfa_webauthn_credentials: {
    id: string;
    user_id: string;
    credential_id: string;
    public_key: string;
    counter: number;
    transports: string;
    name: string;
    last_used_at: string | null;
    created_at: string;
  };
  /** 0011: outstanding WebAuthn challenges, single use, bound to a session. */
  mfa_webauthn_challenges: { challenge: string; session_id: string; purpose: 'registration' | 'authentication'; expires_at: string };
  /** 0011: recovery codes, SHA-256 only. */
  mfa_recovery_codes: { code_hash: string; user_id: string; created_at: string; used_at: string | null };
  /** 0012: members of an organization and their role. */
  org_members: { org_id: string; user_id: string; role: 'owner' | 'admin' | 'member' | 'viewer'; created_at: string; updated_at: string };
  /** 0012: per-repository grants to users. */
  repo_grants: { repository_id: string; user_id: string; role: 'read' | 'write'; created_at: string };
  /** 0016: personal API tokens and organization upload tokens (SHA-256 only). See tokens/tokens.repository.ts. */
  user_tokens: {
    id: string;
    kind: 'personal' | 'org_upload';
    token_hash: string;
    user_id: string | null;
    org_id: string | null;
    access: 'read' | 'read-write' | 'upload';
    created_by: string | null;
    created_at: string;
    expires_at: string;
    display: string;
    last_used_at: string | null;
    last_used_ip: string | null;
    last_used_user_agent: string | null;
    last_used_ci_provider: string | null;
    revoked_at: string | null;
    revoked_reason: string | null;
  };
  /** 0016: the repositories a personal token is scoped to (none when scoped to an organization). */
  user_token_repositories: { token_id: string; repository_id: string };
}
