import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditCheckpoints, checkpointLine, parseSigningKey, parseVerifyingKey, publicKeyPem, type VerifyingKey } from '../audit/checkpoints.js';
import { exportLines } from '../audit/export.js';
import { verifyExport, type VerifyResult } from '../audit/verify.js';
import type { Config } from '../config/config.schema.js';
import { openMigratedDatabase } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { CliIo } from './cli-io.js';

export const AUDIT_USAGE = `coverwatch-server audit <command> [--json] [--data-dir DIR]
  export [--since SEQ]               the audit log and its signed checkpoints as JSON Lines on standard
                                     output: coverwatch-server audit export > audit.jsonl
                                     (--since SEQ: only records after SEQ)
  verify EXPORT [--checkpoint SAVED ...] [--public-key PEM ...]
                                     check an export offline: the hash chain, and each checkpoint (in the
                                     export and in SAVED files, e.g. audit.checkpointFile) signed by one of
                                     the public keys (default: the public half of audit.signingKey).
                                     Names the first bad record and exits non-zero (5)
  checkpoint                         sign a checkpoint of the head now and send it to audit.checkpointFile
                                     and audit.webhookUrl (workers do it every audit.checkpointIntervalMinutes)
  public-key                         print the public key of audit.signingKey (PEM; give it to verify)`;

/** Options of audit subcommands; run.ts parses them with the global ones and refuses them elsewhere. */
export const AUDIT_OPTIONS = {
  since: { type: 'string' },
  checkpoint: { type: 'string', multiple: true },
  'public-key': { type: 'string', multiple: true },
} as const;

export type AuditFlags = {
  readonly since?: string | undefined;
  readonly checkpoint?: readonly string[] | undefined;
  readonly 'public-key'?: readonly string[] | undefined;
};

const SUBCOMMANDS: Readonly<Record<string, { args: number; options: readonly (keyof AuditFlags)[] }>> = {
  export: { args: 0, options: ['since'] },
  verify: { args: 1, options: ['checkpoint', 'public-key'] },
  checkpoint: { args: 0, options: [] },
  'public-key': { args: 0, options: [] },
};

/** `coverwatch-server audit ...`. `verify` reads files only (no database); the others open the configured database. */
export async function auditCommand(config: Config, args: readonly string[], json: boolean, io: CliIo, flags: AuditFlags = {}): Promise<number> {
  const [sub, ...positionals] = args;
  const spec = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (spec === undefined) throw new AppError('CW_ERR_CLI_USAGE', sub === undefined ? `usage:\n${AUDIT_USAGE}` : `unknown audit command ${JSON.stringify(sub)}; usage:\n${AUDIT_USAGE}`);
  if (positionals.length !== spec.args) throw new AppError('CW_ERR_CLI_USAGE', `audit ${sub} takes ${spec.args === 0 ? 'no argument' : 'one argument'}; usage:\n${AUDIT_USAGE}`);
  const foreign = (Object.keys(AUDIT_OPTIONS) as (keyof AuditFlags)[]).find((k) => flags[k] !== undefined && !spec.options.includes(k));
  if (foreign !== undefined) {
    const owners = Object.entries(SUBCOMMANDS).filter(([, s]) => s.options.includes(foreign)).map(([n]) => `audit ${n}`);
    throw new AppError('CW_ERR_CLI_USAGE', `--${foreign} is an option of ${owners.join(', ')} only; usage:\n${AUDIT_USAGE}`);
  }
  switch (sub) {
    case 'verify':
      return verify(config, positionals[0]!, json, io, flags);
    case 'public-key': {
      const key = signingKey(config, 'audit public-key');
      io.stdout.write(json ? JSON.stringify({ keyId: key.keyId, publicKey: publicKeyPem(key) }) + '\n' : publicKeyPem(key));
      if (!json) io.stderr.write(`key id ${key.keyId}\n`);
      return 0;
    }
    case 'export': {
      let since = 0;
      if (flags.since !== undefined) {
        if (!/^(0|[1-9][0-9]{0,15})$/.test(flags.since)) throw new AppError('CW_ERR_CLI_USAGE', `--since must be a sequence number (0 or more), got ${JSON.stringify(flags.since)}`);
        since = Number(flags.since);
      }
      const { db } = await openMigratedDatabase(config);
      try {
        for await (const line of exportLines(new AuditRepository(db), { since })) await write(io, `${line}\n`);
      } finally {
        await db.destroy();
      }
      return 0;
    }
    case 'checkpoint': {
      const key = signingKey(config, 'audit checkpoint');
      const { db } = await openMigratedDatabase(config);
      try {
        const r = await new AuditCheckpoints(new AuditRepository(db), key, config.audit).tick();
        if (r.checkpoint === null) {
          io.stdout.write(json ? JSON.stringify({ checkpoint: null }) + '\n' : 'the audit log is empty: nothing to sign\n');
          return 0;
        }
        const c = r.checkpoint.checkpoint;
        io.stdout.write(
          json
            ? JSON.stringify({ ...JSON.parse(checkpointLine(r.checkpoint)), created: r.created, delivered: r.delivered, failed: r.failed }) + '\n'
            : `${r.created ? 'signed a checkpoint' : 'the latest checkpoint is'} of record ${c.seq} (hash ${c.hash}, ${c.time}, key ${c.keyId})${r.delivered.length > 0 ? `; sent to ${r.delivered.join(', ')}` : ''}\n`,
        );
        if (r.failed.length > 0) throw new AppError('CW_ERR_AUDIT_CHECKPOINT_UNDELIVERED', r.failed.map((f) => f.error).join('; '));
        return 0;
      } finally {
        await db.destroy();
      }
    }
    default:
      throw new AppError('CW_ERR_CLI_USAGE', `unknown audit command ${JSON.stringify(sub)}; usage:\n${AUDIT_USAGE}`);
  }
}

