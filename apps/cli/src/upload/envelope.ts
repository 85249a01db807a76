import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { UploadEnvelopeSchema, type UploadEnvelope } from '@coverwatch/protocol';
import type { CiInfo } from '../ci/ci-info.js';
import { VERSION } from '../version.js';
import type { CommitInfo } from './commit-info.js';
import type { CollectedReport } from './collect-reports.js';
import { UploadError } from './upload-error.js';

export interface EnvelopeInput {
  readonly commit: CommitInfo;
  readonly ci: CiInfo;
  readonly flags: readonly string[];
  readonly name?: string;
  readonly jobId?: string;
  readonly files: readonly string[] | null;
  readonly reports: readonly CollectedReport[];
}

/**
 * The envelope, exactly as sent, checked against the protocol schema first: a bad flag or an
 * over-long name is a clear local error, not a 400 after the upload.
 */
export function buildEnvelope(i: EnvelopeInput): UploadEnvelope {
  const jobId = i.jobId ?? i.ci.jobId;
  const ci =
    i.ci.provider === 'local'
      ? undefined
      : {
          provider: i.ci.provider,
          ...(i.ci.buildId !== undefined ? { buildId: i.ci.buildId } : {}),
          ...(i.ci.buildUrl !== undefined ? { buildUrl: i.ci.buildUrl } : {}),
          ...(jobId !== undefined ? { jobId } : {}),
        };
  const candidate = {
    version: 1,
    uploader: { name: 'coverwatch', version: VERSION },
    commit: i.commit.commit,
    ...(i.commit.slug !== undefined ? { repository: { slug: i.commit.slug } } : {}),
    ...(ci !== undefined ? { ci } : i.jobId !== undefined ? { ci: { jobId: i.jobId } } : {}),
    ...(i.flags.length > 0 ? { flags: [...i.flags] } : {}),
    ...(i.name !== undefined ? { name: i.name } : {}),
    ...(i.files !== null ? { files: [...i.files] } : {}),
    reports: i.reports.map((r) => ({ name: r.name, format: r.format, data: r.bytes.toString('base64') })),
  };
  const checked = UploadEnvelopeSchema.safeParse(candidate);
  if (!checked.success) {
    const problems = checked.error.issues.map((e) => `${e.path.join('.') || '(envelope)'}: ${e.message}`);
    throw new UploadError('config', `the upload would be refused: ${problems.slice(0, 10).join('; ')}`);
  }
  return checked.data;
}

export interface EncodedEnvelope {
  readonly json: string;
  readonly gzip: Buffer;
  readonly sha256: string;
}

/** Deterministic bytes: fixed gzip level, no timestamp (Node writes mtime 0). */
export function encodeEnvelope(envelope: UploadEnvelope): EncodedEnvelope {
  const json = JSON.stringify(envelope);
  const gzip = gzipSync(Buffer.from(json, 'utf8'), { level: 6 });
  return { json, gzip, sha256: createHash('sha256').update(json).digest('hex') };
}
