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
