import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { isEd25519PrivateKey } from '../audit/checkpoints.js';

const MiB = 1024 * 1024;

/** Loopback hosts: the only ones where plain http is allowed (tests run a local issuer). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A URL keys are fetched from (or tokens are minted for): https, or http to this machine only. No
 * credentials, query or fragment: issuer identifiers are compared as exact strings.
 */
const SecureUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return false;
    }
    if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return false;
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
  }, 'expected an https:// URL (http:// only for loopback hosts) without credentials, query or fragment');

export const OIDC_ISSUER_KINDS = ['github', 'gitlab'] as const;
export type OidcIssuerKind = (typeof OIDC_ISSUER_KINDS)[number];

export const OidcIssuerSchema = z.strictObject({
  /** Exactly the token's `iss` (https://token.actions.githubusercontent.com, https://gitlab.com). */
  issuer: SecureUrlSchema,
  /** Which claims name the repository, owner and commit. */
  kind: z.enum(OIDC_ISSUER_KINDS),
  /** Where the issuer's keys are; default: `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri: SecureUrlSchema.optional(),
});
export type OidcIssuer = z.infer<typeof OidcIssuerSchema>;

/** Where alerts are POSTed: https (http only to loopback), no credentials or fragment. */
const AlertWebhookUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.username === '' && u.password === '' && u.hash === '' && (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname)));
    } catch {
      return false;
    }
  }, 'expected an https:// URL (http:// only for loopback hosts) without credentials or fragment');

/** At least 32 characters (e.g. `openssl rand -hex 32`): a guessable key would let anyone forge alerts. */
const AlertWebhookSecretSchema = z.string().min(32, 'expected at least 32 characters (openssl rand -hex 32)').max(1024);

/**
 * The server's whole configuration: one schema, the defaults beside each setting. docs/server.md has
 * the same table for operators. Defaults are the secure choice: listen on loopback only.
 */
