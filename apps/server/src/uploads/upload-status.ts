import type { UploadStatus } from '@coverwatch/protocol';
import type { UploadRecord } from './uploads.repository.js';

/** An upload as the API shows it (`GET /api/v1/uploads/{id}` and the uploads of a commit). */
export function toUploadStatus(u: UploadRecord, repository: string, commitSha: string): UploadStatus {
  return {
    id: u.id,
    repository,
    commitSha,
    state: u.state,
    flags: JSON.parse(u.flags_json) as string[],
    name: u.name,
    createdAt: u.created_at,
    processedAt: u.finished_at,
    error: u.error_code === null ? null : { code: u.error_code, message: u.error_message ?? '' },
    diagnostics: u.diagnostics_json === null ? [] : (JSON.parse(u.diagnostics_json) as UploadStatus['diagnostics']),
    totals: u.totals_json === null ? null : (JSON.parse(u.totals_json) as UploadStatus['totals']),
  };
}