async function verify(config: Config, exportFile: string, json: boolean, io: CliIo, flags: AuditFlags): Promise<number> {
  const file = readable(io, exportFile);
  const saved = (flags.checkpoint ?? []).map((f) => {
    const p = readable(io, f);
    return { name: f, lines: () => lines(p) };
  });
  const keys: VerifyingKey[] = (flags['public-key'] ?? []).map((f) => {
    try {
      return parseVerifyingKey(readFileSync(readable(io, f), 'utf8'));
    } catch (e) {
      throw new AppError('CW_ERR_CLI_USAGE', `--public-key ${f}: ${(e as Error).message}`);
    }
  });
  let keySource = 'the given public keys';
  if (keys.length === 0 && config.audit.signingKey !== undefined) {
    keys.push(parseSigningKey(config.audit.signingKey));
    keySource = 'the public half of audit.signingKey';
  }
  const result = await verifyExport(() => lines(file), { saved, publicKeys: keys });
  if (json) io.stdout.write(JSON.stringify({ ...result, keyIds: keys.map((k) => k.keyId) }) + '\n');
  else io.stdout.write(describe(result, keys.length === 0 ? null : keySource));
  if (!json && keys.length === 0) io.stderr.write('warning: no public key (--public-key PEM): checkpoint signatures were NOT checked, so they prove nothing\n');
  if (!result.ok) {
    const p = result.problems[0]!;
    throw new AppError('CW_ERR_AUDIT_VERIFY_FAILED', `${where(p)}: ${p.message}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem${result.problems.length > 2 ? 's' : ''})` : ''}`);
  }
  return 0;
}

function describe(r: VerifyResult, keySource: string | null): string {
  const out: string[] = [];
  if (r.ok) {
    out.push(
      r.records === 0
        ? 'audit export verified: no records'
        : `audit export verified: records ${r.firstSeq}..${r.lastSeq} (${r.records}), head hash ${r.headHash}${r.fromGenesis ? '' : `; it starts after record ${r.firstSeq! - 1}, whose hash is taken from the export`}`,
    );
  } else {
    out.push('audit export FAILED verification:');
    for (const p of r.problems) out.push(`  ${where(p)}: ${p.message}`);
  }
  const c = r.checkpoints;
  if (keySource !== null) {
    out.push(`checkpoints: ${c.verified} verified with ${keySource}${c.latest === null ? '' : `, the latest for record ${c.latest.seq} signed at ${c.latest.time}`}${c.notCovered > 0 ? `; ${c.notCovered} before the export's first record not compared` : ''}`);
    if (r.ok && c.verified === 0) out.push('note: no signed checkpoint covers these records: records removed from the end would go unnoticed');
  }
  return out.join('\n') + '\n';
}

function where(p: { file: string; line: number | null; seq: number | null }): string {
  return `${p.file}${p.line === null ? '' : ` line ${p.line}`}${p.seq === null ? '' : ` (record ${p.seq})`}`;
}

function signingKey(config: Config, command: string) {
  if (config.audit.signingKey === undefined) throw new AppError('CW_ERR_CONFIG_INVALID', `${command} needs audit.signingKey: set COVERWATCH_AUDIT_SIGNING_KEY_FILE to an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519 -out audit-signing.pem)`);
  return parseSigningKey(config.audit.signingKey);
}

function readable(io: CliIo, file: string): string {
  const p = path.resolve(io.cwd, file);
  try {
    if (!statSync(p).isFile()) throw Object.assign(new Error(), { code: 'not a file' });
  } catch (e) {
    throw new AppError('CW_ERR_CLI_USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return p;
}

function lines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
}

/** Writes with back-pressure when the output is a stream (an export can be large). */
async function write(io: CliIo, text: string): Promise<void> {
  const out = io.stdout as { write(s: string): unknown; once?: (event: string, f: () => void) => unknown };
  if (out.write(text) === false && typeof out.once === 'function') await new Promise<void>((resolve) => out.once!('drain', resolve));
}