export const ConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * `production` refuses settings that are fine on a laptop and unsafe on a network
   * (config/production-checks.ts): plain-http public URL or issuers, debug logging, PostgreSQL
   * without TLS to another host, S3 over plain http.
   */
  mode: z.enum(['development', 'production']).default('development'),
  /** SQLite database and blobs live here on the embedded default. Resolved against the working directory. */
  dataDir: z.string().min(1).default('./.coverwatch'),
  /** `postgres://...` selects PostgreSQL; when absent the embedded SQLite in `dataDir` is used. A secret: never logged. */
  databaseUrl: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The URL CI reaches this server at (what the uploader's --url says). OIDC ID tokens must name it
   * as their audience; unset, OIDC uploads are refused.
   */
  /**
   * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed: the client address
   * is then the last one in that header not of a trusted proxy. Empty (default): the socket's
   * address, and the header is ignored, since any client can send one.
   */
  trustedProxies: z
    .array(z.string().refine(isAddressOrRange, 'expected an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8'))
    .max(100)
    .default([]),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .refine((s) => {
      const u = new URL(s);
      return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
    }, 'expected a URL without credentials, query or fragment')
    .optional(),
  oidc: z
    .strictObject({
      /** Issuers whose ID tokens may authenticate uploads. Empty: OIDC is off (deny by default). */
      issuers: z
        .array(OidcIssuerSchema)
        .max(20)
        .default([])
        .refine((list) => new Set(list.map((i) => i.issuer)).size === list.length, 'each issuer at most once'),
      /**
       * Oldest `iat` accepted: a token leaked from a log is useless after this long, whatever its
       * `exp`. Unset: by issuer kind (oidc-verifier.ts DEFAULT_MAX_TOKEN_AGE): GitHub mints a token
       * when asked (15 minutes), GitLab when the job starts (3 hours: the upload comes after the tests).
       */
      maxTokenAgeSeconds: z.number().int().min(60).max(86_400).optional(),
    })
    .prefault({}),
  upload: z
    .strictObject({
      /** Largest compressed request body. */
      maxBodyBytes: z.number().int().min(1024).default(64 * MiB),
      /** Largest decompressed envelope (it is parsed as one JSON document, so V8's string limit caps it near 512 MiB). */
      maxDecompressedBytes: z.number().int().min(1024).max(500 * MiB).default(256 * MiB),
    })
    .prefault({}),
  blobs: z
    .strictObject({
      /** `fs`: files under `<dataDir>/blobs` (the embedded default; several processes need a shared volume); `s3`: an S3-compatible bucket. */
      driver: z.enum(['fs', 's3']).default('fs'),
      s3: z
        .strictObject({
          /** Needed with driver `s3`. */
          bucket: z
            .string()
            .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens')
            .optional(),
          /** Objects are stored as `<prefix>/<blob key>`; leading and trailing `/` are ignored; '' = the bucket's root. */
          prefix: z
            .string()
            .max(256)
            .regex(/^\/?(?:[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*\/?)?$/, 'expected path segments of letters, digits, `.`, `_` and `-` separated by single `/` (no `.` or `..` segments)')
            .default(''),
          /** MinIO, R2, Ceph...; absent: AWS S3 of `region`. */
          endpoint: z
            .url({ protocol: /^https?$/ })
            .max(2048)
            .refine((s) => {
              const u = new URL(s);
              return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
            }, 'expected an http(s) URL without credentials, query or fragment')
            .optional(),
          region: z
            .string()
            .regex(/^[a-z0-9-]{1,64}$/, 'expected a region name such as eu-west-1 (auto on R2)')
            .default('us-east-1'),
          /** Default: true with an `endpoint` (MinIO and most compatible servers need it), false on AWS. */
          forcePathStyle: z.boolean().optional(),
          /** With `secretAccessKey`; both absent: the AWS SDK's default credential chain (environment, shared files, IAM roles). */
          accessKeyId: z.string().min(1).max(256).optional(),
          /** A secret: never logged. */
          secretAccessKey: z.string().min(1).max(1024).optional(),
        })
        .prefault({}),
    })
    .superRefine((b, ctx) => {
      if (b.driver === 's3' && b.s3.bucket === undefined) {
        ctx.addIssue({ code: 'custom', path: ['s3', 'bucket'], message: 'blobs.driver s3 needs a bucket: set COVERWATCH_S3_BUCKET (or blobs.s3.bucket in the config file)' });
      }
      if ((b.s3.accessKeyId === undefined) !== (b.s3.secretAccessKey === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['s3', b.s3.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'],
          message: 'set both COVERWATCH_S3_ACCESS_KEY_ID and COVERWATCH_S3_SECRET_ACCESS_KEY (or its _FILE), or neither to use the AWS default credential chain',
        });
      }
    })
    .prefault({}),
  queue: z
    .strictObject({
      /** `db`: the `jobs` table of our database; `pg-boss`: pg-boss in the same PostgreSQL. Default: `db` on SQLite, `pg-boss` on PostgreSQL. */
      driver: z.enum(['db', 'pg-boss']).optional(),
      /**
       * The schema pg-boss keeps its tables in (created when missing). Default: `pgboss`, or
       * `<schema>_pgboss` when the database URL selects a schema other than `public` (installations
       * sharing a database in separate schemas then get separate queues).
       */
      pgBossSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case PostgreSQL identifier')
        .optional(),
    })
    .prefault({}),
  orgs: z
    .strictObject({
      /** Whether signed-in users (holding a passkey) may create organizations; off: only `admin create-org`. */
      usersMayCreate: z.boolean().default(true),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /**
       * Days a raw upload (the gzip body as received, kept for audit and reprocessing) is kept after
       * it was processed or failed; 0 keeps them forever. Processed coverage is never deleted.
       */
      rawUploadDays: z.number().int().min(0).max(36_500).default(90),
      /** How often a worker deletes expired raw uploads. */
      sweepIntervalMinutes: z.number().int().min(1).max(10_080).default(60),
    })
    .prefault({}),
  worker: z
    .strictObject({
      /** `serve` also runs a worker in the same process (the embedded default). */
      inProcess: z.boolean().default(true),
      /** Jobs processed at once per worker process. */
      concurrency: z.number().int().min(1).max(64).default(1),
      /** How often an idle worker looks for jobs. */
      pollIntervalMs: z.number().int().min(10).max(60_000).default(500),
      /** A claimed job not finished or extended within this time is handed to another worker. */
      leaseMs: z.number().int().min(1000).max(3_600_000).default(300_000),
      /** Attempts before a job (and its upload) is marked failed. */
      maxAttempts: z.number().int().min(1).max(100).default(5),
    })
    .prefault({}),
  /** The tamper-evident audit log (docs/security.md#audit-log). Records are always kept; these settings sign and export checkpoints. */
  audit: z
    .strictObject({
      /** Ed25519 private key (PEM, PKCS#8) signing checkpoints of the chain head. A secret: never logged. Unset: no checkpoints. */
      signingKey: z.string().max(16_384).refine(isEd25519PrivateKey, 'expected an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)').optional(),
      /** How often workers sign a checkpoint (when the log grew) and push it to the file and webhook. */
      checkpointIntervalMinutes: z.number().int().min(1).max(10_080).default(15),
      /** Absolute path of a file checkpoints are appended to (JSON Lines); best on storage the database's administrators cannot rewrite. */
      checkpointFile: z.string().min(1).max(4096).refine(isAbsolute, 'expected an absolute path').optional(),
      /** Checkpoints are POSTed here as JSON. https (http only to loopback hosts), no credentials or fragment. A secret (it may carry a token): never logged. */
      webhookUrl: z
        .string()
        .max(2048)
        .refine((s) => {
          try {
            const u = new URL(s);
            return u.username === '' && u.password === '' && u.hash === '' && (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname)));
          } catch {
            return false;
          }
        }, 'expected an https:// URL (http:// only for loopback hosts) without credentials or fragment')
        .optional(),
      /** How long a webhook delivery may take; a failed one is retried at the next interval. */
      webhookTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    })
    .superRefine((a, ctx) => {
      if (a.signingKey === undefined && (a.checkpointFile !== undefined || a.webhookUrl !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['signingKey'], message: 'audit.checkpointFile and audit.webhookUrl need a signing key: set COVERWATCH_AUDIT_SIGNING_KEY_FILE (or audit.signingKey)' });
      }
    })
    .prefault({}),
  /** Anomaly detection and alerts (docs/security.md#anomaly-detection-and-alerts): rules over the audit log, alerts stored, sent to webhooks and by email. */
  alerts: z
    .strictObject({
      /** Workers evaluate the rules (alerts are always stored once raised; this only stops raising new ones). */
      enabled: z.boolean().default(true),
      /** How often a worker reads new audit records and sends pending alerts (alerts appear within about this long). */
      evaluationIntervalSeconds: z.number().int().min(1).max(60).default(15),
      /** One webhook from the environment (more in the config file: `webhooks`). */
      webhook: z
        .strictObject({
          /** A secret (it may carry a token): never logged, only its host. */
          url: AlertWebhookUrlSchema.optional(),
          /** HMAC-SHA256 key of the `Coverwatch-Signature` header. A secret: never logged. */
          secret: AlertWebhookSecretSchema.optional(),
        })
        .prefault({}),
      /** Further webhooks (config file only), each with its own signing secret. */
      webhooks: z.array(z.strictObject({ url: AlertWebhookUrlSchema, secret: AlertWebhookSecretSchema })).max(10).default([]),
      /** How long a webhook delivery may take; failed deliveries are retried with back-off. */
      webhookTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
      smtp: z
        .strictObject({
          /** Unset: no email. */
          host: z.string().min(1).max(253).optional(),
          /** Default 465 with `secure`, else 587. */
          port: z.number().int().min(1).max(65535).optional(),
          /** Implicit TLS (port 465). false: STARTTLS, required unless the host is loopback. */
          secure: z.boolean().default(true),
          user: z.string().min(1).max(256).optional(),
          /** A secret: never logged. */
          password: z.string().min(1).max(1024).optional(),
          from: z.email().max(320).optional(),
          /** Recipients, comma-separated. */
          to: z
            .string()
            .max(4096)
            .refine((s) => s.split(',').every((a) => z.email().safeParse(a.trim()).success), 'expected comma-separated email addresses')
            .optional(),
        })
        .prefault({}),
      thresholds: z
        .strictObject({
          /** Failed sign-ins of one account within the window that raise an alert. */
          signInFailuresPerAccount: z.number().int().min(2).max(1000).default(5),
          /** Distinct accounts failing to sign in from one IP within the window that raise an alert. */
          signInFailuresPerIp: z.number().int().min(2).max(1000).default(5),
          signInWindowMinutes: z.number().int().min(1).max(1440).default(15),
          /** A token used from another network (/24, /64) than the one it was created from within this long of its creation. */
          tokenCreatedUseWindowMinutes: z.number().int().min(1).max(1440).default(30),
          /** Uploads of one repository in an hour above this multiple of its hourly average over the baseline... */
          uploadSpikeFactor: z.number().int().min(2).max(1000).default(5),
          /** ...and at least this many. */
          uploadSpikeMinPerHour: z.number().int().min(1).max(1_000_000).default(30),
          uploadSpikeBaselineHours: z.number().int().min(1).max(168).default(24),
        })
        .prefault({}),
    })
    .superRefine((a, ctx) => {
      if ((a.webhook.url === undefined) !== (a.webhook.secret === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['webhook', a.webhook.url === undefined ? 'url' : 'secret'], message: 'set both COVERWATCH_ALERTS_WEBHOOK_URL and COVERWATCH_ALERTS_WEBHOOK_SECRET (or its _FILE), or neither' });
      }
      if (a.smtp.host !== undefined && (a.smtp.from === undefined || a.smtp.to === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['smtp', a.smtp.from === undefined ? 'from' : 'to'], message: 'alerts.smtp.host needs a sender and recipients: set COVERWATCH_ALERTS_SMTP_FROM and COVERWATCH_ALERTS_SMTP_TO' });
      }
      if ((a.smtp.user === undefined) !== (a.smtp.password === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['smtp', a.smtp.user === undefined ? 'user' : 'password'], message: 'set both COVERWATCH_ALERTS_SMTP_USER and COVERWATCH_ALERTS_SMTP_PASSWORD (or its _FILE), or neither' });
      }
    })
    .prefault({}),
  /** Web sessions of user accounts (docs/security.md#accounts-and-sessions). */
  sessions: z
    .strictObject({
      /** A session unused for this long ends (ASVS 7.3.1). */
      idleTimeoutMinutes: z.number().int().min(1).max(1440).default(30),
      /** A session ends this long after sign-in, however active (ASVS 7.3.2). */
      absoluteTimeoutHours: z.number().int().min(1).max(720).default(12),
    })
    .prefault({}),
  /** Second factors (docs/security.md#multi-factor-authentication). */
  mfa: z
    .strictObject({
      /**
       * The AES-256-GCM key TOTP secrets are encrypted with at rest: 32 random bytes as 64 hex digits
       * (`openssl rand -hex 32`). A secret: never logged; give it as COVERWATCH_MFA_ENCRYPTION_KEY_FILE.
       * Unset in development: a key is generated once into `<dataDir>/mfa-encryption.key`; production
       * mode requires it (config/production-checks.ts).
       */
      encryptionKey: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'expected 32 bytes as 64 hex digits (openssl rand -hex 32)')
        .optional(),
    })
    .prefault({}),
  /**
   * Single sign-on through an OpenID Connect provider (docs/security.md#single-sign-on). Off unless
   * `issuer` is set; then `clientId` and `clientSecret` are required, and `publicUrl` gives the
   * redirect URI (`<publicUrl>/api/v1/auth/sso/callback`, to register at the provider).
   */
  sso: z
    .strictObject({
      issuer: SecureUrlSchema.optional(),
      clientId: z.string().min(1).max(512).optional(),
      /** A secret: never logged; give it as COVERWATCH_SSO_CLIENT_SECRET_FILE. */
      clientSecret: z.string().min(1).max(4096).optional(),
      /** What the sign-in page calls the provider. */
      name: z.string().min(1).max(64).default('Single sign-on'),
      /**
       * Whether a first SSO sign-in with a verified email that has no account creates one. Off: only
       * users an operator created (admin create-user) can sign in, matched by verified email once.
       */
      createUsers: z.boolean().default(false),
      /**
       * Whether a first SSO sign-in may link to an existing account that has its own password or
       * second factor (by verified email). Off: only accounts without either (made for SSO by
       * `admin create-user`) are linked; the others keep signing in as they do.
       */
      linkExistingAccounts: z.boolean().default(false),
    })
    .superRefine((s, ctx) => {
      if (s.issuer === undefined) return;
      if (s.clientId === undefined) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required with sso.issuer (COVERWATCH_SSO_CLIENT_ID)' });
      if (s.clientSecret === undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'required with sso.issuer (COVERWATCH_SSO_CLIENT_SECRET or its _FILE)' });
    })
    .prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;

