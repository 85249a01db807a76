import type { FieldProblem } from '../errors/app-error.js';
import type { Config } from './config.schema.js';

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[?::1\]?)$/i;

/**
 * What `mode: production` refuses, each with the setting to change. The defaults are already safe
 * (loopback only, no OIDC); these are settings a deployment can get wrong:
 * - `publicUrl` must be https: it is the address CI sends tokens to and the OIDC audience.
 * - OIDC issuers must be https (http is allowed for loopback issuers in development only, for tests).
 * - `logLevel` debug/trace log request details an operator does not want in a shipped log.
 * - PostgreSQL on another host needs TLS (`sslmode=require` or stricter): the connection carries
 *   every token hash and all coverage.
 * - S3 endpoints must be https for the same reason.
 * - The audit log must be checkpointed (a signing key) to somewhere outside the database.
 * - TOTP secrets must be encrypted with a key from configuration, not one generated into the data
 *   directory (mfa/mfa-key.ts): next to the database it would be copied with every backup, and
 *   several servers would each generate their own.
 */
export function productionProblems(config: Config): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const refuse = (path: string, message: string) => problems.push({ path, message: `${message} (refused in production mode, COVERWATCH_MODE=production)` });
  if (config.publicUrl === undefined) refuse('publicUrl (COVERWATCH_PUBLIC_URL)', 'set the https URL CI and users reach this server at');
  else if (!config.publicUrl.startsWith('https://')) refuse('publicUrl (COVERWATCH_PUBLIC_URL)', 'must be https://: tokens are sent to it');
  for (const [i, issuer] of config.oidc.issuers.entries()) {
    if (!issuer.issuer.startsWith('https://')) refuse(`oidc.issuers.${i}.issuer (COVERWATCH_OIDC_ISSUERS)`, 'must be https://');
    if (issuer.jwksUri !== undefined && !issuer.jwksUri.startsWith('https://')) refuse(`oidc.issuers.${i}.jwksUri (COVERWATCH_OIDC_ISSUERS)`, 'must be https://');
  }
  if (config.logLevel === 'debug' || config.logLevel === 'trace') refuse('logLevel (COVERWATCH_LOG_LEVEL)', `"${config.logLevel}" logs request details; use info or quieter`);
  if (config.databaseUrl !== undefined) {
    const db = postgresTls(config.databaseUrl);
    if (db.remote && !db.tls) refuse('databaseUrl (COVERWATCH_DATABASE_URL)', 'connects to another host without TLS: add sslmode=require (or verify-full) to the URL');
  }
  // Without checkpoints the audit chain proves order, not that nobody rewrote it wholesale.
  if (config.audit.signingKey === undefined) refuse('audit.signingKey (COVERWATCH_AUDIT_SIGNING_KEY)', 'set an Ed25519 key so the audit log is checkpointed (docs/security.md#audit-log)');
  if (config.audit.signingKey !== undefined && config.audit.checkpointFile === undefined && config.audit.webhookUrl === undefined) {
    refuse('audit.checkpointFile (COVERWATCH_AUDIT_CHECKPOINT_FILE)', 'send checkpoints outside the database (a file on other storage, or audit.webhookUrl): they are what bounds a rewrite by someone with database access');
  }
  if (config.mfa.encryptionKey === undefined) {
    refuse('mfa.encryptionKey (COVERWATCH_MFA_ENCRYPTION_KEY)', 'set the key TOTP secrets are encrypted with (openssl rand -hex 32; give it as COVERWATCH_MFA_ENCRYPTION_KEY_FILE), kept apart from the database and its backups');
  }
  const s3 = (config as { blobs?: { driver?: string; s3?: { endpoint?: string } } }).blobs;
  if (s3?.driver === 's3' && s3.s3?.endpoint !== undefined && !s3.s3.endpoint.startsWith('https://') && !isLoopbackUrl(s3.s3.endpoint)) {
    refuse('blobs.s3.endpoint (COVERWATCH_S3_ENDPOINT)', 'must be https:// unless the object store runs on this machine');
  }
  return problems;
}

/** Whether a PostgreSQL URL leaves this machine, and whether it asks for TLS. Never echoes the URL (it holds a password). */
function postgresTls(url: string): { remote: boolean; tls: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { remote: false, tls: false };
  }
  const host = u.searchParams.get('host') ?? u.hostname;
  const remote = host !== '' && !host.startsWith('/') && !LOOPBACK.test(host);
  const mode = u.searchParams.get('sslmode');
  const tls = mode === 'require' || mode === 'verify-ca' || mode === 'verify-full' || u.searchParams.get('ssl') === 'true';
  return { remote, tls };
}

function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