/** `issuers`: COVERWATCH_OIDC_ISSUERS, a JSON list or `kind=URL,...` (see load-config). `list`: comma-separated. */
type LeafType = 'int' | 'string' | 'boolean' | 'issuers' | 'list';

/**
 * Where each setting comes from in the environment and on the command line. A closed table, so the
 * documentation and the loader cannot disagree. `secret` settings also read `<ENV>_FILE`.
 */
export const CONFIG_SOURCES: readonly { path: readonly string[]; env: string; flag?: string; type: LeafType; secret?: boolean }[] = [
  { path: ['port'], env: 'COVERWATCH_PORT', flag: 'port', type: 'int' },
  { path: ['host'], env: 'COVERWATCH_HOST', flag: 'host', type: 'string' },
  { path: ['dataDir'], env: 'COVERWATCH_DATA_DIR', flag: 'data-dir', type: 'string' },
  { path: ['databaseUrl'], env: 'COVERWATCH_DATABASE_URL', type: 'string', secret: true },
  { path: ['logLevel'], env: 'COVERWATCH_LOG_LEVEL', flag: 'log-level', type: 'string' },
  { path: ['mode'], env: 'COVERWATCH_MODE', type: 'string' },
  { path: ['publicUrl'], env: 'COVERWATCH_PUBLIC_URL', type: 'string' },
  { path: ['trustedProxies'], env: 'COVERWATCH_TRUSTED_PROXIES', type: 'list' },
  { path: ['oidc', 'issuers'], env: 'COVERWATCH_OIDC_ISSUERS', type: 'issuers' },
  { path: ['oidc', 'maxTokenAgeSeconds'], env: 'COVERWATCH_OIDC_MAX_TOKEN_AGE_SECONDS', type: 'int' },
  { path: ['upload', 'maxBodyBytes'], env: 'COVERWATCH_UPLOAD_MAX_BODY_BYTES', type: 'int' },
  { path: ['upload', 'maxDecompressedBytes'], env: 'COVERWATCH_UPLOAD_MAX_DECOMPRESSED_BYTES', type: 'int' },
  { path: ['orgs', 'usersMayCreate'], env: 'COVERWATCH_ORGS_USERS_MAY_CREATE', type: 'boolean' },
  { path: ['retention', 'rawUploadDays'], env: 'COVERWATCH_RETENTION_RAW_UPLOAD_DAYS', type: 'int' },
  { path: ['retention', 'sweepIntervalMinutes'], env: 'COVERWATCH_RETENTION_SWEEP_INTERVAL_MINUTES', type: 'int' },
  { path: ['worker', 'inProcess'], env: 'COVERWATCH_WORKER_IN_PROCESS', type: 'boolean' },
  { path: ['worker', 'concurrency'], env: 'COVERWATCH_WORKER_CONCURRENCY', type: 'int' },
  { path: ['worker', 'pollIntervalMs'], env: 'COVERWATCH_WORKER_POLL_INTERVAL_MS', type: 'int' },
  { path: ['worker', 'leaseMs'], env: 'COVERWATCH_WORKER_LEASE_MS', type: 'int' },
  { path: ['worker', 'maxAttempts'], env: 'COVERWATCH_WORKER_MAX_ATTEMPTS', type: 'int' },
  { path: ['blobs', 'driver'], env: 'COVERWATCH_BLOBS_DRIVER', type: 'string' },
  { path: ['blobs', 's3', 'bucket'], env: 'COVERWATCH_S3_BUCKET', type: 'string' },
  { path: ['blobs', 's3', 'prefix'], env: 'COVERWATCH_S3_PREFIX', type: 'string' },
  { path: ['blobs', 's3', 'endpoint'], env: 'COVERWATCH_S3_ENDPOINT', type: 'string' },
  { path: ['blobs', 's3', 'region'], env: 'COVERWATCH_S3_REGION', type: 'string' },
  { path: ['blobs', 's3', 'forcePathStyle'], env: 'COVERWATCH_S3_FORCE_PATH_STYLE', type: 'boolean' },
  { path: ['blobs', 's3', 'accessKeyId'], env: 'COVERWATCH_S3_ACCESS_KEY_ID', type: 'string' },
  { path: ['blobs', 's3', 'secretAccessKey'], env: 'COVERWATCH_S3_SECRET_ACCESS_KEY', type: 'string', secret: true },
  { path: ['queue', 'driver'], env: 'COVERWATCH_QUEUE_DRIVER', type: 'string' },
  { path: ['queue', 'pgBossSchema'], env: 'COVERWATCH_QUEUE_PG_BOSS_SCHEMA', type: 'string' },
  { path: ['audit', 'signingKey'], env: 'COVERWATCH_AUDIT_SIGNING_KEY', type: 'string', secret: true },
  { path: ['audit', 'checkpointIntervalMinutes'], env: 'COVERWATCH_AUDIT_CHECKPOINT_INTERVAL_MINUTES', type: 'int' },
  { path: ['audit', 'checkpointFile'], env: 'COVERWATCH_AUDIT_CHECKPOINT_FILE', type: 'string' },
  { path: ['audit', 'webhookUrl'], env: 'COVERWATCH_AUDIT_WEBHOOK_URL', type: 'string', secret: true },
  { path: ['audit', 'webhookTimeoutMs'], env: 'COVERWATCH_AUDIT_WEBHOOK_TIMEOUT_MS', type: 'int' },
  { path: ['sessions', 'idleTimeoutMinutes'], env: 'COVERWATCH_SESSIONS_IDLE_TIMEOUT_MINUTES', type: 'int' },
  { path: ['sessions', 'absoluteTimeoutHours'], env: 'COVERWATCH_SESSIONS_ABSOLUTE_TIMEOUT_HOURS', type: 'int' },
  { path: ['mfa', 'encryptionKey'], env: 'COVERWATCH_MFA_ENCRYPTION_KEY', type: 'string', secret: true },
  { path: ['sso', 'issuer'], env: 'COVERWATCH_SSO_ISSUER', type: 'string' },
  { path: ['sso', 'clientId'], env: 'COVERWATCH_SSO_CLIENT_ID', type: 'string' },
  { path: ['sso', 'clientSecret'], env: 'COVERWATCH_SSO_CLIENT_SECRET', type: 'string', secret: true },
  { path: ['sso', 'name'], env: 'COVERWATCH_SSO_NAME', type: 'string' },
  { path: ['sso', 'createUsers'], env: 'COVERWATCH_SSO_CREATE_USERS', type: 'boolean' },
  { path: ['sso', 'linkExistingAccounts'], env: 'COVERWATCH_SSO_LINK_EXISTING_ACCOUNTS', type: 'boolean' },
  { path: ['alerts', 'enabled'], env: 'COVERWATCH_ALERTS_ENABLED', type: 'boolean' },
  { path: ['alerts', 'evaluationIntervalSeconds'], env: 'COVERWATCH_ALERTS_EVALUATION_INTERVAL_SECONDS', type: 'int' },
  { path: ['alerts', 'webhook', 'url'], env: 'COVERWATCH_ALERTS_WEBHOOK_URL', type: 'string', secret: true },
  { path: ['alerts', 'webhook', 'secret'], env: 'COVERWATCH_ALERTS_WEBHOOK_SECRET', type: 'string', secret: true },
  { path: ['alerts', 'webhookTimeoutMs'], env: 'COVERWATCH_ALERTS_WEBHOOK_TIMEOUT_MS', type: 'int' },
  { path: ['alerts', 'smtp', 'host'], env: 'COVERWATCH_ALERTS_SMTP_HOST', type: 'string' },
  { path: ['alerts', 'smtp', 'port'], env: 'COVERWATCH_ALERTS_SMTP_PORT', type: 'int' },
  { path: ['alerts', 'smtp', 'secure'], env: 'COVERWATCH_ALERTS_SMTP_SECURE', type: 'boolean' },
  { path: ['alerts', 'smtp', 'user'], env: 'COVERWATCH_ALERTS_SMTP_USER', type: 'string' },
  { path: ['alerts', 'smtp', 'password'], env: 'COVERWATCH_ALERTS_SMTP_PASSWORD', type: 'string', secret: true },
  { path: ['alerts', 'smtp', 'from'], env: 'COVERWATCH_ALERTS_SMTP_FROM', type: 'string' },
  { path: ['alerts', 'smtp', 'to'], env: 'COVERWATCH_ALERTS_SMTP_TO', type: 'string' },
  { path: ['alerts', 'thresholds', 'signInFailuresPerAccount'], env: 'COVERWATCH_ALERTS_SIGN_IN_FAILURES_PER_ACCOUNT', type: 'int' },
  { path: ['alerts', 'thresholds', 'signInFailuresPerIp'], env: 'COVERWATCH_ALERTS_SIGN_IN_FAILURES_PER_IP', type: 'int' },
  { path: ['alerts', 'thresholds', 'signInWindowMinutes'], env: 'COVERWATCH_ALERTS_SIGN_IN_WINDOW_MINUTES', type: 'int' },
  { path: ['alerts', 'thresholds', 'tokenCreatedUseWindowMinutes'], env: 'COVERWATCH_ALERTS_TOKEN_CREATED_USE_WINDOW_MINUTES', type: 'int' },
  { path: ['alerts', 'thresholds', 'uploadSpikeFactor'], env: 'COVERWATCH_ALERTS_UPLOAD_SPIKE_FACTOR', type: 'int' },
  { path: ['alerts', 'thresholds', 'uploadSpikeMinPerHour'], env: 'COVERWATCH_ALERTS_UPLOAD_SPIKE_MIN_PER_HOUR', type: 'int' },
  { path: ['alerts', 'thresholds', 'uploadSpikeBaselineHours'], env: 'COVERWATCH_ALERTS_UPLOAD_SPIKE_BASELINE_HOURS', type: 'int' },
];

/** An IPv4 or IPv6 address, or one with a prefix length (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrRange(s: string): boolean {
  const slash = s.indexOf('/');
  const address = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = s.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
